# DUpsampling on CamVid: the benchmark's DeepLabV3+ (output stride 8) with
# the paper's decoder, fusing the stem (conv1_3) and layer3 at 1/8 and
# restoring the logits with a fixed PCA basis (r = 8, C~ = 64) of CamVid's
# training labels, everything else identical. The benchmark computes the
# basis if it is missing; by hand:
#   python tools/analysis_tools/label_basis.py THIS_CONFIG --ratio 8 \
#       --channels 64 --out bases/camvid-180x240_r8_c64.pth
_base_ = [
    './deeplabv3plus_r18s-d8_1xb8-800it_camvid-180x240.py',
    '../_base_/models/dupsampling_r50.py'
]
model = dict(
    backbone=_base_.dupsampling_backbone,
    decode_head=dict(
        _base_.dupsampling_head,
        c1_in_channels=(32, 128),  # the half-width ResNet-18
        ratio=8,
        basis_file='bases/camvid-180x240_r8_c64.pth'),
    auxiliary_head=dict(in_index=3))
optim_wrapper = dict(paramwise_cfg=_base_.dupsampling_paramwise_cfg)
