# FCN + MCIBI, R-50-D8, coco-stuff164k
# mmseg has no FCN R-50-D8 config for coco-stuff164k: its model and data
# bases, as mmseg builds its own configs
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    'mmseg::_base_/datasets/coco-stuff164k.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_160k.py',
    '../_base_/models/mcibi_head.py',
]
crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(
    decode_head=dict(
        _base_.mcibi_head,
        _delete_=True,
        in_channels=2048,
        channels=512,
        context='none',
        num_classes=171),
    data_preprocessor=data_preprocessor,
    auxiliary_head=dict(num_classes=171))
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
