# EncNet as the paper builds it (Zhang et al., CVPR 2018), in pieces for the
# configs on mmseg's EncNet R-50/R-101-D8 bases. Variables, not `model`, so
# that this file can stand beside such a base in `_base_`; a config adds
# num_classes (and other channels off ResNet-50/101).

# the Context Encoding Module with the paper's attention (Y = X * gamma) and
# SE-loss (weight 0.2) on the last stage
encnet_paper_head = dict(
    type='ContextEncodingHead',
    attention='paper',
    loss_se_decode=dict(
        _delete_=True, type='SemanticEncodingLoss', loss_weight=0.2))
# the second module, on stage 3 (1024 channels), SE-loss only, nothing at
# inference: in place of the FCN auxiliary head
encnet_stage3_head = dict(
    type='EncSEHead',
    in_channels=1024,
    in_index=2,
    channels=512,
    num_codes=32,
    norm_cfg=dict(type='SyncBN', requires_grad=True),
    loss_decode=dict(type='SemanticEncodingLoss', loss_weight=0.2))
# the paper's augmentation: flip, scale 0.5-2, then this rotation by up to 10
# degrees before the crop
encnet_paper_rotation = dict(type='RandomRotate', prob=1.0, degree=10)
