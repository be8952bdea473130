# PSPNet's pyramid pooling ablation head (Table 1, row B1236+AVE+DR, the
# paper's PSPNet) on the ContextShapes demo PSPNet: the same network with
# our PyramidPoolingHead in place of mmseg's PSPHead, for CPU runs of the
# ablation (the other rows: pool_scales=(1, ), pool_type='max',
# reduction=False, as in the ADE20K configs of this folder)
_base_ = './pspnet_r18s-d8_1xb8-300it_context-shapes-128x128.py'
model = dict(
    decode_head=dict(
        type='PyramidPoolingHead',
        pool_scales=(1, 2, 3, 6),
        pool_type='avg',
        reduction=True))
