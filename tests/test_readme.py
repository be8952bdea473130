# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The README's config examples (its ```python blocks from "Config
inheritance" on; code that is not a config is fenced ```py) are configs
that build (and the first one trains)."""
import os.path as osp
import re

from helpers import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import MODELS

import mmseg_ctx  # noqa: F401


def readme_examples() -> list:
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    section = text[text.index('**Config inheritance.**'):]
    return [
        code.replace('path/to/mmseg_ctx', ROOT)
        for code in re.findall(r'```python\n(.*?)```', section, re.S)
    ]


def test_every_example_builds(tmp_path):
    examples = readme_examples()
    assert len(examples) >= 2
    for i, code in enumerate(examples):
        path = tmp_path / f'example{i}.py'
        path.write_text(code)
        cfg = Config.fromfile(str(path))
        init_default_scope('mmseg')
        model = MODELS.build(cfg.model)
        if cfg.model.decode_head.type == 'MCIBIHead':
            assert dict(type='MCIBIMemoryHook') in cfg.custom_hooks
            assert model.decode_head.image_context is not None


def test_inheritance_example_trains(tiny_data, tmp_path):
    path = tmp_path / 'readme_example.py'
    path.write_text(readme_examples()[0])
    cfg = Config.fromfile(str(path))
    assert cfg.model.backbone.depth == 50  # mmseg's baseline, unchanged
    # no downloads here: train one iteration from scratch, on the tiny set
    cfg.model.pretrained = None
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.train_dataloader.update(batch_size=2, num_workers=0,
                                persistent_workers=False)
    cfg.train_dataloader.dataset.data_root = tiny_data
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert loss > 0
