# The CamVid benchmark: every method of mmseg_ctx against its mmseg
# baseline, each pair identical but for the method (backbone, crop, batch,
# schedule, optimiser, augmentation and evaluation shared), sized for a
# 2-core CPU: half resolution (180x240), the demos' half-width ResNet-18-D8
# from scratch, 800 iterations of 8 images. Run with
#   python tools/analysis_tools/benchmark.py configs/benchmarks/camvid.py
# camvid_r50.py holds the same pairs at full resolution on R-50-D8 for GPUs.
# Paths are relative to this file.
suite = [
    dict(
        name='MCIBI (FCN)',
        method='../mcibi/mcibi-fcn_r18s-d8_1xb8-800it_camvid-180x240.py',
        baseline='../fcn/fcn_r18s-d8_1xb8-800it_camvid-180x240.py',
        differs=['custom_hooks', 'model.decode_head']),
    dict(
        name='MCIBI (PSPNet)',
        method='../mcibi/mcibi-pspnet_r18s-d8_1xb8-800it_camvid-180x240.py',
        baseline='../pspnet/pspnet_r18s-d8_1xb8-800it_camvid-180x240.py',
        differs=['custom_hooks', 'model.decode_head']),
    dict(
        name='DUpsampling',
        method='../dupsampling/'
        'dupsampling_r18s-d8_1xb8-800it_camvid-180x240.py',
        baseline='../dupsampling/'
        'deeplabv3plus_r18s-d8_1xb8-800it_camvid-180x240.py',
        differs=[
            'model.backbone.type', 'model.decode_head',
            'model.auxiliary_head.in_index', 'optim_wrapper.paramwise_cfg'
        ]),
    dict(
        name='EncNet',
        method='../encnet/encnet-se3_r18s-d8_1xb8-800it_camvid-180x240.py',
        baseline='../fcn/fcn_r18s-d8_1xb8-800it_camvid-180x240.py',
        differs=['model.auxiliary_head', 'model.decode_head']),
    dict(
        name='ContextNet',
        method='../contextnet/contextnet_cn14_1xb8-800it_camvid-180x240.py',
        baseline='../contextnet/fast_scnn_1xb8-800it_camvid-180x240.py',
        differs=['model', 'data_preprocessor']),
]
