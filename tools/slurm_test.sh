#!/usr/bin/env bash
# Testing in Slurm tasks, with mmseg's command line and variables:
#   tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]
#   GPUS, GPUS_PER_NODE, CPUS_PER_TASK, SRUN_ARGS as for mmseg; GRES='' for
#   nodes without GPUs (see slurm_launch.sh); PYTHON picks the interpreter.
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
# the sibling through links too (this script linked elsewhere)
HERE=$(dirname "$(readlink -f "$0")")
exec "$HERE/slurm_launch.sh" test.py "$PARTITION" "$JOB_NAME" \
    "$CONFIG" "$CHECKPOINT" --launcher slurm "${@:5}"
