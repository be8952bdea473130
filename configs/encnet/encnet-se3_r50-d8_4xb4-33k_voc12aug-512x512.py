# EncNet R-50-D8 on PASCAL VOC 2012 aug as the paper builds it: the second
# Context Encoding Module on stage 3 (EncSEHead, SE-loss only, nothing at
# inference) in place of the FCN auxiliary head
_base_ = './encnet_r50-d8_4xb4-33k_voc12aug-512x512.py'
model = dict(
    auxiliary_head=dict(
        _base_.encnet_stage3_head, _delete_=True, num_classes=21))
