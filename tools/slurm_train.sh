#!/usr/bin/env bash
# Training in Slurm tasks, with mmseg's command line and variables:
#   tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py options]
#   GPUS, GPUS_PER_NODE, CPUS_PER_TASK, SRUN_ARGS as for mmseg; GRES='' for
#   nodes without GPUs (see slurm_launch.sh); PYTHON picks the interpreter.
#   With CUDA, one task per GPU over NCCL; without, the tasks train on the
#   CPU over gloo.
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
# the sibling through links too (this script linked elsewhere)
HERE=$(dirname "$(readlink -f "$0")")
exec "$HERE/slurm_launch.sh" train.py "$PARTITION" "$JOB_NAME" \
    "$CONFIG" --launcher slurm "${@:4}"
