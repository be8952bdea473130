# ContextNet cn14 on ContextShapes for CPU demos: the paper's network and
# RMSprop settings from scratch, with the demos' 300-iteration schedule
# (warm-up, then poly)
_base_ = [
    '../_base_/models/contextnet_cn14.py',
    '../_base_/datasets/context_shapes.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_300it.py',
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
crop_size = (128, 128)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=9),
    auxiliary_head=dict(num_classes=9))
optimizer = dict(
    _delete_=True, type='RMSprop', lr=0.045, alpha=0.9, momentum=0.9,
    eps=1.0, weight_decay=4e-5)
optim_wrapper = dict(
    optimizer=optimizer,
    paramwise_cfg=dict(
        dwconv_decay_mult=0., norm_decay_mult=0., bias_decay_mult=0.))
