# ContextNet cn14-160: cn14 with every channel count x 0.4, rounded to
# multiples of 8 (the paper gives 159,387 parameters and 57.7 val mIoU, not
# its channels; ours: within 1%)
_base_ = './contextnet_cn14_4xb4-1000e_cityscapes-1024x2048.py'
model = dict(
    decode_head=dict(in_channels=48, channels=48),
    auxiliary_head=dict(in_channels=48, channels=48),
    backbone=dict(widen_factor=0.4))
