# mmseg's PSPNet with a small ResNet-18-D8 (half width: stem and base
# channels 32) trained from scratch on ContextShapes, for CPU demos
_base_ = [
    'mmseg::_base_/models/pspnet_r50-d8.py',
    '../_base_/datasets/context_shapes.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_300it.py',
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
crop_size = (128, 128)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=256, channels=128, num_classes=9),
    auxiliary_head=dict(in_channels=128, channels=64, num_classes=9))
