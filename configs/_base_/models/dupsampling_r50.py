# The DUpsampling decoder (Tian et al., CVPR 2019) as a change to mmseg's
# DeepLabV3+ R-50 configs: the backbone also outputs its stem (conv1_3), the
# head fuses it with layer3 (b3u6c3) at the lowest resolution and restores
# the logits with a fixed PCA basis of C~ = 64 codes. Variables, not `model`,
# so that this file can stand beside a DeepLabV3+ config in `_base_`; a
# config adds the ratio r (its output stride) and the basis file.
dupsampling_backbone = dict(type='ResNetV1cWithStem')  # stem, layer1-4
dupsampling_head = dict(
    type='DUpsamplingHead',
    in_index=4,
    c1_in_index=(0, 3),
    c1_in_channels=(64, 1024),
    basis_channels=64)
# T is learnt in log space: no weight decay on it
dupsampling_paramwise_cfg = dict(
    custom_keys=dict(log_temperature=dict(decay_mult=0.)))
