#!/usr/bin/env bash
# One shard of an evalctl suite per task of a Slurm job array (8 tasks).
# Submit it with examples/slurm/submit.sh, which also queues the merge
# (examples/slurm/merge.sh) with --dependency=afterok on this array: the
# merge starts only when every task has exited 0.
#
# Task i evaluates the examples whose position p has p % 8 == i and writes
# results/<array job id>/shard-<i>/. A requeued task resumes from its
# prediction cache there. Run from the repository root (or a copy of the
# suite with its models and data), with evalctl on PATH: the tarball of
# `make dist` needs no Go, npm or environment variable.
#SBATCH --job-name=evalctl-shards
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --requeue
#SBATCH --output=results/slurm-%A_%a.out
set -euo pipefail
n=${SLURM_ARRAY_TASK_COUNT:-8}
i=${SLURM_ARRAY_TASK_ID:?run under sbatch}
run=${SLURM_ARRAY_JOB_ID:?run under sbatch}
exec evalctl run suites/credit-fairness.yaml --shard "$i/$n" --out "results/$run/shard-$i" --format none --no-gates
