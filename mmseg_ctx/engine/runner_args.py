# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The command line and config loading that ``tools/train.py``,
``tools/test.py`` and the benchmark share with mmseg's own tools."""
import argparse
import difflib
import logging
import os
import os.path as osp
from typing import Any, List, Optional, Tuple

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
        check_option_types(cfg, cfg_options)
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


def resolve_key(cfg: Config, key: str) -> Tuple[List[str], Any, bool]:
    """Follow a dotted ``--cfg-options`` key through dicts and list indices:
    the parts found, the value there (the container the walk stopped in
    when not found) and whether the whole key was found."""
    node, path = cfg._cfg_dict, []
    for part in key.split('.'):
        if isinstance(node, (list, tuple)) and part.isdigit() and int(
                part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return path, node, False
        path.append(part)
    return path, node, True


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
        path, node, found = resolve_key(cfg, key)
        if found or not isinstance(node, dict):
            continue
        part = key.split('.')[len(path)]
        close = difflib.get_close_matches(part, list(node), n=1)
        where = '.'.join(path) or 'the config'
        warnings.append(
            f'--cfg-options {key}: {where} has no key {part!r}, it is added' +
            (f' (did you mean {".".join(path + close)!r}?)' if close else ''))
    return warnings


#: the numbers of a config that a string cannot replace (a float one can:
#: ``loss_scale=dynamic`` replaces ``512.``)
NUMBER_TYPES = (bool, int)

#: the seed range numpy's and torch's generators take
SEED_RANGE = (0, 2**32 - 1)


def check_option_types(cfg: Config, cfg_options: dict) -> None:
    """Refuse ``--cfg-options`` that mmengine would merge and fail on later
    with a message that does not name them: a string where the config has
    an int or a bool (``train_cfg.max_iters=ten``; numbers, lists and None
    replace numbers freely, as mmseg's configs do), a list index past the
    list's end (``param_scheduler.7.end=10``), a seed numpy refuses."""
    for key, value in cfg_options.items():
        path, node, found = resolve_key(cfg, key)
        if not found and isinstance(node, (list, tuple)):
            part = key.split('.')[len(path)]
            raise ValueError(
                f'--cfg-options {key}={value!r}: {".".join(path)} is a list '
                f'of {len(node)} (indices 0..{len(node) - 1}), so it has no '
                f'{part}')
        if not found or node is None or value is None:
            continue
        if type(node) in NUMBER_TYPES and isinstance(value, str):
            kind = type(node).__name__
            raise ValueError(
                f'--cfg-options {key}={value!r}: the config has {node!r} '
                f'there ({kind}), so it takes {"an" if kind == "int" else "a"}'
                f' {kind}, not the string {value!r}')
    check_seed(cfg_options.get('randomness.seed'), '--cfg-options '
               'randomness.seed')


def check_seed(seed: Any, where: str = 'randomness.seed') -> None:
    """Refuse a seed numpy's generator would refuse (after the Runner is
    built, in its own words): an int in [0, 2**32 - 1], or None."""
    low, high = SEED_RANGE
    if seed is not None and (type(seed) is not int
                             or not low <= seed <= high):
        raise ValueError(f'{where}={seed!r}: a seed is an int in '
                         f'[{low}, {high}] (2**32 - 1), or None')


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
