# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""A benchmark suite: its pairs read from a suite file or the command
line, every config resolved and checked before anything trains.

A suite file is a python file (read by mmengine's ``Config``) holding a
list ``suite`` of ``dict(name=..., method=CONFIG, baseline=CONFIG)``,
optionally with ``differs`` (the dotted keys of the resolved configs the
pair is about; any other difference is refused) and ``claim`` (the paper's
number, for the report); its paths are relative to its own folder. Any
mmseg config goes, ``pkg::path`` ones (e.g. ``mmseg::fcn/...``) included.
"""
import os
import os.path as osp
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from mmengine.config import Config

from ..paths import ROOT, config_file
from .records import Pair

#: what a pair is compared on: the keys of a config that mmengine's
#: ``Runner.from_cfg`` (or a ``runner_type``) reads, but the run's own
#: ``work_dir`` and ``experiment_name``, and the modules it imports
RUNNER_KEYS = ('model', 'train_dataloader', 'val_dataloader',
               'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg',
               'auto_scale_lr', 'optim_wrapper', 'param_scheduler',
               'val_evaluator', 'test_evaluator', 'default_hooks',
               'custom_hooks', 'data_preprocessor', 'load_from', 'resume',
               'launcher', 'env_cfg', 'log_processor', 'log_level',
               'visualizer', 'default_scope', 'randomness',
               'model_wrapper_cfg', 'compile', 'runner_type',
               'custom_imports')
PAIR_KEYS = {'name', 'method', 'baseline', 'differs', 'claim'}


class SuiteError(ValueError):
    """A suite that cannot run: says which file, pair or config, and why."""


def config_key(path: str, folder: str) -> str:
    """How the results name a config: ``pkg::path`` as given, a file
    relative to the repository when inside it, else absolute."""
    if '::' in path:
        return path
    path = osp.abspath(osp.join(folder, path))
    inside = osp.relpath(path, ROOT)
    return path if inside.startswith('..') else inside


def config_name(key: str) -> str:
    """The config's file name without ``.py``: its work dir's name."""
    return osp.splitext(osp.basename(key))[0]


def configs_of(suite: Sequence[Pair]) -> List[str]:
    """Every config once, in the order of the suite (a pair's method before
    its baseline)."""
    return list(dict.fromkeys(c for p in suite
                              for c in (p.method, p.baseline)))


def _pairs_of_file(path: str) -> List[Tuple[dict, str]]:
    if not osp.isfile(path):
        raise SuiteError(f'the suite file {path} does not exist')
    try:
        entries = Config.fromfile(path).get('suite')
    except Exception as error:  # mmengine raises what the file raises
        raise SuiteError(f'cannot read the suite file {path}: '
                         f'{type(error).__name__}: {error}') from error
    if not isinstance(entries, (list, tuple)) or not entries:
        raise SuiteError(f'{path} must hold a non-empty list `suite` of '
                         'dict(name=..., method=..., baseline=...), got '
                         f'{entries!r}')
    folder = osp.dirname(osp.abspath(path))
    return [(entry, folder) for entry in entries]


def _pair(entry: Any, folder: str, where: str) -> Pair:
    if not isinstance(entry, dict):
        raise SuiteError(f'{where}: a pair must be a dict, got {entry!r}')
    missing = [k for k in ('name', 'method', 'baseline') if k not in entry]
    unknown = sorted(set(entry) - PAIR_KEYS)
    if missing or unknown:
        raise SuiteError(
            f'{where}: the pair {dict(entry)!r} ' +
            (f'lacks {missing}' if missing else f'has unknown keys {unknown}'))
    return Pair(
        name=entry['name'],
        method=config_key(entry['method'], folder),
        baseline=config_key(entry['baseline'], folder),
        differs=tuple(entry.get('differs', ())),
        claim=entry.get('claim', ''))


def load_suite(suite_file: Optional[str],
               pairs: Sequence[Sequence[str]] = ()) -> List[Pair]:
    """The pairs of ``suite_file`` and then of ``pairs`` (``(name, method,
    baseline)``, paths relative to the current folder), names and work
    dirs checked to be distinct; the configs are not loaded."""
    entries = _pairs_of_file(suite_file) if suite_file else []
    entries += [(dict(name=n, method=m, baseline=b), os.getcwd())
                for n, m, b in pairs]
    if not entries:
        raise SuiteError('no pairs: give a suite file or --pair')
    where = suite_file or '--pair'
    suite = [_pair(entry, folder, where) for entry, folder in entries]
    names = [pair.name for pair in suite]
    if len(set(names)) < len(names):
        raise SuiteError(f'pair names repeat: {names}')
    configs = configs_of(suite)
    stems = [config_name(key) for key in configs]
    if len(set(stems)) < len(stems):
        raise SuiteError(f'two configs share a file name (their work dirs '
                         f'would clash): {configs}')
    return suite


def load_configs(suite: Sequence[Pair],
                 options: Optional[dict] = None) -> Dict[str, Config]:
    """Every config of the suite, loaded (``options`` merged), or a
    :class:`SuiteError` naming the pair and the config that fails."""
    configs = {}
    for pair in suite:
        for role in ('method', 'baseline'):
            key = getattr(pair, role)
            if key in configs:
                continue
            if '::' not in key and not osp.isfile(config_file(key)):
                raise SuiteError(f'pair {pair.name!r}: the {role} config '
                                 f'{key} does not exist')
            try:
                cfg = Config.fromfile(config_file(key))
                if options:
                    cfg.merge_from_dict(options)
            except Exception as error:
                raise SuiteError(
                    f'pair {pair.name!r}: cannot load the {role} config '
                    f'{key}: {type(error).__name__}: {error}') from error
            configs[key] = cfg
    return configs


def _flatten(node: Any, prefix: str) -> Iterator[Tuple[str, Any]]:
    if isinstance(node, dict):
        if not node:
            yield prefix, {}
        for key, value in node.items():
            yield from _flatten(value, f'{prefix}.{key}' if prefix else key)
    elif isinstance(node, (list, tuple)):
        if not node:
            yield prefix, type(node)()
        for index, value in enumerate(node):
            yield from _flatten(value, f'{prefix}.{index}')
    else:
        yield prefix, node


def runner_settings(cfg: Config) -> Dict[str, Any]:
    """The Runner's part of a resolved config, as dotted keys (list items
    by index)."""
    data = cfg.to_dict()
    return dict(
        _flatten({k: data[k]
                  for k in RUNNER_KEYS if k in data}, ''))


def config_differences(method: Config, baseline: Config) -> List[str]:
    """The dotted keys whose values differ (or exist in one config only)."""
    a, b = runner_settings(method), runner_settings(baseline)
    return sorted(k for k in set(a) | set(b)
                  if k not in a or k not in b or a[k] != b[k])


def undeclared_differences(pair: Pair, method: Config,
                           baseline: Config) -> List[str]:
    """The differences of the pair's configs outside its ``differs``."""
    return [
        key for key in config_differences(method, baseline)
        if not any(key == d or key.startswith(f'{d}.') for d in pair.differs)
    ]


def check_pairs(suite: Sequence[Pair],
                configs: Dict[str, Config]) -> List[str]:
    """Refuse a pair that declares ``differs`` and whose configs differ
    elsewhere; the names of the pairs that declare nothing (unchecked)."""
    unchecked = []
    for pair in suite:
        if not pair.differs:
            unchecked.append(pair.name)
            continue
        extra = undeclared_differences(pair, configs[pair.method],
                                       configs[pair.baseline])
        if extra:
            raise SuiteError(
                f'pair {pair.name!r}: the configs differ in {extra}, beyond '
                f'the keys the pair is about {list(pair.differs)}')
    return unchecked
