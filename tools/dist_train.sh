#!/usr/bin/env bash
# Multi-process training, with mmseg's command line and variables:
#   tools/dist_train.sh CONFIG GPUS [train.py options]
#   NNODES, NODE_RANK, PORT, MASTER_ADDR as for mmseg; PYTHON picks the
#   interpreter. With CUDA, one process per GPU over NCCL; without, GPUS
#   processes train on the CPU over gloo.
CONFIG=$1
GPUS=$2
# the sibling through links too (this script linked elsewhere)
HERE=$(dirname "$(readlink -f "$0")")
exec "$HERE/dist_launch.sh" train.py "$GPUS" "$CONFIG" \
    --launcher pytorch "${@:3}"
