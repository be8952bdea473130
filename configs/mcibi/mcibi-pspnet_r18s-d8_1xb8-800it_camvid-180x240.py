# PSPNet + MCIBI on CamVid: the benchmark's PSPNet with its PPM inside
# MCIBIHead (context='ppm'), everything else identical
_base_ = [
    '../pspnet/pspnet_r18s-d8_1xb8-800it_camvid-180x240.py',
    '../_base_/models/mcibi_head.py'
]
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(
    decode_head=dict(
        _base_.mcibi_head,
        _delete_=True,
        in_channels=256,
        channels=128,
        context='ppm',
        pool_scales=(1, 2, 3, 6),
        num_classes=11))
custom_hooks = _base_.mcibi_hooks
