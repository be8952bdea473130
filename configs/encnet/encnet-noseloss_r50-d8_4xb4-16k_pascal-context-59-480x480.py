# EncNet paper, Table 1 "Encoding" row (78.1 / 47.6 pixAcc / mIoU on
# PASCAL-Context-59): the dilated FCN R-50 with the Context Encoding Module
# and no SE-loss; otherwise as encnet_r50-d8 beside it
_base_ = './encnet_r50-d8_4xb4-16k_pascal-context-59-480x480.py'
model = dict(decode_head=dict(use_se_loss=False))
