# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Load mmengine 0.10 checkpoints under torch >= 2.6 without unpickling
arbitrary objects, and pick the checkpoint that ``--resume`` means.

torch 2.6 made ``torch.load`` default to ``weights_only=True``, which
refuses the few Python objects mmengine stores beside the weights (the
message hub's ``HistoryBuffer``, numpy arrays, scalars and dtypes), so
``load_from``, ``--resume`` and ``tools/test.py`` fail with an
``UnpicklingError``. :func:`load_from_local` reads them still with
``weights_only=True``, with exactly those types allowed
(:func:`checkpoint_safe_globals`). A file holding anything else is refused
with what was refused named, since unpickling it could run code; for a file
you trust, ``MMSEG_CTX_TRUST_CHECKPOINTS=1`` (or torch's own
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``) in the environment unpickles fully,
as every torch before 2.6 did. A file torch cannot read is named, with the
checkpoints beside it.

``import mmseg_ctx`` makes it mmengine's loader of local paths, and of
downloaded checkpoints (:mod:`.checkpoint_schemes`), so that configs with
``custom_imports`` resume and test under the stock tools too.
"""
import glob
import logging
import os
import os.path as osp
import pickle
import pickletools
import re
from typing import Any, Callable, List, Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner import find_latest_checkpoint

#: set to 1 to unpickle checkpoints fully (trusted files only)
TRUST_ENV = 'MMSEG_CTX_TRUST_CHECKPOINTS'
#: torch's own variable for the same, honoured too
TORCH_TRUST_ENV = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'


#: the statistics methods HistoryBuffer registers itself
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def history_buffer_method(owner: Any, name: str) -> Callable:
    """What ``builtins.getattr`` may do in a checkpoint: fetch one of
    ``HistoryBuffer``'s own statistics methods (a buffer pickles its
    ``_statistics_methods`` as ``getattr(HistoryBuffer, 'mean')``, ...);
    any other ``getattr`` could reach a method that writes files or runs
    code, and is refused. The names are fixed, not read from the class's
    registry, which a loading buffer's ``__setstate__`` updates."""
    if owner is HistoryBuffer and name in HISTORY_BUFFER_STATISTICS:
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'getattr({getattr(owner, "__name__", owner)!s}, {name!r}): only '
        "HistoryBuffer's statistics methods may be fetched")


def bytes_of_data(*args: Any) -> bytes:
    """What ``builtins.bytes`` may do in a checkpoint: copy data (an empty
    array's ``bytes()``); ``bytes(n)`` would allocate n zero bytes at the
    file's word, and is refused."""
    if args and isinstance(args[0], int):
        raise pickle.UnpicklingError(
            f'bytes({args[0]}): only bytes of data may be built, not a size')
    return bytes(*args)


def checkpoint_safe_globals() -> List[Union[type, tuple]]:
    """The non-tensor objects of an mmengine 0.10 checkpoint (with
    :class:`RNGStateHook`'s numpy generator state): ``HistoryBuffer`` and
    its statistics methods (:func:`history_buffer_method` in place of
    ``getattr``), numpy arrays (rebuilt by ``_reconstruct``), numpy scalars
    (rebuilt by ``scalar``; an empty one's data as ``bytes()``) and dtypes,
    under the module names numpy 1 and 2 pickle them with. None of them
    calls anything but constructors; HistoryBuffer's ``__setstate__``
    also merges the file's statistics methods into the class's registry,
    which :func:`load_from_local` puts back after each load."""
    multiarray = np._core.multiarray if hasattr(
        np, '_core') else np.core.multiarray
    allowed: List[Union[type, tuple]] = [
        HistoryBuffer, np.ndarray, np.dtype,
        (history_buffer_method, 'builtins.getattr'),
        (bytes_of_data, 'builtins.bytes'),  # b'' of an empty array
    ]
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        allowed += [(multiarray._reconstruct, f'{module}._reconstruct'),
                    (multiarray.scalar, f'{module}.scalar')]
    allowed += [
        value for value in vars(np.dtypes).values()
        if isinstance(value, type) and issubclass(value, np.dtype)
    ]
    return allowed


def refused_globals(error: Exception) -> str:
    """What torch's weights-only unpickler refused, from its message: the
    globals, the ``getattr`` or the call it met, the pickle opcode it does
    not run, else its own reason (never its advice to unpickle fully)."""
    text = str(error)
    found = re.findall(r'GLOBAL ([\w.]+)', text)
    found += re.findall(r'getattr\(\w+, \'\w+\'\)', text)
    found += [
        f'a call of {name}' for name in re.findall(
            r'call reduce for unrecognized function <\w+ ([\w.]+)', text)
    ]
    for code in re.findall(r'Unsupported operand (\d+)', text):
        opcode = next((op for op in pickletools.opcodes
                       if op.code == chr(int(code))), None)
        found.append(f'the pickle opcode {code}' + (
            f' ({opcode.name}) of pickle protocol {opcode.proto}; '
            'torch.save writes protocol 2' if opcode else ''))
    if not found:
        reason = re.search(r'WeightsUnpickler error:\s*(.+)', text)
        found = [re.sub(r' at 0x[0-9a-f]+', '', reason.group(1).strip())
                 if reason else 'what the weights-only unpickler refuses']
    return ', '.join(dict.fromkeys(found))


def trusts_checkpoints() -> bool:
    """Whether the environment asks to unpickle checkpoints fully:
    ``MMSEG_CTX_TRUST_CHECKPOINTS=1``, or torch's own opt-out
    ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` (1, y, yes or true, as torch reads
    it; torch would ignore it here, where ``weights_only`` is passed)."""
    return os.environ.get(TRUST_ENV) == '1' or os.environ.get(
        TORCH_TRUST_ENV, '0').lower() in ('1', 'y', 'yes', 'true')


def other_checkpoints(filename: str) -> str:
    """In a work dir (a folder with ``last_checkpoint``), the other
    ``.pth`` files beside ``filename``, newest first, and how ``--resume``
    starts from one, as a message's end; empty elsewhere."""
    folder = osp.dirname(osp.abspath(filename))
    if not osp.isfile(osp.join(folder, 'last_checkpoint')):
        return ''
    others = sorted(
        (p for p in glob.glob(osp.join(folder, '*.pth'))
         if not osp.samefile(p, filename)),
        key=osp.getmtime, reverse=True)
    if not others:
        return ''
    names = ', '.join(osp.basename(p) for p in others)
    return (f'. Other checkpoints in {folder}, newest first: {names}; to '
            '--resume from one, write its path into '
            f'{osp.join(folder, "last_checkpoint")} (e.g. echo {others[0]} '
            f'> {osp.join(folder, "last_checkpoint")})')


def is_torch_file(filename: str) -> bool:
    """Whether the file starts as ``torch.save`` writes one: a zip archive
    (torch >= 1.6), or a pickle (its PROTO opcode) in the legacy format."""
    with open(filename, 'rb') as f:
        head = f.read(4)
    return head.startswith((b'PK', b'\x80'))


def load_from_local(filename: str,
                    map_location: Optional[Union[str, torch.device]] = None
                    ) -> dict:
    """mmengine's ``load_from_local`` with the types of
    :func:`checkpoint_safe_globals` allowed and nothing else, unless
    :func:`trusts_checkpoints`. A file torch cannot read (truncated, not
    written by ``torch.save``) is named, with the checkpoints beside it."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if trusts_checkpoints():
        print_log(f'{filename}: unpickled fully ({TRUST_ENV} or '
                  f'{TORCH_TRUST_ENV} is set)', logger='current',
                  level=logging.WARNING)
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    if not is_torch_file(filename):
        raise RuntimeError(
            f'the checkpoint {filename} cannot be read: it is neither the '
            'zip archive nor the pickle that torch.save writes'
            f'{other_checkpoints(filename)}')
    # a buffer's __setstate__ merges the file's statistics methods into the
    # class-wide registry: put the process's own back afterwards
    registry = HistoryBuffer._statistics_methods
    before = dict(registry)
    try:
        with torch.serialization.safe_globals(checkpoint_safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(
            f'{filename} holds objects that an mmengine checkpoint does not '
            f'({refused_globals(error)}); it is not loaded, since '
            'unpickling them can run arbitrary code. If you trust the file, '
            f'load it with {TRUST_ENV}=1 in the environment.') from None
    except (RuntimeError, EOFError) as error:
        if 'PytorchStreamReader' not in str(error) and not isinstance(
                error, EOFError):
            raise  # e.g. a CUDA tensor without CUDA: torch's words do
        reason = str(error).split('. ')[0] or type(error).__name__
        raise RuntimeError(
            f'the checkpoint {filename} cannot be read ({reason}): it is '
            'truncated or not a file torch.save wrote'
            f'{other_checkpoints(filename)}') from None
    finally:
        registry.clear()
        registry.update({
            name: getattr(HistoryBuffer, name)
            for name in HISTORY_BUFFER_STATISTICS
        }, **before)


def resolve_resume(cfg: Config) -> None:
    """Make ``cfg.resume`` with ``cfg.load_from`` mean what
    docs/guarantees.md says: go on from the work_dir's latest checkpoint,
    else start from ``load_from``.

    mmengine resumes from ``load_from`` whenever both are set, which fails
    (``KeyError: 'epoch'``) when ``load_from`` holds weights only, e.g. an
    MCIBI memory from ``tools/analysis_tools/init_memory.py``, and would
    restart from it every time a run is resumed. Here, if the work_dir has a
    checkpoint (``last_checkpoint``), ``load_from`` becomes it; if not, and
    ``load_from`` is a URL or model-zoo name (weights to start from), or a
    local file without a training state (``meta`` with ``iter``), training
    starts from its weights (``resume`` off). A local training checkpoint
    named by ``load_from`` is resumed as mmengine does.
    """
    if not cfg.get('resume') or not cfg.get('load_from'):
        return
    latest = find_latest_checkpoint(cfg.work_dir) if osp.isfile(
        osp.join(cfg.work_dir, 'last_checkpoint')) else None
    if latest is not None:
        print_log(
            f'resume: from {latest}, the latest checkpoint of the work_dir '
            f'(load_from={cfg.load_from} initialised this run before)',
            logger='current')
        cfg.load_from = latest
    elif not osp.isfile(cfg.load_from) or 'iter' not in (
            load_from_local(cfg.load_from, 'cpu').get('meta') or {}):
        print_log(
            f'resume: {cfg.work_dir} has no checkpoint yet, so training '
            f'starts from the weights of load_from={cfg.load_from}',
            logger='current')
        cfg.resume = False
