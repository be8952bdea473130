# FCN + MCIBI, R-50-D8, lip
# mmseg has no FCN R-50-D8 config for lip: its model and data
# bases, as mmseg builds its own configs
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    '../_base_/datasets/lip.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_160k.py',
    '../_base_/models/mcibi_head.py',
]
crop_size = (473, 473)
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
        num_classes=20),
    data_preprocessor=data_preprocessor,
    auxiliary_head=dict(num_classes=20))
custom_hooks = _base_.mcibi_hooks
# the paper's 150 epochs at batch 32 (4 GPUs x 8), epoch-based
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=150,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(
    _delete_=True, type='EpochBasedTrainLoop', max_epochs=150,
    val_interval=15)
default_hooks = dict(
    checkpoint=dict(by_epoch=True, interval=15),
    logger=dict(log_metric_by_epoch=True))
log_processor = dict(by_epoch=True)
