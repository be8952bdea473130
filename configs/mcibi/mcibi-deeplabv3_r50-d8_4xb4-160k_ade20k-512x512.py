# DeepLabV3 + MCIBI, R-50-D8, ade20k
# mmseg's DeepLabV3 baseline with its decode head swapped for
# MCIBIHead and the memory-update hook added
_base_ = [
    'mmseg::deeplabv3/deeplabv3_r50-d8_4xb4-160k_ade20k-512x512.py',
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
        context='aspp',
        dilations=(1, 12, 24, 36),
        num_classes=150))
custom_hooks = _base_.mcibi_hooks
