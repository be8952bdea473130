# EncNet, R-50-D8, CamVid at full resolution, as the paper builds it: the
# Context Encoding Module (paper attention, SE-loss) on the last stage and
# the second one on stage 3 in place of the FCN auxiliary head; the GPU
# benchmark's FCN recipe (no rotation, as the FCN has none)
_base_ = [
    'mmseg::_base_/models/encnet_r50-d8.py',
    '../_base_/datasets/camvid.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_camvid_gpu.py',
    '../_base_/models/encnet_paper.py',
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    decode_head=dict(_base_.encnet_paper_head, num_classes=11),
    auxiliary_head=dict(
        _base_.encnet_stage3_head, _delete_=True, num_classes=11))
