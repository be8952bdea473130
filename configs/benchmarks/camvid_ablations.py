# Each paper's own comparison on CamVid (SegNet's 11 classes, train -> val):
# the method against the same network without it, every pair's configs
# differing only in `differs` (checked before anything trains, and by
# tests/test_analysis/test_benchmark/test_suite.py). The benchmark's scale:
# half resolution (180x240), the half-width ResNet-18-D8 from scratch,
# trained with --amp (bf16 on a CPU). The schedule is the budget's: 70
# epochs (3220 iterations of 8 images) keep one seed of these eleven
# configs at about 6 hours on a 2-core CPU with native bf16; 100 epochs,
# the shortest the schedule pilot (camvid_pilot.py) tries, would take
# about 8.5, so the suite is not converged (the pilot says how far). Run with
#   python tools/analysis_tools/benchmark.py \
#       configs/benchmarks/camvid_ablations.py --amp \
#       --work-dir work_dirs/benchmark/camvid_ablations \
#       --out-dir benchmarks/camvid_ablations
# Paths are relative to this file.
fcn = '../fcn/fcn_r18s-d8_1xb8-3220it_camvid-180x240.py'
pspnet = '../pspnet/pspnet_r18s-d8_1xb8-3220it_camvid-180x240.py'
dupsampling = ('../dupsampling/'
               'dupsampling_r18s-d8_1xb8-3220it_camvid-180x240.py')
suite = [
    dict(
        name='MCIBI (FCN)',
        method='../mcibi/mcibi-fcn_r18s-d8_1xb8-3220it_camvid-180x240.py',
        baseline=fcn,
        differs=['custom_hooks', 'model.decode_head'],
        claim='MCIBI Table 5, ADE20K: 36.96 -> 42.84 (+5.88)'),
    dict(
        name='MCIBI (PSPNet)',
        method='../mcibi/mcibi-pspnet_r18s-d8_1xb8-3220it_camvid-180x240.py',
        baseline=pspnet,
        differs=['custom_hooks', 'model.decode_head'],
        claim='MCIBI Table 5, ADE20K: 42.64 -> 43.77 (+1.13)'),
    dict(
        name='PSPNet (dilated FCN)',
        method=pspnet,
        baseline=fcn,
        differs=['model.decode_head'],
        claim='PSPNet Table 1, ADE20K: 37.23 -> 41.68 (+4.45)'),
    dict(
        name='EncNet (without its modules)',
        method='../encnet/encnet-se3_r18s-d8_1xb8-3220it_camvid-180x240.py',
        baseline='../encnet/'
        'encnet-noenc_r18s-d8_1xb8-3220it_camvid-180x240.py',
        differs=['model.decode_head', 'model.auxiliary_head'],
        claim='EncNet Table 1, PASCAL-Context: 41.0 -> 47.6 (+6.6)'),
    dict(
        name='DUpsampling (bilinear, same stride)',
        method=dupsampling,
        baseline='../dupsampling/'
        'dupsampling-bilinear_r18s-d8_1xb8-3220it_camvid-180x240.py',
        differs=[
            'model.decode_head.upsample', 'model.decode_head.basis_file',
            'model.decode_head.adaptive_temperature'
        ],
        # DUpsampling with its temperature, as Table 1's 73.15 (Sec. 4.1.4)
        claim='DUpsampling Table 1, VOC: 72.15 -> 73.15 (+1.00) at OS 16'),
    dict(
        name='DUpsampling (DeepLabV3+)',
        method=dupsampling,
        baseline='../dupsampling/'
        'deeplabv3plus_r18s-d8_1xb8-3220it_camvid-180x240.py',
        differs=[
            'model.backbone.type', 'model.decode_head',
            'model.auxiliary_head.in_index', 'optim_wrapper.paramwise_cfg'
        ],
        claim='DUpsampling Sec. 4.2, VOC: 73.26 -> 74.03 (+0.77)'),
    dict(
        name='ContextNet (Fast-SCNN)',
        method='../contextnet/contextnet_cn14_1xb8-3220it_camvid-180x240.py',
        baseline='../contextnet/fast_scnn_1xb8-3220it_camvid-180x240.py',
        differs=['model', 'data_preprocessor'],
        claim='none; Cityscapes: cn14 65.9 val, Fast-SCNN 68.0 test'),
]
