#!/usr/bin/env bash
# Multi-process training, with mmseg's command line and variables:
#   tools/dist_train.sh CONFIG GPUS [train.py options]
#   NNODES, NODE_RANK, PORT, MASTER_ADDR as for mmseg; PYTHON picks the
#   interpreter. With CUDA, one process per GPU over NCCL; without, GPUS
#   processes train on the CPU over gloo.
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname $0)/..":$PYTHONPATH \
${PYTHON:-python} -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS \
    --master_port=$PORT \
    $(dirname "$0")/train.py \
    $CONFIG \
    --launcher pytorch ${@:3}
