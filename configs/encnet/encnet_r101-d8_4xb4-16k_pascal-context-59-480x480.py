# The R-50 config below with ResNet-101 (ImageNet weights)
_base_ = './encnet_r50-d8_4xb4-16k_pascal-context-59-480x480.py'
model = dict(
    pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101))
