#!/usr/bin/env bash
# Submit the 8-shard array, then the merge, which waits for every array task
# to succeed (afterok on an array job id means all of its tasks).
#
#   examples/slurm/submit.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p results
array=$(sbatch --parsable examples/slurm/array.sh)
array=${array%%;*} # --parsable prints "id" or "id;cluster"
sbatch --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
  --export=ALL,EVALCTL_RUN="$array" examples/slurm/merge.sh
echo "submitted array job $array and its merge"
