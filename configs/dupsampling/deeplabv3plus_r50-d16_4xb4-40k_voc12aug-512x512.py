# The vanilla DeepLabV3+ decoder (mmseg's DepthwiseSeparableASPPHead) on PASCAL
# VOC 2012 aug at output stride 16, the DUpsampling paper's baseline: mmseg's
# DeepLabV3+ R-50-D8 with the last stage dilated instead of the last two
_base_ = 'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb4-40k_voc12aug-512x512.py'
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(
    backbone=dict(dilations=(1, 1, 1, 2), strides=(1, 2, 2, 1)),
    decode_head=dict(dilations=(1, 6, 12, 18)))
