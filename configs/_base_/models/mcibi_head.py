# MCIBI (Jin et al., ICCV 2021) as a change to an mmseg config: the decode
# head becomes MCIBIHead on the last backbone stage and the memory-update
# hook is added. Variables, not `model`, so that this file can stand beside
# an mmseg config in `_base_`; a config adds the stage's channels, the
# context within the image and the classes:
#   model = dict(decode_head=dict(_base_.mcibi_head, _delete_=True,
#       in_channels=2048, channels=512, context='ppm', num_classes=150))
#   custom_hooks = _base_.mcibi_hooks
mcibi_head = dict(
    type='MCIBIHead',
    in_index=3,
    dropout_ratio=0.1,
    norm_cfg=dict(type='SyncBN', requires_grad=True),
    align_corners=False,
    loss_decode=dict(
        type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0))
mcibi_hooks = [dict(type='MCIBIMemoryHook')]
