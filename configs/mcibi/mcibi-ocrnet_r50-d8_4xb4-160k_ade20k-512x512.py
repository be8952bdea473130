# OCRNet + MCIBI, R-50-D8, ade20k-512x512
# mmseg has no OCRNet R-50-D8 baseline: FCN + MCIBI with OCR as the context
# within the image (its soft object regions are MCIBI's coarse prediction)
_base_ = './mcibi-fcn_r50-d8_4xb4-160k_ade20k-512x512.py'
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(decode_head=dict(context='ocr', ocr_channels=256))
