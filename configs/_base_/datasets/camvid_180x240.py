# CamVid at half resolution (180x240, height x width) for CPU benchmarks:
# the same pipelines as camvid.py on images resized by 0.5 (training crops
# of the whole half-size frame, after random resizing by 0.5-2); metrics
# are still taken on the original 360x480 labels; 8 images a batch, two
# loader workers (the 1xb8 configs on a 2-core machine)
_base_ = './camvid.py'
img_scale = (240, 180)  # (width, height)
crop_size = (180, 240)  # (height, width)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=8, num_workers=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=2, dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(num_workers=2, dataset=dict(pipeline=test_pipeline))
