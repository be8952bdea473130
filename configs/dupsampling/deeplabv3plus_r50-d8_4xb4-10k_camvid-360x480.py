# mmseg's DeepLabV3+ R-50-D8 (ImageNet weights) on CamVid at full resolution:
# the baseline of DUpsampling (output stride 8) of the GPU CamVid benchmark
# (configs/benchmarks/camvid_r50.py)
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/datasets/camvid.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_camvid_gpu.py',
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    decode_head=dict(num_classes=11),
    auxiliary_head=dict(num_classes=11))
