# PSPNet pyramid pooling ablation, Table 1 row ResNet50+B1236+AVE+DR (paper:
# 41.68 / 80.04 mIoU / pixAcc on ADE20K val, single scale): mmseg's PSPNet
# R-50-D8 with the pooling of that row
_base_ = 'mmseg::pspnet/pspnet_r50-d8_4xb4-160k_ade20k-512x512.py'
custom_imports = dict(imports=['mmseg_ctx'], allow_failed_imports=False)
runner_type = 'ContextRunner'  # mmseg_ctx.engine.ContextRunner
model = dict(
    decode_head=dict(
        type='PyramidPoolingHead',
        pool_scales=(1, 2, 3, 6),
        pool_type='avg',
        reduction=True))
