# ContextNet cn14 from scratch on CamVid at half resolution, compared with
# mmseg's Fast-SCNN under the same recipe (the benchmark's SGD schedule, not
# the paper's RMSprop, so that only the network differs)
_base_ = [
    '../_base_/models/contextnet_cn14.py',
    '../_base_/datasets/camvid_180x240.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_camvid_cpu.py',
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    decode_head=dict(num_classes=11),
    auxiliary_head=dict(num_classes=11))
