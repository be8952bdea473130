# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The resume check: a training interrupted and resumed against the
uninterrupted one (and a second one), every value of their checkpoints
compared."""
import concurrent.futures
import math
import os
import os.path as osp
import shutil
from typing import Dict

from .check import Check
from .training import load_checkpoint, method_config, train_cmd


def leaf_difference(x, y) -> float:
    """Largest absolute difference of two tensors (NaN equal to NaN, a NaN
    against a number infinite), 0 or ``inf`` for other values."""
    import torch
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        if isinstance(x, torch.Tensor) or isinstance(y, torch.Tensor):
            return math.inf
        return 0.0 if x == y else math.inf
    if x.shape != y.shape or x.dtype != y.dtype:
        return math.inf
    if not x.numel():
        return 0.0
    x, y = x.double(), y.double()
    same = (x == y) | (x.isnan() & y.isnan())
    difference = (x - y).abs().nan_to_num(math.inf)
    return difference.masked_fill(same, 0).max().item()


def max_difference(a, b, prefix: str = '') -> Dict[str, float]:
    """The largest difference of every leaf of two nested states (dicts,
    lists, tensors, numbers), by its dotted name; ``inf`` where keys,
    shapes, dtypes or values differ but cannot be subtracted."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b), key=str)
        pairs = [(k, a.get(k), b.get(k)) for k in keys]
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return {prefix.rstrip('.'): math.inf}
        pairs = list(zip(range(len(a)), a, b))
    else:
        return {prefix.rstrip('.'): leaf_difference(a, b)}
    diffs = {}
    for key, x, y in pairs:
        diffs.update(max_difference(x, y, f'{prefix}{key}.'))
    return diffs


def compare_runs(first: str, second: str) -> Dict:
    """The weights, buffers (the MCIBI memory, BN statistics) and optimizer
    state (momenta, learning rates, the AMP loss scaler) of two
    checkpoints, value by value."""
    a, b = load_checkpoint(first), load_checkpoint(second)
    diffs = max_difference(
        dict(state_dict=a['state_dict'], optimizer=a['optimizer']),
        dict(state_dict=b['state_dict'], optimizer=b['optimizer']))
    worst = max(diffs, key=diffs.get)
    return dict(
        values=len(diffs),
        unequal=sum(v > 0 for v in diffs.values()),
        max_difference=diffs[worst],
        worst=worst)


def check_resume(check: Check, mode: Dict, work: str) -> None:
    """FCN + MCIBI interrupted and resumed equals the uninterrupted run,
    under ``randomness.deterministic=True`` and
    ``env_cfg.cudnn_benchmark=False`` (``CUBLAS_WORKSPACE_CONFIG`` set, as
    cuBLAS needs for deterministic results). A second uninterrupted run
    tells the resume's differences from the device's run-to-run ones. Where
    deterministic training refuses to run (an op without a deterministic
    CUDA kernel), that is reported and the three runs are repeated without
    it."""
    iters, half = mode['resume_iters'], mode['resume_iters'] // 2
    # validations before and after the stop: they must not change training
    cfg = method_config(work, 'MCIBI', 'resume', iters, max(1, half // 2))
    env = dict(CUBLAS_WORKSPACE_CONFIG=':4096:8')
    details = check.result['details']
    for deterministic in (True, False):
        tag = 'deterministic' if deterministic else 'default'
        options = [
            f'randomness.deterministic={deterministic}',
            'env_cfg.cudnn_benchmark=False', 'randomness.seed=0'
        ]
        runs = {
            name: osp.join(work, f'resume_{tag}_{name}')
            for name in ('straight', 'again', 'resumed')
        }
        try:  # the two uninterrupted runs side by side
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                for future in [
                        pool.submit(check.call,
                                    train_cmd(cfg, runs[name], mode, half,
                                              options), 600, env)
                        for name in ('straight', 'again')
                ]:
                    future.result()
        except RuntimeError as error:
            if not deterministic:
                raise
            details['deterministic_error'] = str(error)[-600:]
            check.fail('deterministic training does not run: '
                       f'{str(error)[-300:]}')
            continue
        os.makedirs(runs['resumed'])
        shutil.copy(
            osp.join(runs['straight'], f'iter_{half}.pth'), runs['resumed'])
        with open(osp.join(runs['resumed'], 'last_checkpoint'), 'w') as f:
            f.write(osp.abspath(osp.join(runs['resumed'], f'iter_{half}.pth')))
        check.call(
            train_cmd(cfg, runs['resumed'], mode, half, options) +
            ['--resume'], 600, env)
        final = {
            name: osp.join(path, f'iter_{iters}.pth')
            for name, path in runs.items()
        }
        details[tag] = dict(
            run_to_run=compare_runs(final['straight'], final['again']),
            resumed=compare_runs(final['straight'], final['resumed']))
        resumed, again = (details[tag][k] for k in ('resumed', 'run_to_run'))
        check.result['summary'] = (
            f'{tag}: resumed vs straight {resumed["unequal"]} of '
            f'{resumed["values"]} values unequal (max '
            f'{resumed["max_difference"]:.3g}); two straight runs '
            f'{again["unequal"]} unequal (max {again["max_difference"]:.3g})')
        if resumed['unequal']:
            check.fail(f'{tag}: the resumed run differs: {resumed}')
        return
