# Copyright (c) mmseg_ctx contributors. All rights reserved.
import argparse
import os
import os.path as osp
import pickle
import re
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


class CallsStatistics:
    """A pickle that calls one of the statistics methods the loader lets
    it fetch."""

    def __reduce__(self):
        return getattr(HistoryBuffer, 'mean'), (HistoryBuffer(), )


class AllocatesBytes:
    """A pickle that makes bytes(n) of a size it chooses."""

    def __reduce__(self):
        return bytes, (2**20, )


def test_bytes_may_copy_data_but_not_allocate(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    path = str(tmp_path / 'alloc.pth')
    torch.save(dict(meta=AllocatesBytes()), path)
    with pytest.raises(pickle.UnpicklingError,
                       match=r'bytes\(1048576\): only bytes of data'):
        load_from_local(path)


def test_refusals_name_what_was_refused(tmp_path, monkeypatch):
    """A call of an allowed method, and a raw protocol-5 pickle: each
    refusal names what it refused and never gives torch's advice to
    unpickle fully."""
    monkeypatch.delenv(TRUST_ENV, raising=False)
    monkeypatch.delenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', raising=False)
    calls = str(tmp_path / 'calls.pth')
    torch.save(dict(meta=CallsStatistics()), calls)
    raw = str(tmp_path / 'raw.pth')
    with open(raw, 'wb') as f:
        pickle.dump(dict(meta=pickle.PickleBuffer(b'abc')), f, protocol=5)
    for path, refused in ((calls, r'a call of HistoryBuffer\.mean'),
                          (raw, r'the pickle opcode 149 \(FRAME')):
        with pytest.raises(pickle.UnpicklingError) as error:
            load_from_local(path)
        message = str(error.value)
        assert re.search(f'holds objects .*\\({refused}', message), message
        assert 'weights_only' not in message


def test_torch_own_opt_out_is_honoured(tmp_path, monkeypatch):
    """``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` unpickles fully as torch
    documents, although the loader passes ``weights_only``."""
    monkeypatch.delenv(TRUST_ENV, raising=False)
    path = str(tmp_path / 'namespace.pth')
    torch.save(dict(meta=argparse.Namespace(lr=0.1)), path)
    monkeypatch.delenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', raising=False)
    with pytest.raises(pickle.UnpicklingError, match='Namespace'):
        load_from_local(path)
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', 'true')
    assert load_from_local(path)['meta'].lr == 0.1


def test_an_unreadable_checkpoint_is_named_with_the_others(tmp_path):
    """A truncated checkpoint at the end of a work dir: named with its path,
    and the others are listed for --resume; so is a file of other
    bytes."""
    work = tmp_path / 'work'
    work.mkdir()
    torch.save(dict(state_dict={'w': torch.zeros(100)}), work / 'iter_2.pth')
    whole = (work / 'iter_2.pth').read_bytes()
    (work / 'iter_4.pth').write_bytes(whole[:len(whole) // 2])
    (work / 'junk.pth').write_bytes(b'not a checkpoint')
    (work / 'last_checkpoint').write_text(str(work / 'iter_4.pth'))
    for name, reason in (('iter_4.pth', 'PytorchStreamReader failed'),
                         ('junk.pth', 'neither the zip archive')):
        with pytest.raises(RuntimeError) as error:
            load_from_local(str(work / name))
        message = str(error.value)
        assert f'the checkpoint {work / name} cannot be read' in message
        assert reason in message
        assert f'Other checkpoints in {work}, newest first:' in message
        assert 'iter_2.pth' in message.split('newest first:')[1]
        assert f"to --resume from one, write its path into {work}/" \
            'last_checkpoint' in message
    # elsewhere (not a work dir), no --resume advice
    (work / 'last_checkpoint').unlink()
    with pytest.raises(RuntimeError) as error:
        load_from_local(str(work / 'junk.pth'))
    assert 'Other checkpoints' not in str(error.value)


def test_resume_from_a_truncated_checkpoint_names_it(tiny_config, tmp_path):
    """``--resume`` whose latest checkpoint is truncated stops at it,
    listing the one it could start from instead (it picks none)."""
    cfg = Config.fromfile(tiny_config)
    cfg.work_dir = str(tmp_path / 'run')
    Runner.from_cfg(cfg).train()
    latest = osp.join(cfg.work_dir, 'iter_4.pth')
    whole = open(latest, 'rb').read()
    torch.save(dict(state_dict={}), osp.join(cfg.work_dir, 'iter_2.pth'))
    with open(latest, 'wb') as f:
        f.write(whole[:len(whole) // 3])
    cfg.resume = True
    with pytest.raises(RuntimeError,
                       match=f'the checkpoint {latest} cannot be read .*'
                       r'newest first: iter_2\.pth'):
        Runner.from_cfg(cfg).train()


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

    url = 'https://download.openmmlab.com/x/weights.pth'
    cfg = resume_cfg(tmp_path, tiny_config, url)
    cfg.work_dir = str(tmp_path / 'fresh')
    resolve_resume(cfg)  # weights to start from, not fetched to look
    assert (cfg.resume, cfg.load_from) == (False, url)


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
