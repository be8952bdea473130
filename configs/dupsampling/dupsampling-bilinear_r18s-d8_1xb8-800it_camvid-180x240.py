# DUpsampling's own baseline (Table 1) on CamVid: the network of
# dupsampling_r18s-d8_1xb8-800it_camvid-180x240.py, the same fusion at 1/8,
# with K logits upsampled bilinearly from the same output stride 8 in
# place of DUpsampling: no label basis, no temperature, all else identical
_base_ = './dupsampling_r18s-d8_1xb8-800it_camvid-180x240.py'
model = dict(
    decode_head=dict(
        upsample='bilinear', basis_file=None, adaptive_temperature=False))
