# DUpsampling (Tian et al., CVPR 2019) on Cityscapes at output stride 16: the
# DeepLabV3+ baseline of the same stride with the paper's decoder, fusing the
# stem (conv1_3) and layer3 (b3u6c3) features at 1/16 and restoring the logits
# with a fixed PCA basis of the training labels (r = 16, C~ = 64).
# Compute the basis first:
#   python tools/analysis_tools/dupsample_basis.py THIS_CONFIG --ratio 16 \
#       --channels 64 --out bases/cityscapes_r16_c64.pth
_base_ = './deeplabv3plus_r50-d16_4xb2-80k_cityscapes-512x1024.py'
model = dict(
    backbone=dict(type='ResNetV1cWithStem'),  # outputs: stem, layer1-4
    decode_head=dict(
        type='DUpsamplingHead',
        in_index=4,
        c1_in_index=(0, 3),
        c1_in_channels=(64, 1024),
        ratio=16,
        basis_channels=64,
        basis_file='bases/cityscapes_r16_c64.pth'),
    auxiliary_head=dict(in_index=3))
# T is learnt in log space: no weight decay on it
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys=dict(log_temperature=dict(decay_mult=0.))))
