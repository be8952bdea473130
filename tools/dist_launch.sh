#!/usr/bin/env bash
# What dist_train.sh and dist_test.sh share: run a tool in GPUS processes
# under torch's launcher.
#   tools/dist_launch.sh TOOL GPUS [TOOL arguments]
#   NNODES, NODE_RANK, PORT, MASTER_ADDR as for mmseg; PYTHON picks the
#   interpreter. With CUDA, one process per GPU over NCCL; without, GPUS
#   processes run on the CPU over gloo.
TOOL=$1
GPUS=$2
if ! [[ $GPUS =~ ^[1-9][0-9]*$ ]]; then
    echo "tools/dist_${TOOL%.py}.sh: the process count (GPUS) must be a" \
        "whole number of at least 1, got '$GPUS'" >&2
    exit 2
fi
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
exec ${PYTHON:-python} -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS \
    --master_port=$PORT \
    "$(dirname "$0")/$TOOL" \
    "${@:3}"
