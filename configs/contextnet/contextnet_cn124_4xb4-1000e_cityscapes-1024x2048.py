# ContextNet cn124: cn14 with a second shallow branch at half resolution,
# fused with the context first (Table 4: 67.3 val mIoU, 0.93M parameters)
_base_ = './contextnet_cn14_4xb4-1000e_cityscapes-1024x2048.py'
model = dict(backbone=dict(half_branch=True))
