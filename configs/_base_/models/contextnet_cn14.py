# ContextNet cn14 (Poudel et al., BMVC 2018): our ContextNet backbone, the
# paper's classifier (dropout, then a 1x1 conv: mmseg's FCNHead without
# convs) on the fused features and an auxiliary classifier on the context
# branch (CE, weight 0.4); from scratch
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(type='ContextNet', context_scale=4, norm_cfg=norm_cfg),
    decode_head=dict(
        type='FCNHead',
        in_channels=128,
        in_index=2,  # fused
        channels=128,
        num_convs=0,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=128,
        in_index=1,  # context branch
        channels=128,
        num_convs=0,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
