# ContextNet's recipe (Sec. 3.1): RMSprop (decay 0.9, momentum 0.9,
# epsilon 1; torch adds epsilon after the square root, TensorFlow inside),
# poly learning rate 0.045 with power 0.98, 1000 epochs from scratch, no L2
# on the depthwise convs (the paper does not give its weight decay: 4e-5,
# MobileNet's, and none on BN and biases, as TF-slim)
optimizer = dict(
    type='RMSprop', lr=0.045, alpha=0.9, momentum=0.9, eps=1.0,
    weight_decay=4e-5)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=optimizer,
    paramwise_cfg=dict(
        dwconv_decay_mult=0., norm_decay_mult=0., bias_decay_mult=0.))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0,
        power=0.98,
        begin=0,
        end=1000,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1000, val_interval=50)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=50),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
