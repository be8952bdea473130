# EncNet on CamVid as the paper builds it: the Context Encoding Module
# (paper attention, SE-loss) on the last stage and the second one on stage 3
# (SE-loss only, in place of the FCN auxiliary head), on the benchmark's
# half-width ResNet-18-D8; compared with the benchmark's FCN, everything
# else identical (the paper's rotation is left out, as the FCN has none)
_base_ = [
    'mmseg::_base_/models/encnet_r50-d8.py',
    '../_base_/datasets/camvid_180x240.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_camvid_cpu.py',
    '../_base_/models/encnet_paper.py',
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    pretrained=None,
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    decode_head=dict(
        _base_.encnet_paper_head,
        in_channels=[64, 128, 256],
        channels=128,
        num_classes=11),
    auxiliary_head=dict(
        _base_.encnet_stage3_head,
        _delete_=True,
        in_channels=128,
        channels=64,
        num_classes=11,
        norm_cfg=norm_cfg))
