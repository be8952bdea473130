# The CamVid benchmark's FCN (fcn_r18s-d8_1xb8-800it_camvid-180x240.py) for
# 100 epochs: 4600 iterations of 8 of the 367 training images, the same
# warm-up and poly decay over the longer run, validation and a checkpoint
# every 10 epochs. With its 200-epoch twin, the schedule pilot of the
# benchmark (configs/benchmarks/camvid_pilot.py)
_base_ = './fcn_r18s-d8_1xb8-800it_camvid-180x240.py'
max_iters = 4600
val_interval = max_iters // 10
# the base's warm-up, its poly decay to the new end
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
