# DUpsampling (Tian et al., CVPR 2019) on Cityscapes at output stride 32: the
# DeepLabV3+ baseline of the same stride with the paper's decoder, fusing the
# stem (conv1_3) and layer3 (b3u6c3) features at 1/32 and restoring the logits
# with a fixed PCA basis of the training labels (r = 32, C~ = 64).
# Compute the basis first:
#   python tools/analysis_tools/label_basis.py THIS_CONFIG --ratio 32 \
#       --channels 64 --out bases/cityscapes_r32_c64.pth
_base_ = [
    './deeplabv3plus_r50-d32_4xb2-80k_cityscapes-512x1024.py',
    '../_base_/models/dupsampling_r50.py'
]
model = dict(
    backbone=_base_.dupsampling_backbone,
    decode_head=dict(
        _base_.dupsampling_head,
        ratio=32,
        basis_file='bases/cityscapes_r32_c64.pth'),
    auxiliary_head=dict(in_index=3))
optim_wrapper = dict(paramwise_cfg=_base_.dupsampling_paramwise_cfg)
