# DeepLabV3 + MCIBI, R-50-D8, coco-stuff164k
# mmseg's DeepLabV3 baseline with its decode head swapped for
# MCIBIHead and the memory-update hook added
_base_ = [
    'mmseg::deeplabv3/deeplabv3_r50-d8_4xb4-160k_coco-stuff164k-512x512.py',
    '../_base_/models/mcibi_head.py'
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(
    decode_head=dict(
        _base_.mcibi_head,
        _delete_=True,
        in_channels=2048,
        channels=512,
        context='aspp',
        dilations=(1, 12, 24, 36),
        num_classes=171))
custom_hooks = _base_.mcibi_hooks
# the paper's 30 epochs of 118k images at batch 16
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=220000,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=220000, val_interval=22000)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=22000))
