# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The READMEs' config examples (the top README's ```python blocks from
"Config inheritance" on and every ```python block of a method's
``configs/<method>/README.md``; code that is not a config is fenced ```py)
are configs that build (and the top README's first one trains)."""
import glob
import os.path as osp
import re

import pytest
from helpers import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import MODELS

import mmseg_ctx  # noqa: F401

METHOD_READMES = sorted(
    glob.glob(osp.join(ROOT, 'configs', '*', 'README.md')))


def python_blocks(text: str) -> list:
    return [
        code.replace('path/to/mmseg_ctx', ROOT)
        for code in re.findall(r'```python\n(.*?)```', text, re.S)
    ]


def readme_examples() -> list:
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    return python_blocks(text[text.index('**Config inheritance.**'):])


def method_readme_examples() -> list:
    """(README path relative to the root, code) of every ```python block of
    the method READMEs."""
    examples = []
    for path in METHOD_READMES:
        with open(path, encoding='utf-8') as f:
            examples += [(osp.relpath(path, ROOT), code)
                         for code in python_blocks(f.read())]
    return examples


def build_example(code: str, path) -> None:
    path.write_text(code)
    cfg = Config.fromfile(str(path))
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    if cfg.model.decode_head.type == 'MCIBIHead':
        assert dict(type='MCIBIMemoryHook') in cfg.custom_hooks
        assert model.decode_head.image_context is not None


def test_every_example_builds(tmp_path):
    examples = readme_examples()
    assert len(examples) >= 2
    for i, code in enumerate(examples):
        build_example(code, tmp_path / f'example{i}.py')


def test_the_method_readmes_have_their_examples():
    assert {osp.basename(osp.dirname(p)) for p in METHOD_READMES} >= {
        'mcibi', 'encnet', 'pspnet', 'contextnet', 'dupsampling'}
    # EncNet's has the paper's EncNet on an mmseg baseline
    assert 'configs/encnet/README.md' in {
        readme for readme, _ in method_readme_examples()}


@pytest.mark.parametrize(
    'readme,code', method_readme_examples(),
    ids=[readme for readme, _ in method_readme_examples()])
def test_every_method_readme_example_builds(readme, code, tmp_path):
    build_example(code, tmp_path / 'example.py')


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
