# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The docs: their config examples (the ```python blocks of docs/usage.md's
"Config inheritance" and every ```python block of a method's
``configs/<method>/README.md``; code that is not a config is fenced ```py)
are configs that build (and usage.md's first one trains); the top README is
a front door under 200 lines whose commands are usage.md's, which the tests
run; every relative link of the READMEs, docs/ and the changelog reaches its
file and heading."""
import glob
import os
import os.path as osp
import re

import pytest
from doc_commands import USAGE, bash_lines, command_words, doc_text
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
    """The ```python blocks of docs/usage.md's "Config inheritance"."""
    text = doc_text(USAGE)
    start = text.index('\n## Config inheritance')
    end = text.find('\n## ', start + 1)
    return python_blocks(text[start:end if end >= 0 else len(text)])


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


# --- the README as a front door, and the links of the docs ---

#: what the README may run that docs/usage.md does not give: make targets
#: and installing
INSTALL = (('make', ), ('pip', 'install'), ('mim', 'install'),
           ('git', 'clone'), ('cd', ))


def readme_text() -> str:
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        return f.read()


def test_readme_is_under_200_lines():
    assert len(readme_text().splitlines()) < 200


def checked_commands(text: str) -> list:
    """The command lines of ``text``'s ```bash blocks but make and
    installing."""
    return [
        line for line in bash_lines(text) if command_words(line) and not any(
            command_words(line)[:len(prefix)] == list(prefix)
            for prefix in INSTALL)
    ]


def test_readme_and_docs_commands_are_usage_commands():
    """Every command line of the README and of docs/ (but make and
    installing) is one of docs/usage.md's, word for word, so that the tests
    that run usage.md's commands run theirs."""
    usage = {tuple(command_words(line)) for line in bash_lines(
        doc_text(USAGE))} - {()}
    readme = checked_commands(readme_text())
    assert len(readme) >= 8, readme  # a two-minute path and six usages
    docs = []
    for path in glob.glob(osp.join(ROOT, 'docs', '*.md')):
        with open(path, encoding='utf-8') as f:
            docs += checked_commands(f.read())
    for line in readme + docs:
        assert tuple(command_words(line)) in usage, line


def test_doc_commands_name_files_that_exist():
    """The scripts and configs the README's and usage.md's commands name."""
    for text in (readme_text(), doc_text(USAGE)):
        for line in bash_lines(text):
            for word in command_words(line):
                if re.match(r'(tools|configs|demo)/.+\.(py|sh)$', word):
                    assert osp.isfile(osp.join(ROOT, word)), (word, line)


def linked_docs() -> list:
    paths = [osp.join(ROOT, name) for name in ('README.md', 'CHANGELOG.md')]
    paths += sorted(glob.glob(osp.join(ROOT, 'docs', '*.md')))
    paths += sorted(glob.glob(osp.join(ROOT, 'benchmarks', '**', 'README.md'),
                              recursive=True))
    return paths


def prose(text: str) -> str:
    """``text`` without fenced code blocks and inline code."""
    text = re.sub(r'^```.*?^```', '', text, flags=re.S | re.M)
    return re.sub(r'`[^`\n]*`', '', text)


def anchors(path: str) -> set:
    """GitHub's anchors of the headings of a markdown file."""
    with open(path, encoding='utf-8') as f:
        text = re.sub(r'^```.*?^```', '', f.read(), flags=re.S | re.M)
    return {
        re.sub(r'[^\w\- ]', '', heading.strip().lower()).replace(' ', '-')
        for heading in re.findall(r'^#+ (.+)$', text, re.M)
    }


def test_relative_links_reach_their_files():
    assert osp.join(ROOT, 'docs', 'usage.md') in linked_docs()
    broken = []
    for path in linked_docs():
        with open(path, encoding='utf-8') as f:
            text = prose(f.read())
        for target in re.findall(r'\[[^\]]*\]\(([^)\s]+)\)', text):
            if re.match(r'[a-z]+:', target):
                continue  # http(s), mailto
            file, _, anchor = target.partition('#')
            full = osp.normpath(osp.join(osp.dirname(path), file)) \
                if file else path
            where = f'{osp.relpath(path, ROOT)}: {target}'
            if not os.path.exists(full):
                broken.append(where)
            elif anchor and full.endswith('.md') and \
                    anchor not in anchors(full):
                broken.append(where + ' (no such heading)')
    assert not broken, broken
