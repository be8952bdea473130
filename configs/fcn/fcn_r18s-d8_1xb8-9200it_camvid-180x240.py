# fcn_r18s-d8_1xb8-4600it_camvid-180x240.py for 200 epochs (9200
# iterations), validation and a checkpoint every 10 epochs: the longer twin
# of the schedule pilot (configs/benchmarks/camvid_pilot.py)
_base_ = './fcn_r18s-d8_1xb8-4600it_camvid-180x240.py'
max_iters = 9200
val_interval = 460
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
