# Copyright (c) mmseg_ctx contributors. All rights reserved.
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader, Runner
from mmengine.runner.checkpoint import _load_checkpoint
from mmengine.utils import digit_version

from mmseg_ctx.engine import (TRUST_ENV, add_rng_state_hook,
                              checkpoint_safe_globals, load_from_local,
                              resolve_resume)


def test_mmengine_checkpoint_with_python_objects_loads(tmp_path):
    """What mmengine saves beside the weights; torch>=2.6 refuses it by
    default."""
    buffer = HistoryBuffer()
    buffer.update(0.5)
    checkpoint = dict(
        meta=dict(iter=4, seed=np.int64(3)),
        message_hub=dict(log_scalars={'train/loss': buffer}),
        state_dict={'w': torch.arange(3.)})
    path = str(tmp_path / 'iter_4.pth')
    torch.save(checkpoint, path)
    if digit_version(torch.__version__) >= digit_version('2.6.0'):
        with pytest.raises(Exception, match='Weights only load failed'):
            torch.load(path)  # the default that breaks mmengine 0.10.7

    assert CheckpointLoader._schemes[''] is load_from_local
    loaded = _load_checkpoint(path, map_location='cpu')
    assert loaded['meta'] == dict(iter=4, seed=3)
    assert loaded['message_hub']['log_scalars']['train/loss'].current() == 0.5
    assert torch.equal(loaded['state_dict']['w'], torch.arange(3.))


def test_missing_file_is_named(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_from_local(missing)


def test_import_mmseg_ctx_alone_registers_it():
    """What a config's custom_imports does, in a fresh interpreter."""
    code = ('import mmseg_ctx; from mmengine.runner import CheckpointLoader; '
            "print(CheckpointLoader._schemes[''].__module__)")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ['mmseg_ctx.engine.checkpoint']


class RunsCode:
    """A pickle that runs a shell command when loaded."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


class CallsGetattr:
    """A pickle that reaches a method through getattr (numpy's tofile
    would write any file)."""

    def __reduce__(self):
        return getattr, (np.ndarray, 'tofile')


def test_a_pickle_that_runs_code_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    marker = tmp_path / 'pwned'
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={}, meta=RunsCode(str(marker))), path)
    with pytest.raises(pickle.UnpicklingError,
                       match=r'evil\.pth holds objects that an mmengine '
                       r'checkpoint does not \(posix\.system\).*'
                       f'{TRUST_ENV}=1'):
        _load_checkpoint(path, map_location='cpu')  # mmengine's entry
    assert not marker.exists()

    torch.save(dict(meta=CallsGetattr()), path)
    with pytest.raises(pickle.UnpicklingError, match='tofile'):
        load_from_local(path)

    # the documented opt-in unpickles a trusted file fully
    monkeypatch.setenv(TRUST_ENV, '1')
    torch.save(dict(meta=RunsCode(str(marker))), path)
    load_from_local(path)
    assert marker.exists()


def test_safe_globals_cover_a_real_training_checkpoint(tiny_config,
                                                       tmp_path):
    """Every global in a checkpoint the Runner wrote (message hub, numpy
    scalars, RNGStateHook's states) is one the safe loader allows."""
    cfg = Config.fromfile(tiny_config)
    cfg.work_dir = str(tmp_path / 'work')
    add_rng_state_hook(cfg)
    Runner.from_cfg(cfg).train()
    path = osp.join(cfg.work_dir, 'iter_4.pth')
    found = set(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    allowed = {
        name if isinstance(name, str) else f'{name.__module__}.'
        f'{name.__qualname__}'
        for name in (g[1] if isinstance(g, tuple) else g
                     for g in checkpoint_safe_globals())
    }
    assert {'mmengine.logging.history_buffer.HistoryBuffer',
            'builtins.getattr'} <= found
    assert found <= allowed, found - allowed
    loaded = load_from_local(path)
    assert loaded['meta']['iter'] == 4 and len(loaded['rng_states']) == 1
    assert isinstance(loaded['rng_states'][0]['numpy'][1], np.ndarray)


def resume_cfg(tmp_path, tiny_config, load_from: str) -> Config:
    cfg = Config.fromfile(tiny_config)
    cfg.work_dir = str(tmp_path / 'run')
    cfg.load_from, cfg.resume = load_from, True
    return cfg


def test_resume_with_load_from_prefers_the_work_dir(tiny_config, tmp_path):
    """The Table 2 workflow: ``load_from`` = weights only (as
    init_memory.py writes), then ``--resume`` at every (re)start."""
    weights = str(tmp_path / 'weights.pth')
    torch.save(dict(state_dict={'w': torch.zeros(1)}, meta=dict()), weights)
    cfg = resume_cfg(tmp_path, tiny_config, weights)
    resolve_resume(cfg)  # nothing in the work_dir: start from the weights
    assert (cfg.resume, cfg.load_from) == (False, weights)

    os.makedirs(cfg.work_dir)
    latest = osp.join(cfg.work_dir, 'iter_4.pth')
    with open(osp.join(cfg.work_dir, 'last_checkpoint'), 'w') as f:
        f.write(latest)
    cfg = resume_cfg(tmp_path, tiny_config, weights)
    resolve_resume(cfg)  # a checkpoint in the work_dir wins
    assert (cfg.resume, cfg.load_from) == (True, latest)

    training = str(tmp_path / 'other' / 'iter_2.pth')
    os.makedirs(osp.dirname(training))
    torch.save(dict(state_dict={}, meta=dict(iter=2, epoch=0)), training)
    cfg = resume_cfg(tmp_path, tiny_config, training)
    cfg.work_dir = str(tmp_path / 'fresh')
    resolve_resume(cfg)  # a training checkpoint is resumed, as mmengine
    assert (cfg.resume, cfg.load_from) == (True, training)


def test_a_fresh_process_loads_a_message_hub(tmp_path):
    """HistoryBuffer registers its statistics methods when the first
    buffer is made: a process that loads before making one (tools/test.py,
    init_memory.py) must load them too."""
    buffer = HistoryBuffer()
    buffer.update(1.0)
    path = str(tmp_path / 'hub.pth')
    torch.save(dict(message_hub=dict(log_scalars={'loss': buffer})), path)
    code = ('import sys, mmseg_ctx; from mmseg_ctx.engine import '
            'load_from_local; print(load_from_local(sys.argv[1])'
            "['message_hub']['log_scalars']['loss'].current())")
    out = subprocess.run([sys.executable, '-c', code, path],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ['1.0']


def test_a_checkpoint_cannot_remap_statistics_methods(tmp_path):
    """A buffer's __setstate__ merges the file's methods into the
    class-wide registry; a file mapping 'mean' to max must not change the
    process's buffers."""
    registry = HistoryBuffer._statistics_methods
    HistoryBuffer()  # the built-in methods registered
    original = dict(registry)
    registry['mean'] = HistoryBuffer.max  # what the file will hold
    try:
        path = str(tmp_path / 'poison.pth')
        saved = HistoryBuffer()
        saved.update(0.5)
        torch.save(dict(message_hub=saved), path)
    finally:
        registry.update(original)
    load_from_local(path)
    buffer = HistoryBuffer()
    buffer.update(1.0)
    buffer.update(3.0)
    assert buffer.statistics('mean') == 2.0  # not max's 3.0


def test_an_empty_history_buffer_loads(tmp_path):
    """An empty buffer's arrays pickle their b'' as bytes()."""
    path = str(tmp_path / 'empty.pth')
    torch.save(dict(message_hub=dict(log_scalars={'x': HistoryBuffer()})),
               path)
    loaded = load_from_local(path)['message_hub']['log_scalars']['x']
    assert len(loaded.data[0]) == 0
