# EncNet's own baseline (Table 1, "FCN": 41.0 mIoU on PASCAL-Context-59) on
# CamVid: encnet-se3_r18s-d8_1xb8-800it_camvid-180x240.py without its two
# Context Encoding Modules. The head EncNet builds on stays (EncHead's 3x3
# bottleneck conv to 128 channels, dropout, the classifier: an FCNHead with
# one conv); the stage-3 module, which only fed the SE-loss, goes with it
_base_ = './encnet-se3_r18s-d8_1xb8-800it_camvid-180x240.py'
model = dict(
    decode_head=dict(
        _delete_=True,
        type='FCNHead',
        in_channels=256,
        in_index=3,
        channels=128,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=None)
