# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The README's config-inheritance example is a config that trains."""
import os.path as osp
import re

from helpers import ROOT
from mmengine.config import Config
from mmengine.runner import Runner


def readme_inheritance_example() -> str:
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    section = text[text.index('**Config inheritance.**'):]
    return re.search(r'```python\n(.*?)```', section, re.S).group(1)


def test_inheritance_example_trains(tiny_data, tmp_path):
    path = tmp_path / 'readme_example.py'
    path.write_text(
        readme_inheritance_example().replace('path/to/mmseg_ctx', ROOT))
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
