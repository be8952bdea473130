# The CamVid benchmark's FCN (fcn_r18s-d8_1xb8-800it_camvid-180x240.py) for
# 100 epochs: 4600 iterations of 8 of the 367 training images, the same
# warm-up and poly decay over the longer run, validation and a checkpoint
# every 10 epochs. With its 200-epoch twin, the schedule pilot of the
# benchmark (configs/benchmarks/camvid_pilot.py)
_base_ = './fcn_r18s-d8_1xb8-800it_camvid-180x240.py'
max_iters = 4600
val_interval = max_iters // 10
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        begin=0,
        end=_base_.warmup_iters,
        by_epoch=False),
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=_base_.warmup_iters,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
