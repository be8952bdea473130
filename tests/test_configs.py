# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Every config of ours loads, imports mmseg_ctx and builds its model."""
import glob
import json
import math
import os.path as osp

import pytest
import torch
from helpers import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True)
    if not {'_base_', 'benchmarks'} & set(p.split(osp.sep)))
# data sets on which our configs follow a common recipe, not the paper's
OWN_RECIPE = ('context-shapes', 'camvid')


def test_configs_found():
    assert len(CONFIGS) >= 2


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, ROOT) for p in CONFIGS])
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports == dict(
        imports=['mmseg_ctx'], allow_failed_imports=False)
    # the run's set-up, for mmseg's tools/train.py too
    assert cfg.runner_type == 'ContextRunner'
    name = osp.splitext(osp.basename(path))[0]
    # {method}_{backbone}_{gpus}xb{batch}-{schedule}_{dataset}-{crop}
    method, backbone, setting, data = name.split('_')
    assert 'xb' in setting and '-' in setting and '-' in data, name
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if cfg.model.decode_head.get('type') == 'MCIBIHead':
        # the memory is only updated by the hook
        assert dict(type='MCIBIMemoryHook') in cfg.custom_hooks
        # the framework in the name is the context within the image
        context = {'fcn': 'none', 'pspnet': 'ppm', 'deeplabv3': 'aspp',
                   'ocrnet': 'ocr'}[method.split('-')[1]]
        assert cfg.model.decode_head.context == context
    if cfg.model.decode_head.get('type') == 'DUpsamplingHead':
        head, backbone = cfg.model.decode_head, cfg.model.backbone
        # the basis ratio is the output stride: stem, max pool, stages
        assert head.ratio == 4 * math.prod(backbone.strides)
        assert backbone.type == 'ResNetV1cWithStem'
        assert head.c1_in_index == (0, 3)  # conv1_3 + b3u6c3 (Table 2)
        if head.get('upsample') == 'bilinear':  # Table 1's baseline
            assert method.endswith('-bilinear') and head.basis_file is None
        else:
            assert osp.basename(head.basis_file).endswith(
                f'_r{head.ratio}_c{head.basis_channels}.pth')
        head.basis_file = None  # computed by the basis tool, not here
    if cfg.model.decode_head.get('type') == 'PyramidPoolingHead':
        # pspnet-{b1|b1236}-{avg|max}[-dr]: the Table 1 row in the name
        _, bins, pool, *dr = method.split('-')
        head = cfg.model.decode_head
        assert tuple(head.pool_scales) == {'b1': (1, ),
                                           'b1236': (1, 2, 3, 6)}[bins]
        assert head.pool_type == pool and head.reduction == (dr == ['dr'])
    if cfg.model.decode_head.get('type') == 'ContextEncodingHead':
        # the paper's attention; stage-3 SE module in -se3, no SE-loss in
        # -noseloss (Table 1's "Encoding" row)
        assert cfg.model.decode_head.attention == 'paper'
        aux = cfg.model.auxiliary_head.type
        assert aux == ('EncSEHead' if method == 'encnet-se3' else 'FCNHead')
        assert cfg.model.decode_head.use_se_loss == (
            method != 'encnet-noseloss')
    if osp.basename(osp.dirname(path)) == 'encnet':
        if method in ('fcn', 'encnet-noenc'):  # Table 1's baseline:
            # EncNet's conv, no module
            assert cfg.model.decode_head.type == 'FCNHead'
            assert cfg.model.decode_head.num_convs == 1
            assert not cfg.model.decode_head.concat_input
        if not data.startswith(OWN_RECIPE):  # the paper's recipe
            optimizer = cfg.optim_wrapper.optimizer
            assert optimizer.lr == (0.01 if 'ade20k' in data else 0.001)
            assert optimizer.weight_decay == 1e-4
            epochs, images = (120, 20210) if 'ade20k' in data else (
                50, {'voc12aug': 10582, 'pascal': 4998}[data.split('-')[0]])
            # the last, partial batch of each epoch is dropped (Sec. 4.1)
            assert cfg.train_cfg.max_iters == epochs * (images // 16)
    model = MODELS.build(cfg.model)
    if cfg.model.decode_head.get('type') == 'DUpsamplingHead':
        # channel counts and indices only meet at the first forward
        bilinear = head.get('upsample') == 'bilinear'
        if not bilinear:
            torch.nn.init.orthogonal_(model.decode_head.dupsample.basis)
        model.eval()
        with torch.no_grad():
            feats = model.extract_feat(torch.randn(1, 3, 64, 96))
            logits = model.decode_head(feats)
            aux = model.auxiliary_head(feats)  # on layer3 (b3u6c3)
        # bilinear: the logits at the output stride, mmseg resizes them
        size = (64 // head.ratio, 96 // head.ratio) if bilinear else (64, 96)
        assert logits.shape == (1, head.num_classes, *size)
        assert aux.shape[:2] == (1, head.num_classes)
    auxiliary = cfg.model.get('auxiliary_head') or {}
    if isinstance(auxiliary, dict) and auxiliary.get('type') == 'EncSEHead':
        model.eval()
        with torch.no_grad():
            feats = model.extract_feat(torch.randn(1, 3, 64, 64))
            presence = model.auxiliary_head(feats)
        assert presence.shape == (1, model.decode_head.num_classes)
    dataset = cfg.train_dataloader.dataset
    if dataset.type == 'ConcatDataset':  # e.g. VOC aug
        dataset = dataset.datasets[0]
    dataset = DATASETS.get(dataset.type)
    assert model.decode_head.num_classes == len(dataset.METAINFO['classes'])


ENCNET_PAPER = [
    p for p in CONFIGS
    if osp.basename(osp.dirname(p)) == 'encnet'
    and not osp.basename(p).split('_')[-1].startswith(OWN_RECIPE)
]


@pytest.mark.parametrize(
    'path', ENCNET_PAPER, ids=[osp.basename(p) for p in ENCNET_PAPER])
def test_encnet_paper_augmentation(path):
    """Flip, scale 0.5-2, then a rotation within +-10 degrees before the crop
    (Sec. 4.1), in every training data set of the config; the transforms
    run on a synthetic image and the rotation pads the labels with ignore."""
    import numpy as np
    from mmseg.registry import TRANSFORMS
    cfg = Config.fromfile(path)
    dataset = cfg.train_dataloader.dataset
    datasets = dataset.datasets if dataset.type == 'ConcatDataset' else [
        dataset
    ]
    init_default_scope('mmseg')
    for dataset in datasets:
        steps = [t['type'] for t in dataset.pipeline]
        rotate = steps.index('RandomRotate')
        assert steps[rotate - 1] == 'RandomResize'
        assert steps[rotate + 1] == 'RandomCrop'
        assert dataset.pipeline[rotate - 1].ratio_range == (0.5, 2.0)
        assert dataset.pipeline[rotate].prob == 1.0
        assert dataset.pipeline[rotate].degree == 10
        assert 'RandomFlip' in steps
        np.random.seed(0)
        results = dict(
            img=np.random.randint(0, 255, (300, 400, 3), np.uint8),
            gt_seg_map=np.zeros((300, 400), np.uint8),
            seg_fields=['gt_seg_map'], img_shape=(300, 400),
            ori_shape=(300, 400), reduce_zero_label=False)
        rotated = TRANSFORMS.build(dataset.pipeline[rotate])(
            dict(results, img=results['img'].copy(),
                 gt_seg_map=results['gt_seg_map'].copy()))
        assert (rotated['gt_seg_map'] == 255).any()  # corners: ignore
        for step in dataset.pipeline[rotate - 1:-1]:
            results = TRANSFORMS.build(step)(results)
        assert results['img'].shape[:2] == tuple(cfg.crop_size)


BENCHMARK_SUITES = [
    osp.join(ROOT, 'configs', 'benchmarks', name)
    for name in ('camvid.py', 'camvid_r50.py')
]
# everything of a config but its model: the pairs must share all of it
RECIPE_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader',
               'val_evaluator', 'test_evaluator', 'param_scheduler',
               'train_cfg', 'val_cfg', 'test_cfg', 'default_hooks',
               'randomness', 'env_cfg', 'log_processor', 'crop_size',
               'default_scope', 'load_from', 'resume')


@pytest.mark.parametrize(
    'path', BENCHMARK_SUITES, ids=[osp.basename(p) for p in BENCHMARK_SUITES])
def test_benchmark_pairs_differ_only_in_the_method(path):
    suite = Config.fromfile(path).suite
    assert [p['name'] for p in suite] == [
        'MCIBI (FCN)', 'MCIBI (PSPNet)', 'DUpsampling', 'EncNet', 'ContextNet'
    ]
    folder = osp.dirname(path)
    for pair in suite:
        method, baseline = (
            Config.fromfile(osp.join(folder, pair[key])).to_dict()
            for key in ('method', 'baseline'))
        for key in RECIPE_KEYS:
            assert method.get(key) == baseline.get(key), (pair['name'], key)
        for wrapper in (method['optim_wrapper'], baseline['optim_wrapper']):
            wrapper.pop('paramwise_cfg', None)  # DUpsampling: no decay on T
        assert method['optim_wrapper'] == baseline['optim_wrapper']
        for key in ('data_preprocessor', 'test_cfg', 'train_cfg', 'type',
                    'pretrained'):
            assert method['model'].get(key) == baseline['model'].get(key)
        if pair['name'] == 'ContextNet':  # the network is the method
            assert (method['model']['backbone']['type'],
                    baseline['model']['backbone']['type']) == ('ContextNet',
                                                               'FastSCNN')
            continue
        # the same backbone (DUpsampling's also outputs its stem)
        method['model']['backbone'].pop('type')
        assert baseline['model']['backbone'].pop('type') == 'ResNetV1c'
        assert method['model']['backbone'] == baseline['model']['backbone']
        if pair['name'].startswith('MCIBI'):  # + the memory's hook only
            assert method['model']['auxiliary_head'] == \
                baseline['model']['auxiliary_head']
            assert method['custom_hooks'] == baseline.get(
                'custom_hooks', []) + [dict(type='MCIBIMemoryHook')]
        if pair['name'] == 'DUpsampling':  # the same layer3 (one more
            # output before it: the stem)
            aux = dict(method['model']['auxiliary_head'])
            assert aux.pop('in_index') == 3
            expected = dict(baseline['model']['auxiliary_head'])
            assert expected.pop('in_index') == 2 and aux == expected
        assert method['model']['decode_head']['type'] == {
            'MCIBI (FCN)': 'MCIBIHead',
            'MCIBI (PSPNet)': 'MCIBIHead',
            'DUpsampling': 'DUpsamplingHead',
            'EncNet': 'ContextEncodingHead'
        }[pair['name']]


def test_benchmark_suites_cpu_and_gpu():
    """camvid.py: half resolution, the demos' ResNet-18 from scratch, 800
    iterations of 8; camvid_r50.py: the same pairs at full resolution on
    ImageNet R-50-D8, 4 x 4 images."""
    cpu, gpu = (Config.fromfile(p).suite for p in BENCHMARK_SUITES)
    assert [p['name'] for p in cpu] == [p['name'] for p in gpu]
    folder = osp.dirname(BENCHMARK_SUITES[0])
    for suite, crop, batch, iters in ((cpu, (180, 240), 8, 800),
                                      (gpu, (360, 480), 4, 10000)):
        for pair in suite:
            for key in ('method', 'baseline'):
                cfg = Config.fromfile(osp.join(folder, pair[key]))
                assert tuple(cfg.crop_size) == crop
                assert cfg.train_dataloader.batch_size == batch
                assert cfg.train_cfg.max_iters == iters
                assert cfg.test_dataloader.dataset.data_prefix.img_path == \
                    'img_dir/test'
                backbone = cfg.model.backbone
                if backbone.type.startswith('ResNetV1c'):
                    assert backbone.depth == (18 if suite is cpu else 50)
                    assert cfg.model.pretrained == (
                        None if suite is cpu else 'open-mmlab://resnet50_v1c')


def test_the_ablation_suite_is_the_short_one_at_70_epochs():
    """camvid_ablations.py trains the 800-iteration configs for 3220
    iterations (70 epochs of 8 of the 367 images), the poly decay to the
    new end, validation and a checkpoint every 322: nothing else moves."""
    suite_file = osp.join(ROOT, 'configs', 'benchmarks', 'camvid_ablations.py')
    folder = osp.dirname(suite_file)
    schedule = ('max_iters', 'train_cfg', 'param_scheduler', 'default_hooks')
    for pair in Config.fromfile(suite_file).suite:
        for key in ('method', 'baseline'):
            path = osp.join(folder, pair[key])
            assert '_1xb8-3220it_' in path
            configs = [
                Config.fromfile(p).to_dict()
                for p in (path, path.replace('3220it', '800it'))
            ]
            long, short = configs
            assert long['train_cfg'] == dict(
                short['train_cfg'], max_iters=3220, val_interval=322)
            assert long['param_scheduler'] == [
                short['param_scheduler'][0],
                dict(short['param_scheduler'][1], end=3220)
            ]
            long['default_hooks']['checkpoint']['interval'] = 200
            assert long['default_hooks'] == short['default_hooks']
            for cfg in configs:
                for name in schedule:
                    cfg.pop(name)
            assert long == short


def test_encnet_without_its_modules():
    """EncNet's Table 1 baseline keeps the layers of EncNet's head but
    the Context Encoding Module (its 3x3 bottleneck and classifier, as an
    FCNHead) and drops the stage-3 module with its SE-loss."""
    folder = osp.join(ROOT, 'configs', 'encnet')
    models = {}
    for name in ('encnet-se3', 'encnet-noenc'):
        cfg = Config.fromfile(
            osp.join(folder, f'{name}_r18s-d8_1xb8-800it_camvid-180x240.py'))
        init_default_scope('mmseg')
        cfg.model.backbone.norm_cfg = cfg.model.decode_head.norm_cfg = \
            dict(type='BN', requires_grad=True)
        if cfg.model.auxiliary_head:
            cfg.model.auxiliary_head.norm_cfg = cfg.model.backbone.norm_cfg
        models[name] = MODELS.build(cfg.model)
    encnet, baseline = models['encnet-se3'], models['encnet-noenc']
    assert baseline.with_auxiliary_head is False
    assert encnet.with_auxiliary_head  # the stage-3 module
    ours = {k: v.shape for k, v in baseline.decode_head.state_dict().items()}
    theirs = {
        k.replace('bottleneck.', 'convs.0.'): v.shape
        for k, v in encnet.decode_head.state_dict().items()
        if k.startswith(('bottleneck.', 'conv_seg.'))
    }
    assert ours == theirs
    assert baseline.decode_head.in_index == encnet.decode_head.in_index[-1]
    assert (baseline.decode_head.dropout.p, baseline.decode_head.kernel_size,
            baseline.decode_head.concat_input) == (0.1, 3, False)


MCIBI_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'mcibi', '*.py')))
#: the model, hooks and imports every MCIBI config resolved to when each
#: wrote its head in full, before the head moved to
#: configs/_base_/models/mcibi_head.py
MCIBI_RESOLVED = osp.join(ROOT, 'tests', 'fixtures', 'mcibi_configs.json')


@pytest.mark.parametrize(
    'path', MCIBI_CONFIGS, ids=[osp.basename(p) for p in MCIBI_CONFIGS])
def test_mcibi_config_resolves_as_before_the_shared_head(path):
    with open(MCIBI_RESOLVED, encoding='utf-8') as f:
        before = json.load(f)[osp.relpath(path, ROOT)]
    cfg = Config.fromfile(path)
    now = dict(model=cfg.model.to_dict(), custom_hooks=cfg.custom_hooks,
               custom_imports=cfg.custom_imports)
    assert json.loads(json.dumps(now)) == before
    assert "type='MCIBIHead'" not in open(path, encoding='utf-8').read()


def test_every_mcibi_config_is_in_the_record():
    with open(MCIBI_RESOLVED, encoding='utf-8') as f:
        recorded = set(json.load(f))
    assert recorded == {osp.relpath(p, ROOT) for p in MCIBI_CONFIGS}
