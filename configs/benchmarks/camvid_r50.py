# The CamVid benchmark on GPUs: the pairs of camvid.py at full resolution
# (360x480), R-50-D8 with ImageNet weights (Fast-SCNN and ContextNet from
# scratch), 4 GPUs x 4 images, 10k iterations; each pair identical but for
# the method. Run with
#   python tools/analysis_tools/benchmark.py configs/benchmarks/camvid_r50.py \
#       --gpus 4
# (each run on 4 GPUs, as tools/dist_train.sh CONFIG 4). Paths are relative
# to this file.
suite = [
    dict(
        name='MCIBI (FCN)',
        method='../mcibi/mcibi-fcn_r50-d8_4xb4-10k_camvid-360x480.py',
        baseline='../fcn/fcn_r50-d8_4xb4-10k_camvid-360x480.py',
        differs=['custom_hooks', 'model.decode_head']),
    dict(
        name='MCIBI (PSPNet)',
        method='../mcibi/mcibi-pspnet_r50-d8_4xb4-10k_camvid-360x480.py',
        baseline='../pspnet/pspnet_r50-d8_4xb4-10k_camvid-360x480.py',
        differs=['custom_hooks', 'model.decode_head']),
    dict(
        name='DUpsampling',
        method='../dupsampling/dupsampling_r50-d8_4xb4-10k_camvid-360x480.py',
        baseline='../dupsampling/'
        'deeplabv3plus_r50-d8_4xb4-10k_camvid-360x480.py',
        differs=[
            'model.backbone.type', 'model.decode_head',
            'model.auxiliary_head.in_index', 'optim_wrapper.paramwise_cfg'
        ]),
    dict(
        name='EncNet',
        method='../encnet/encnet-se3_r50-d8_4xb4-10k_camvid-360x480.py',
        baseline='../fcn/fcn_r50-d8_4xb4-10k_camvid-360x480.py',
        differs=['model.auxiliary_head', 'model.decode_head']),
    dict(
        name='ContextNet',
        method='../contextnet/contextnet_cn14_4xb4-10k_camvid-360x480.py',
        baseline='../contextnet/fast_scnn_4xb4-10k_camvid-360x480.py',
        differs=['model', 'data_preprocessor']),
]
