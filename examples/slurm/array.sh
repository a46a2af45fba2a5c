#!/usr/bin/env bash
# Run one evalctl suite as a Slurm job array of 8 shards, then merge.
#
#   sbatch examples/slurm/array.sh
#   sbatch --dependency=afterok:<jobid> --wrap \
#     'evalctl merge --out results/merged results/shard-*/result.json'
#
# Each task evaluates the examples whose position p has p % 8 == its index.
# A requeued task resumes from its prediction cache in results/shard-<i>/cache.
#SBATCH --job-name=evalctl
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=01:00:00
#SBATCH --requeue
set -euo pipefail
n=${SLURM_ARRAY_TASK_COUNT:-8}
i=${SLURM_ARRAY_TASK_ID:?run under sbatch}
exec evalctl run suites/fashion-shift.yaml --shard "$i/$n" --out "results/shard-$i" --format none --no-gates
