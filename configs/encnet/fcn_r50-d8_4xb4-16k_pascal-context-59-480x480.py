# The EncNet paper's baseline (Table 1, "FCN": 73.4 / 41.0 pixAcc / mIoU on
# PASCAL-Context-59): the dilated FCN R-50 with the head EncNet builds on (a
# 3x3 conv to 512 channels, dropout, the classifier), trained with the same
# recipe and auxiliary head as the EncNet configs beside it
_base_ = './encnet_r50-d8_4xb4-16k_pascal-context-59-480x480.py'
model = dict(
    decode_head=dict(
        _delete_=True,
        type='FCNHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=59,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
