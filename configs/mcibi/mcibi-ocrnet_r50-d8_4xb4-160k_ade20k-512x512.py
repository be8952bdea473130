# OCRNet + MCIBI, R-50-D8, ade20k
# mmseg has no OCRNet R-50-D8 config for ade20k: its R-50-D8 model and
# data bases, with an FCN auxiliary head as in mmseg's other R-50-D8 models
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    'mmseg::_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_160k.py',
]
crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='MCIBIHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        context='ocr',
        ocr_channels=256,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    data_preprocessor=data_preprocessor,
    auxiliary_head=dict(num_classes=150))
custom_hooks = [dict(type='MCIBIMemoryHook')]
