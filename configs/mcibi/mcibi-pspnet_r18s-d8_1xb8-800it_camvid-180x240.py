# PSPNet + MCIBI on CamVid: the benchmark's PSPNet with its PPM inside
# MCIBIHead (context='ppm'), everything else identical
_base_ = '../pspnet/pspnet_r18s-d8_1xb8-800it_camvid-180x240.py'
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='MCIBIHead',
        in_channels=256,
        in_index=3,
        channels=128,
        context='ppm',
        pool_scales=(1, 2, 3, 6),
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
custom_hooks = [dict(type='MCIBIMemoryHook')]
