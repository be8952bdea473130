# DeepLabV3 + MCIBI, R-50-D8, lip-473x473
# mmseg has no LIP configs: FCN + MCIBI on LIP with ASPP as the context
# within the image (mmseg's FCN and DeepLabV3 R-50-D8 bases differ only in
# the decode head, which MCIBIHead replaces)
_base_ = './mcibi-fcn_r50-d8_4xb8-150e_lip-473x473.py'
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(decode_head=dict(context='aspp', dilations=(1, 12, 24, 36)))
