# EncNet (Zhang et al., CVPR 2018) R-50-D8 on PASCAL VOC 2012 aug with the
# paper's recipe: the Context Encoding Module with the paper's attention (Y = X
# * gamma) and SE-loss (weight 0.2) on the last stage, mmseg's FCN auxiliary
# head on stage 3; SGD lr 0.001, momentum 0.9, weight decay 1e-4, poly 0.9,
# batch 16, 50 epochs of 661 full batches (the last, partial one dropped, as
# the paper does) = 33,050 iterations
_base_ = [
    'mmseg::encnet/encnet_r50-d8_4xb4-40k_voc12aug-512x512.py',
    '../_base_/models/encnet_paper.py'
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(decode_head=dict(_base_.encnet_paper_head, num_classes=21))
# the paper's rotation after the scaling, before the crop
train_pipeline = _base_.train_pipeline[:3] + [
    _base_.encnet_paper_rotation
] + _base_.train_pipeline[3:]
train_dataloader = dict(
    dataset=dict(datasets=[
        dict(dataset, pipeline=train_pipeline)
        for dataset in _base_.train_dataloader.dataset.datasets
    ]))
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4 * 0.001,
        power=0.9,
        begin=0,
        end=33050,
        by_epoch=False)
]
train_cfg = dict(max_iters=33050, val_interval=3305)
default_hooks = dict(checkpoint=dict(interval=3305))
