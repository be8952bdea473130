# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The OpenMMLab model-zoo metadata (``configs/<method>/metafile.yaml``,
``model-index.yml``) that ``mim search mmseg_ctx`` reads, made from the
configs themselves and the CamVid benchmark's measured results."""
import glob
import json
import os.path as osp
import statistics
from collections import defaultdict
from typing import Dict

import yaml
from mmengine.config import Config

from .paths import ROOT

#: the CamVid benchmark's results
RESULTS = osp.join(ROOT, 'benchmarks', 'camvid', 'results.json')

#: folder -> (collection, paper title, paper URL)
COLLECTIONS = {
    'mcibi': ('MCIBI', 'Mining Contextual Information Beyond Image for '
              'Semantic Segmentation', 'https://arxiv.org/abs/2108.11819'),
    'encnet': ('EncNet', 'Context Encoding for Semantic Segmentation',
               'https://arxiv.org/abs/1803.08904'),
    'pspnet': ('PSPNet', 'Pyramid Scene Parsing Network',
               'https://arxiv.org/abs/1612.01105'),
    'contextnet': ('ContextNet', 'ContextNet: Exploring Context and Detail '
                   'for Semantic Segmentation in Real-time',
                   'https://arxiv.org/abs/1805.04554'),
    'dupsampling': ('DUpsampling', 'Decoders Matter for Semantic '
                    'Segmentation: Data-Dependent Decoding Enables Flexible '
                    'Feature Aggregation', 'https://arxiv.org/abs/1903.02120'),
    'fcn': ('FCN', 'Fully Convolutional Networks for Semantic Segmentation',
            'https://arxiv.org/abs/1411.4038'),
}
#: the dataset part of a config name -> the data set's name
DATASETS = {
    'ade20k': 'ADE20K', 'cityscapes': 'Cityscapes', 'camvid': 'CamVid',
    'context-shapes': 'ContextShapes', 'coco-stuff164k': 'COCO-Stuff 164k',
    'lip': 'LIP', 'pascal-context-59': 'Pascal Context 59',
    'voc12aug': 'Pascal VOC 2012 + Aug'
}


def measured() -> Dict[str, dict]:
    """config path -> mean val metrics over the seeds of the CamVid
    benchmark."""
    runs = defaultdict(list)
    with open(RESULTS, encoding='utf-8') as f:
        for run in json.load(f)['runs']:
            runs[run['config']].append(run['val'])
    return {
        config: dict({
            key: round(statistics.mean(v[key] for v in vals), 2)
            for key in ('mIoU', 'mAcc', 'aAcc')
        }, seeds=len(vals))
        for config, vals in runs.items()
    }


def model_entry(path: str, collection: str, results: Dict[str, dict]) -> dict:
    """A config's model: its data, batch, architecture and, where it was
    trained here, its results."""
    rel = osp.relpath(path, ROOT)
    name = osp.splitext(osp.basename(path))[0]
    # {method}_{backbone}_{setting}_{data}; mmseg's fast_scnn_{setting}_
    # {data} has an underscore in the method and no backbone part
    *rest, setting, data = name.split('_')
    backbone = [] if name.startswith('fast_scnn_') else rest[-1:]
    gpus, batch = setting.split('-')[0].split('xb')
    dataset = next(v for k, v in DATASETS.items() if data.startswith(k))
    model = Config.fromfile(path).model
    auxiliary = model.get('auxiliary_head') or []
    auxiliary = auxiliary if isinstance(auxiliary, list) else [auxiliary]
    heads = list(dict.fromkeys(
        [model.decode_head.type] + [head.type for head in auxiliary]))
    entry = dict(
        Name=name,
        **{'In Collection': collection},
        Config=rel,
        Metadata=dict(**{
            'Training Data': dataset,
            'Batch Size': int(gpus) * int(batch),
            'Architecture': [*backbone, model.backbone.type, *heads],
            'Training Resources': f'{gpus}x GPUs' if int(gpus) > 1 else
            '1 process (CPU)'
        }))
    if rel in results:
        metrics = dict(results[rel])
        seeds = metrics.pop('seeds')
        entry['Results'] = dict(Task='Semantic Segmentation', Dataset=dataset,
                                Metrics=metrics)
        entry['Metadata']['Seeds'] = seeds
    return entry


def metafile(folder: str, results: Dict[str, dict]) -> dict:
    """A method folder's ``metafile.yaml``: its collection and a model for
    each config."""
    collection, title, url = COLLECTIONS[folder]
    paths = sorted(glob.glob(osp.join(ROOT, 'configs', folder, '*.py')))
    return dict(
        Collections=[
            dict(Name=collection, License='Apache License 2.0',
                 Paper=dict(Title=title, URL=url),
                 README=f'configs/{folder}/README.md',
                 Frameworks=['PyTorch'])
        ],
        Models=[model_entry(p, collection, results) for p in paths])


def dump(obj: dict) -> str:
    """YAML as the metafiles are written: in order, unicode as it is."""
    return yaml.safe_dump(obj, sort_keys=False, allow_unicode=True)


def expected_files() -> Dict[str, str]:
    """Every metafile and ``model-index.yml`` (relative path -> text) as
    the configs and the measured results make them."""
    results = measured()
    files = {
        osp.join('configs', folder, 'metafile.yaml'):
        dump(metafile(folder, results))
        for folder in COLLECTIONS
    }
    files['model-index.yml'] = dump(
        dict(Import=[osp.join('configs', f, 'metafile.yaml')
                     for f in COLLECTIONS]))
    return files
