# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""A wheel of the working tree carries mim's files (setup.py's copy mode):
installed from it, apart from this repository, ``mim search`` and ``mim
train mmseg_ctx`` work from the wheel's ``mmseg_ctx/.mim``."""
import filecmp
import glob
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import pytest
from config_writers import write_tiny_config
from helpers import ROOT, tool_env
from model_makers import assert_checkpoint_loads

#: what a source tree holds that a wheel is not built from
NOT_SOURCES = ('.git', '.venv', 'data', 'work_dirs', 'bases', 'build',
               'dist', '.mim', '*.egg-info', '__pycache__', '.pytest_cache',
               '*.pth')


def run(cmd, cwd, **env) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env or None,
                          capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{cmd}\n{output[-4000:]}'
    return output


@pytest.fixture(scope='module')
def installed(tmp_path_factory) -> str:
    """The folder a wheel of the working tree was installed into (built
    from a copy, so that the repository's own .mim links stay)."""
    root = tmp_path_factory.mktemp('wheel')
    source = str(root / 'source')
    shutil.copytree(ROOT, source,
                    ignore=shutil.ignore_patterns(*NOT_SOURCES))
    pip = [sys.executable, '-m', 'pip', '-q']
    run([*pip, 'wheel', '--no-deps', '--no-build-isolation',
         '--no-use-pep517', '-w', str(root / 'dist'), source], source)
    wheels = glob.glob(str(root / 'dist' / 'mmseg_ctx-*.whl'))
    assert len(wheels) == 1, wheels
    target = str(root / 'site')
    run([*pip, 'install', '--no-deps', '--target', target, wheels[0]],
        str(root))
    return target


def mim_env(target: str) -> dict:
    """This Python's tools, the installed wheel first on sys.path (before
    the repository's development install)."""
    env = tool_env()
    env['PYTHONPATH'] = os.pathsep.join((target, osp.join(ROOT, 'tests')))
    env['PATH'] = os.pathsep.join((osp.dirname(sys.executable), env['PATH']))
    return env


def test_wheel_holds_copies_of_mims_files(installed):
    mim = osp.join(installed, 'mmseg_ctx', '.mim')
    for name in ('model-index.yml', 'configs', 'tools', 'demo'):
        path = osp.join(mim, name)
        assert osp.exists(path) and not osp.islink(path), path
    for sub in ('configs', 'tools', 'demo'):
        for original in glob.glob(osp.join(ROOT, sub, '**', '*'),
                                  recursive=True):
            if (osp.isdir(original) or '__pycache__' in original
                    or original.endswith('.pyc')):
                continue
            copy = osp.join(mim, osp.relpath(original, ROOT))
            assert osp.isfile(copy), copy
            assert filecmp.cmp(original, copy, shallow=False), copy


def test_mim_search_and_train_from_the_wheel(installed, tmp_path,
                                             tiny_data):
    env = mim_env(installed)
    imported = run([sys.executable, '-c', 'import mmseg_ctx; '
                    'print(mmseg_ctx.__file__)'], str(tmp_path), **env)
    assert imported.strip().startswith(installed), imported
    out = run(['mim', 'search', 'mmseg_ctx', '--model', 'mcibi', '--field',
               'config'], str(tmp_path), **env)
    listed = set(re.findall(r'^config id: ([\w.-]+)$', out, re.MULTILINE))
    assert listed == {
        osp.splitext(osp.basename(p))[0]
        for p in glob.glob(osp.join(ROOT, 'configs', 'mcibi', '*.py'))
    }
    config = write_tiny_config(str(tmp_path / 'tiny.py'), tiny_data)
    out = run(['mim', 'train', 'mmseg_ctx', config, '--gpus', '0',
               '--work-dir', str(tmp_path / 'work')], str(tmp_path), **env)
    # the wheel's tools and package, not the repository's
    assert osp.join(installed, 'mmseg_ctx', '.mim', 'tools',
                    'train.py') in out
    assert 'rank 0 of 1 finished training' in out
    assert_checkpoint_loads(config, str(tmp_path / 'work' / 'iter_4.pth'))
