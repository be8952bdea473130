# ContextNet cn12: cn14 with the context branch on the input at 1/2
# (Table 4: 68.7 val mIoU)
_base_ = './contextnet_cn14_4xb4-1000e_cityscapes-1024x2048.py'
model = dict(backbone=dict(context_scale=2))
