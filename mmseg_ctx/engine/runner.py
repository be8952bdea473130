# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The Runner every entry point builds: mmengine's, with the set-up of a run
that mmseg's tools leave out."""
import atexit
import copy
import os.path as osp
from typing import Optional, Union

from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner
from mmseg.registry import RUNNERS
from torch import nn

from ..models.utils import check_num_classes
from .checkpoint import resolve_resume
from .hooks import add_rng_state_hook
from .launcher import release_distributed, setup_cpu_distributed
from .optim import amp_for_device
from .runner_args import check_seed
from .wrappers import unwrap_model


@RUNNERS.register_module()
class ContextRunner(Runner):
    """mmengine's :class:`Runner` that prepares a run as docs/guarantees.md
    promises for every entry point: our ``tools/train.py`` and ``test.py``,
    mmseg's own ``tools/train.py`` (and so ``mim train mmsegmentation``),
    the benchmark and the demo. Our configs select it by
    ``runner_type = 'ContextRunner'`` (beside their ``custom_imports``),
    which mmseg's ``tools/train.py`` builds through ``RUNNERS``.

    :meth:`from_cfg` prepares a copy of the config before mmengine builds
    from it:

    - several processes without an accelerator meet over gloo and train in
      :class:`CPUDistributedDataParallel` (:func:`setup_cpu_distributed`);
      the process group is released at exit;
    - mmengine's ``AmpOptimWrapper`` (``--amp`` of mmseg's tools) becomes
      :class:`CPUAmpOptimWrapper` (bf16 autocast) where there is no
      accelerator, where mmengine's refuses to run;
    - a seed numpy would refuse, and a work_dir that is (or is inside) a
      file, are named;
    - ``resume`` with ``load_from`` goes on from the work_dir's latest
      checkpoint, never from a weights-only file (:func:`resolve_resume`);
    - :class:`RNGStateHook` and :class:`EvalDeterminismHook` join the
      custom hooks, so that a resumed run is the uninterrupted one.

    :meth:`train` first checks each head's ``num_classes`` against the
    training set's classes (fewer is refused).
    """

    @classmethod
    def from_cfg(cls, cfg: Union[Config, ConfigDict]) -> 'ContextRunner':
        cfg = copy.deepcopy(cfg)
        if not isinstance(cfg, (Config, ConfigDict)):  # a plain dict
            cfg = ConfigDict(cfg)
        if setup_cpu_distributed(cfg):
            atexit.unregister(release_distributed)  # once, however many
            atexit.register(release_distributed)  # runners are built
        if cfg.get('optim_wrapper'):
            cfg.optim_wrapper = amp_for_device(cfg.optim_wrapper)
        check_seed((cfg.get('randomness') or {}).get('seed'))
        check_work_dir(cfg.get('work_dir'))
        resolve_resume(cfg)
        add_rng_state_hook(cfg)
        return super().from_cfg(cfg)

    def train(self) -> nn.Module:
        """Check the heads' ``num_classes`` against the training set's
        classes, then train as mmengine does."""
        check_num_classes(unwrap_model(self.model),
                          self.train_dataloader.dataset.metainfo['classes'])
        return super().train()


def check_work_dir(work_dir: Optional[str]) -> None:
    """Refuse a work_dir that is a file or lies under one (the Runner would
    stop in ``os.makedirs``' bare ``FileExistsError``)."""
    path = osp.abspath(work_dir) if work_dir else None
    while path and not osp.isdir(path):
        if osp.exists(path):
            raise NotADirectoryError(
                f'work_dir {work_dir}: {path} is a file, not a folder')
        path = osp.dirname(path) if osp.dirname(path) != path else None


def build_runner(cfg: Union[Config, ConfigDict]) -> Runner:
    """The runner a config names by ``runner_type``, built through mmseg's
    ``RUNNERS`` as mmseg's ``tools/train.py`` builds it; a
    :class:`ContextRunner` for a config that names none (mmseg's own, a
    user's written before ``runner_type``)."""
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return ContextRunner.from_cfg(cfg)
