# DUpsampling on ContextShapes for CPU demos: the demo DeepLabV3+ with the
# paper's decoder, fusing the stem (conv1_3) and layer3 features at 1/8 and
# restoring the logits with a fixed PCA basis (r = 8, C~ = 64) of the
# training labels. `make demo` computes the basis if it is missing:
#   python tools/analysis_tools/label_basis.py THIS_CONFIG --ratio 8 \
#       --channels 64 --out bases/context-shapes_r8_c64.pth
_base_ = [
    './deeplabv3plus_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    '../_base_/models/dupsampling_r50.py'
]
model = dict(
    backbone=_base_.dupsampling_backbone,
    decode_head=dict(
        _base_.dupsampling_head,
        c1_in_channels=(32, 128),  # the demo ResNet-18 at half width
        ratio=8,
        basis_file='bases/context-shapes_r8_c64.pth'),
    auxiliary_head=dict(in_index=3))
optim_wrapper = dict(paramwise_cfg=_base_.dupsampling_paramwise_cfg)
