#!/usr/bin/env bash
# Merge the shards of examples/slurm/array.sh into the result of the whole
# run. examples/slurm/submit.sh queues it with --dependency=afterok:<array
# job id> and passes that id as EVALCTL_RUN. Exit status 3 means a gate
# failed on the merged result.
#SBATCH --job-name=evalctl-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=00:15:00
#SBATCH --output=results/slurm-%j-merge.out
set -euo pipefail
run=${EVALCTL_RUN:?set by submit.sh: the array job id}
exec evalctl merge --suite suites/credit-fairness.yaml --out "results/$run/merged" --format md results/"$run"/shard-*/result.json
