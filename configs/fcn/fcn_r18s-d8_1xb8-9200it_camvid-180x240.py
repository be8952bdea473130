# fcn_r18s-d8_1xb8-4600it_camvid-180x240.py for 200 epochs (9200
# iterations), validation and a checkpoint every 10 epochs as there: the
# longer twin of the schedule pilot (configs/benchmarks/camvid_pilot.py)
_base_ = './fcn_r18s-d8_1xb8-4600it_camvid-180x240.py'
max_iters = 9200
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=max_iters)
]
train_cfg = dict(max_iters=max_iters)
