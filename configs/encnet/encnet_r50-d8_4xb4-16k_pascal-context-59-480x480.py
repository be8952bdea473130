# EncNet (Zhang et al., CVPR 2018) R-50-D8 on PASCAL-Context-59 with the
# paper's recipe: the Context Encoding Module with the paper's attention (Y = X
# * gamma) and SE-loss (weight 0.2) on the last stage, mmseg's FCN auxiliary
# head on stage 3; SGD lr 0.001, momentum 0.9, weight decay 1e-4, poly 0.9,
# batch 16, 50 epochs of 312 full batches (the last, partial one dropped, as
# the paper does) = 15,600 iterations
_base_ = [
    'mmseg::_base_/models/encnet_r50-d8.py',
    'mmseg::_base_/datasets/pascal_context_59.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_20k.py',
    '../_base_/models/encnet_paper.py',
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
crop_size = (480, 480)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    auxiliary_head=dict(num_classes=59),
    test_cfg=dict(mode='slide', crop_size=(480, 480), stride=(320, 320)),
    decode_head=dict(_base_.encnet_paper_head, num_classes=59))
# the paper's rotation after the scaling, before the crop
train_pipeline = _base_.train_pipeline[:3] + [
    _base_.encnet_paper_rotation
] + _base_.train_pipeline[3:]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4 * 0.001,
        power=0.9,
        begin=0,
        end=15600,
        by_epoch=False)
]
train_cfg = dict(max_iters=15600, val_interval=1560)
default_hooks = dict(checkpoint=dict(interval=1560))
