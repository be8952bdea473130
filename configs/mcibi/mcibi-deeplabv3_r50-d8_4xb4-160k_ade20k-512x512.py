# DeepLabV3 + MCIBI, R-50-D8, ade20k
# mmseg's DeepLabV3 baseline with its decode head swapped for
# MCIBIHead and the memory-update hook added
_base_ = 'mmseg::deeplabv3/deeplabv3_r50-d8_4xb4-160k_ade20k-512x512.py'
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='MCIBIHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        context='aspp',
        dilations=(1, 12, 24, 36),
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
custom_hooks = [dict(type='MCIBIMemoryHook')]
