# Copyright (c) mmseg_ctx contributors. All rights reserved.
import logging
import random
from typing import Any, Dict, Iterator, List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from mmseg.registry import HOOKS

from .eval_determinism_hook import EvalDeterminismHook

#: the checkpoint key of the generators' states, one entry per rank
CHECKPOINT_KEY = 'rng_states'


def get_rng_state() -> Dict[str, Any]:
    """This process's random number generators: python's ``random``,
    numpy's global generator, torch's CPU generator and, where CUDA is
    present, every CUDA device's."""
    state = dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Dict[str, Any]) -> None:
    """Restore what :func:`get_rng_state` returned, also from a checkpoint
    that mmengine's resume loaded onto the GPU (torch takes the states as
    CPU byte tensors only)."""
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'].cpu())
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state['cuda']])


class _RestoreBeforeFetch:
    """A train loop's data iterator that sets the generators to ``state``
    just before the fetch after the first ``skip`` ones, then hands the loop
    its own iterator back."""

    def __init__(self, loop: IterBasedTrainLoop, skip: int,
                 state: Dict[str, Any]) -> None:
        self.loop = loop
        self.iterator: Iterator = loop.dataloader_iterator
        self.skip = skip
        self.state = state

    def __next__(self) -> Any:
        if self.skip == 0:
            set_rng_state(self.state)
            self.loop.dataloader_iterator = self.iterator
        else:
            self.skip -= 1
        return next(self.iterator)


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Make a resumed run draw the random numbers of the uninterrupted one:
    dropout masks, augmentations, memory initialisation, bit for bit on CPU.

    mmengine 0.10 checkpoints hold weights, optimiser, schedulers and the
    message hub but no generator state, so a resumed run restarts the
    seeded generators while the uninterrupted one had drawn from them for
    every earlier iteration. This hook stores every rank's generators (see
    :func:`get_rng_state`) with each checkpoint, gathered to the rank that
    writes it (with more than one process, at the end of every iteration,
    some 15 kB each), and restores each rank's own on resume, where
    training goes on:

    - iteration loops: mmengine first fetches and drops the batches already
      trained on (``Advance dataloader ... steps``), which with
      ``num_workers=0`` runs the augmentation in this process and draws from
      the generators; the states are set after those fetches, just before
      the first new one;
    - epoch loops: at ``before_train``, as the next epoch begins.

    Validation is made neutral: the generators are saved before it and put
    back after it (a data loader draws its seed from torch's generator when
    it starts), so a run validated at another interval, or a resumed run
    that does not repeat the validation the checkpoint was written beside,
    trains on the same random numbers.

    Bit-exactness needs the same world size (otherwise the states are not
    restored, with a warning) and, for epoch loops with ``num_workers > 0``,
    ``persistent_workers=False``: persistent workers carry their generators
    from epoch to epoch, and no checkpoint can hold a worker's state.
    Loading weights (``load_from`` without resume) restores nothing.
    """

    priority = 'LOW'  # before the CheckpointHook's (VERY_LOW) saves

    def __init__(self) -> None:
        self._gathered: Optional[List[Dict[str, Any]]] = None
        self._loaded: Optional[Dict[str, Any]] = None
        self._not_restored = ''
        self._before_val: Optional[Dict[str, Any]] = None

    def _gather(self) -> None:
        """Every rank's generators, gathered on every rank: the Runner
        writes checkpoints from rank 0 alone (``before_save_checkpoint``
        runs there only), so the gathering happens before, at the end of
        each iteration and epoch, while every rank is here."""
        if get_dist_info()[1] > 1:
            self._gathered = all_gather_object(get_rng_state())

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        self._gather()

    def after_train_epoch(self, runner) -> None:
        self._gather()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint[CHECKPOINT_KEY] = (
            self._gathered if get_dist_info()[1] > 1 else [get_rng_state()])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        states = checkpoint.get(CHECKPOINT_KEY)
        rank, world_size = get_dist_info()
        self._loaded = None
        if states is None:
            self._not_restored = ('the checkpoint holds no random number '
                                  'generator states (saved without '
                                  'RNGStateHook)')
        elif len(states) != world_size:
            self._not_restored = (
                f'the checkpoint holds the random number generators of '
                f'{len(states)} processes, this run has {world_size}')
        else:
            self._loaded = states[rank]

    def before_train(self, runner) -> None:
        state, self._loaded = self._loaded, None
        if runner.iter == 0 and runner.epoch == 0:
            return  # not resumed: weights loaded at most
        if state is None:
            if self._not_restored:
                print_log(
                    f'{self._not_restored}: they are not restored, so this '
                    'resumed run draws other random numbers than the '
                    'uninterrupted one did', logger='current',
                    level=logging.WARNING)
            return
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop):
            loop.dataloader_iterator = _RestoreBeforeFetch(
                loop, runner.iter, state)
        else:
            set_rng_state(state)

    def before_val(self, runner) -> None:
        self._before_val = get_rng_state()

    def after_val(self, runner) -> None:
        if self._before_val is not None:
            set_rng_state(self._before_val)
            self._before_val = None


def add_rng_state_hook(cfg) -> None:
    """Append :class:`RNGStateHook` and :class:`EvalDeterminismHook` to
    ``cfg.custom_hooks`` unless they are there: what ``tools/train.py`` and
    the benchmark do for every config, ours or mmseg's (``tools/test.py``
    adds the second). With mmseg's own tools, list them in the config."""
    add_hook(cfg, RNGStateHook.__name__)
    add_hook(cfg, EvalDeterminismHook.__name__)


def add_hook(cfg, name: str) -> None:
    """Append the hook registered as ``name`` to ``cfg.custom_hooks``
    unless one of its type is there."""
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(str(h.get('type')).split('.')[-1] == name for h in hooks):
        hooks.append(dict(type=name))
    cfg.custom_hooks = hooks
