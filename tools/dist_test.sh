#!/usr/bin/env bash
# Multi-process testing, with mmseg's command line and variables:
#   tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]
#   NNODES, NODE_RANK, PORT, MASTER_ADDR as for mmseg; PYTHON picks the
#   interpreter. Without CUDA, GPUS processes test on the CPU over gloo.
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
# the sibling through links too (this script linked elsewhere)
HERE=$(dirname "$(readlink -f "$0")")
exec "$HERE/dist_launch.sh" test.py "$GPUS" "$CONFIG" \
    "$CHECKPOINT" --launcher pytorch "${@:4}"
