# mmseg's Fast-SCNN from scratch on CamVid at half resolution: the CamVid
# benchmark's baseline of ContextNet, with the benchmark's recipe
_base_ = [
    'mmseg::_base_/models/fast_scnn.py',
    '../_base_/datasets/camvid_180x240.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_camvid_cpu.py',
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    decode_head=dict(num_classes=11),
    auxiliary_head=[
        dict(head, num_classes=11) for head in _base_.model.auxiliary_head
    ])
