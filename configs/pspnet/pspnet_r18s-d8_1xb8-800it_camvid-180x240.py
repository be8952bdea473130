# mmseg's PSPNet with the demos' half-width ResNet-18-D8 from scratch on
# CamVid at half resolution: the CamVid benchmark's baseline of MCIBI
# (PSPNet)
_base_ = [
    'mmseg::_base_/models/pspnet_r50-d8.py',
    '../_base_/datasets/camvid_180x240.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_camvid_cpu.py',
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    pretrained=None,
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=256, channels=128, num_classes=11),
    auxiliary_head=dict(in_channels=128, channels=64, num_classes=11))
