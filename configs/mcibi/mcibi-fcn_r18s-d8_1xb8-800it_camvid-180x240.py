# FCN + MCIBI on CamVid: the benchmark's FCN with its decode head swapped
# for MCIBIHead, everything else identical
_base_ = [
    '../fcn/fcn_r18s-d8_1xb8-800it_camvid-180x240.py',
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
        context='none',
        num_classes=11))
custom_hooks = _base_.mcibi_hooks
