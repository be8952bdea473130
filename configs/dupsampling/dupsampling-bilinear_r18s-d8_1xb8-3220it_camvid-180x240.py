# The base config at the schedule of the CamVid ablation suite
# (configs/benchmarks/camvid_ablations.py): 70 epochs, 3220 iterations of 8
# of the 367 training images, the same warm-up and poly decay over the
# longer run, validation and a checkpoint every 7 epochs
_base_ = './dupsampling-bilinear_r18s-d8_1xb8-800it_camvid-180x240.py'
max_iters = 3220
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters // 10)
default_hooks = dict(checkpoint=dict(interval=max_iters // 10))
