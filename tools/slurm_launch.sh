#!/usr/bin/env bash
# What slurm_train.sh and slurm_test.sh share: run a tool in GPUS Slurm
# tasks with srun.
#   tools/slurm_launch.sh TOOL PARTITION JOB_NAME [TOOL arguments]
#   GPUS (tasks in all, 4), GPUS_PER_NODE (tasks on each node, 4),
#   CPUS_PER_TASK (5) and SRUN_ARGS as for mmseg; GRES is srun's --gres
#   (gpu:GPUS_PER_NODE unless set; set it empty on nodes without GPUs, where
#   the tasks train on the CPU over gloo); PYTHON picks the interpreter.
TOOL=$1
PARTITION=$2
JOB_NAME=$3
GPUS=${GPUS:-4}
GPUS_PER_NODE=${GPUS_PER_NODE:-4}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
GRES=${GRES-gpu:${GPUS_PER_NODE}}
for count in GPUS GPUS_PER_NODE CPUS_PER_TASK; do
    if ! [[ ${!count} =~ ^[1-9][0-9]*$ ]]; then
        echo "tools/slurm_${TOOL%.py}.sh: $count must be a whole number" \
            "of at least 1, got '${!count}'" >&2
        exit 2
    fi
done

set -x

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
exec srun -p ${PARTITION} \
    --job-name=${JOB_NAME} \
    ${GRES:+--gres=${GRES}} \
    --ntasks=${GPUS} \
    --ntasks-per-node=${GPUS_PER_NODE} \
    --cpus-per-task=${CPUS_PER_TASK} \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    ${PYTHON:-python} -u "$(dirname "$0")/$TOOL" "${@:4}"
