# The vanilla DeepLabV3+ decoder on Cityscapes at output stride 32 (no
# dilation; ASPP rates halved)
_base_ = './deeplabv3plus_r50-d16_4xb2-80k_cityscapes-512x1024.py'
model = dict(
    backbone=dict(dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2)),
    decode_head=dict(dilations=(1, 3, 6, 9)))
