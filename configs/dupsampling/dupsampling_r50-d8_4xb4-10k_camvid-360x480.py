# DUpsampling, R-50-D8, CamVid at full resolution: the GPU benchmark's
# DeepLabV3+ (output stride 8) with the paper's decoder (conv1_3 + b3u6c3 at
# 1/8, a fixed PCA basis r = 8, C~ = 64 of the training labels), everything
# else identical. The benchmark computes the basis if it is missing; by hand:
#   python tools/analysis_tools/label_basis.py THIS_CONFIG --ratio 8 \
#       --channels 64 --out bases/camvid-360x480_r8_c64.pth
_base_ = [
    './deeplabv3plus_r50-d8_4xb4-10k_camvid-360x480.py',
    '../_base_/models/dupsampling_r50.py'
]
model = dict(
    backbone=_base_.dupsampling_backbone,
    decode_head=dict(
        _base_.dupsampling_head,
        ratio=8,
        basis_file='bases/camvid-360x480_r8_c64.pth'),
    auxiliary_head=dict(in_index=3))
optim_wrapper = dict(paramwise_cfg=_base_.dupsampling_paramwise_cfg)
