# FCN + MCIBI, R-50-D8, CamVid at full resolution: the GPU benchmark's FCN
# with its decode head swapped for MCIBIHead, everything else identical
_base_ = [
    '../fcn/fcn_r50-d8_4xb4-10k_camvid-360x480.py',
    '../_base_/models/mcibi_head.py'
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(
    decode_head=dict(
        _base_.mcibi_head,
        _delete_=True,
        in_channels=2048,
        channels=512,
        context='none',
        num_classes=11))
custom_hooks = _base_.mcibi_hooks
