# FCN + MCIBI, R-50-D8, CamVid at full resolution: the GPU benchmark's FCN
# with its decode head swapped for MCIBIHead, everything else identical
_base_ = '../fcn/fcn_r50-d8_4xb4-10k_camvid-360x480.py'
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='MCIBIHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        context='none',
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
custom_hooks = [dict(type='MCIBIMemoryHook')]
