# mmseg's Fast-SCNN from scratch on CamVid at full resolution: the baseline
# of the GPU CamVid benchmark, with mmseg's Fast-SCNN optimiser (SGD, lr 0.12,
# weight decay 4e-5) for both networks of the pair
_base_ = [
    'mmseg::_base_/models/fast_scnn.py',
    '../_base_/datasets/camvid.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_camvid_gpu.py',
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    decode_head=dict(num_classes=11),
    auxiliary_head=[
        dict(head, num_classes=11) for head in _base_.model.auxiliary_head
    ])
optimizer = dict(lr=0.12, weight_decay=4e-5)
optim_wrapper = dict(optimizer=optimizer)
