# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The command line and config loading that ``tools/train.py``,
``tools/test.py`` and the benchmark share with mmseg's own tools."""
import argparse
import difflib
import logging
import os
import os.path as osp
from typing import List, Optional

from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from .hooks import ChannelsLastHook, add_hook
from .optim import amp_optim_wrapper


def load_runner_config(path: str,
                       launcher: str = 'none',
                       cfg_options: Optional[dict] = None,
                       work_dir: Optional[str] = None) -> Config:
    """Load a config the way mmseg's ``tools/train.py`` and ``test.py`` do.

    Sets the launcher, merges ``--cfg-options`` and picks the work_dir
    (command line, then the config, then ``./work_dirs/<config name>``).
    """
    cfg = Config.fromfile(path)
    cfg.launcher = launcher
    if cfg_options is not None:
        for warning in unknown_options(cfg, cfg_options):
            print_log(warning, logger='current', level=logging.WARNING)
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    return cfg


def apply_training_options(cfg: Config,
                           amp: bool = False,
                           channels_last: bool = False) -> None:
    """``--amp`` (fp16 with loss scaling on GPUs, bf16 on a CPU) and
    ``--channels-last`` (:class:`ChannelsLastHook`), as ``tools/train.py``
    and the benchmark apply them."""
    if amp:
        if cfg.optim_wrapper.type in ('AmpOptimWrapper', 'CPUAmpOptimWrapper'):
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING)
        else:
            cfg.optim_wrapper = amp_optim_wrapper(cfg.optim_wrapper)
    if channels_last:
        add_hook(cfg, ChannelsLastHook.__name__)


def unknown_options(cfg: Config, cfg_options: dict) -> List[str]:
    """A warning for each ``--cfg-options`` key that ``cfg`` does not have.

    ``merge_from_dict`` adds such a key silently, so a misspelt one
    (``train_cgf.max_iters=5``) changes nothing; adding a key is legitimate,
    hence a warning, naming the closest existing key (:mod:`difflib`).
    Dotted keys are followed through dicts and list indices; the first part
    that is missing is reported.
    """
    warnings = []
    for key in cfg_options:
        node, path = cfg._cfg_dict, []
        for part in key.split('.'):
            if isinstance(node, (list, tuple)) and part.isdigit():
                node = node[int(part)] if int(part) < len(node) else None
            elif isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, dict):
                close = difflib.get_close_matches(part, list(node), n=1)
                where = ".".join(path) or "the config"
                warnings.append(
                    f'--cfg-options {key}: {where} has no key {part!r}, it '
                    'is added' +
                    (f' (did you mean {".".join(path + close)!r}?)'
                     if close else ''))
                break
            else:
                break
            path.append(part)
    return warnings


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """Add the options mmseg's ``tools/train.py`` and ``test.py`` share:
    ``--cfg-options``, ``--launcher`` and ``--local-rank``."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse the command line; export ``LOCAL_RANK`` if no launcher did."""
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args
