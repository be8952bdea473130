# ContextNet cn14-500: cn14 with every channel count x 0.75 (the paper gives
# 490,459 parameters and 62.1 val mIoU, not its channels; ours: within 1%)
_base_ = './contextnet_cn14_4xb4-1000e_cityscapes-1024x2048.py'
model = dict(
    decode_head=dict(in_channels=96, channels=96),
    auxiliary_head=dict(in_channels=96, channels=96),
    backbone=dict(widen_factor=0.75, width_divisor=4))
