# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The benchmark's report: ``report.md`` (configs, pairs with their
intervals and verdicts, per-class IoU, the test split), ``curves.png`` and
``per_class.png``, each written whole or not at all."""
import io
import math
import os.path as osp
import statistics
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.figure import Figure

from .records import Pair, Results, RunRecord, atomic_write
from .stats import CONFIDENCE, PairStatistics, pair_statistics
from .suite import config_name, configs_of


def mean_std(values: Sequence[float], sign: str = '') -> str:
    """``mean ± std`` (sample std; n/a for one value)."""
    if not values:
        return '-'
    std = f'{statistics.stdev(values):.2f}' if len(values) > 1 else 'n/a'
    return f'{statistics.mean(values):{sign}.2f} ± {std}'


def interval(bounds: Optional[Tuple[float, float]]) -> str:
    """``[low, high]``, signed, or ``-``."""
    return '-' if bounds is None else \
        f'[{bounds[0]:+.2f}, {bounds[1]:+.2f}]'


def runs_of(results: Results, key: str) -> List[RunRecord]:
    """The runs of a config."""
    return [r for r in results.runs if r.config == key]


def timing_ratio(results: Results, pair: Pair, field: str) -> str:
    method = results.timing.get(pair.method)
    baseline = results.timing.get(pair.baseline)
    if method is None or baseline is None:
        return '-'
    return f'{getattr(method, field) / getattr(baseline, field):.2f}'


def class_means(results: Results, key: str) -> Dict[str, Optional[float]]:
    """Mean IoU of each class over the seeds (those where it is defined)."""
    values = defaultdict(list)
    for run in runs_of(results, key):
        for name, value in run.val.per_class_iou.items():
            values[name] += [] if value is None else [value]
    return {
        name: statistics.mean(v) if v else None
        for name, v in values.items()
    }


def config_table(results: Results) -> List[str]:
    lines = [
        '| config | seeds | val mIoU | val mAcc | val aAcc | params (M) | '
        'GFLOPs | train s/iter | test fps |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
    ]
    for key in configs_of(results.suite):
        runs = runs_of(results, key)
        cells = [mean_std([getattr(r.val, m) for r in runs])
                 for m in ('mIoU', 'mAcc', 'aAcc')]
        size = ['-', '-']
        if runs:
            size = [f'{runs[0].params / 1e6:.2f}',
                    f'{runs[0].flops / 1e9:.2f}']
        timing = results.timing.get(key)
        speed = [f'{timing.train_s_per_iter:.3f}',
                 f'{timing.test_fps:.1f}'] if timing else ['-', '-']
        lines.append(f'| {config_name(key)} | {len(runs)} | ' +
                     ' | '.join(cells + size + speed) + ' |')
    return lines


def pair_row(pair: Pair, stats: PairStatistics) -> str:
    """A pair's row: Δ per seed, mean ± std, seeds won, the intervals, the
    verdict, the detectable Δ and the paper's claim."""
    deltas = ', '.join(f'{d:+.2f}' for d in stats.deltas) or '-'
    won = f'{sum(d > 0 for d in stats.deltas)}/{len(stats.deltas)}'
    detectable = '-' if stats.detectable is None else \
        f'{stats.detectable:.2f}'
    return (f'| {pair.name} | {config_name(pair.method)} | '
            f'{config_name(pair.baseline)} | {deltas} | '
            f'{mean_std(stats.deltas, "+")} | {won} | '
            f'{interval(stats.bootstrap)} | {interval(stats.t)} | '
            f'**{stats.verdict}** | {detectable} | {pair.claim or "-"} |')


def pair_table(results: Results, split: str = 'val') -> List[str]:
    """The pairs' statistics on ``split`` (on test, the pairs both of
    whose configs have test results)."""
    lines = [
        f'| pair | method | baseline | Δ {split} mIoU per seed | Δ | won | '
        f'{CONFIDENCE:.0%} bootstrap | {CONFIDENCE:.0%} t-interval | '
        'verdict | detectable Δ | paper |',
        '|---|---|---|---|---:|---:|---:|---:|---|---:|---|'
    ]
    for pair in results.suite:
        stats = pair_statistics(results, pair, split)
        if stats.deltas or split == 'val':
            lines.append(pair_row(pair, stats))
    return lines


def speed_table(results: Results) -> List[str]:
    lines = ['| pair | train s/iter ratio | test fps ratio |',
             '|---|---:|---:|']
    for pair in results.suite:
        lines.append(
            f'| {pair.name} | '
            f'{timing_ratio(results, pair, "train_s_per_iter")} | '
            f'{timing_ratio(results, pair, "test_fps")} |')
    return lines


def class_tables(results: Results) -> List[str]:
    def cell(value: Optional[float], sign: str = '') -> str:
        return '-' if value is None else f'{value:{sign}.2f}'

    lines = []
    for pair in results.suite:
        method = class_means(results, pair.method)
        baseline = class_means(results, pair.baseline)
        lines += [
            '', f'### {pair.name}', '',
            f'| class | {config_name(pair.baseline)} | '
            f'{config_name(pair.method)} | Δ |', '|---|---:|---:|---:|'
        ]
        for name in dict.fromkeys([*baseline, *method]):
            b, m = baseline.get(name), method.get(name)
            delta = None if b is None or m is None else m - b
            lines.append(f'| {name} | {cell(b)} | {cell(m)} | '
                         f'{cell(delta, "+")} |')
    return lines


def test_table(results: Results) -> List[str]:
    lines = [
        '', '## Test split', '',
        'Reported only: nothing is chosen by these.', '',
        '| config | seeds | test mIoU | test mAcc | test aAcc |',
        '|---|---:|---:|---:|---:|'
    ]
    for key in configs_of(results.suite):
        runs = [r for r in runs_of(results, key) if r.test]
        if runs:
            cells = [mean_std([getattr(r.test, m) for r in runs])
                     for m in ('mIoU', 'mAcc', 'aAcc')]
            lines.append(f'| {config_name(key)} | {len(runs)} | ' +
                         ' | '.join(cells) + ' |')
    pairs = pair_table(results, 'test')
    return lines + ([''] + pairs if len(pairs) > 2 else [])


STATISTICS_NOTE = (
    'Δ: method − baseline, seed by seed on the seeds both have (mean ± '
    'std; won: seeds where Δ > 0). Bootstrap: the percentile interval of '
    'the mean Δ over resamplings of the seeds and the evaluated images '
    'together, every mIoU recomputed from the summed intersection and '
    'union counts of the drawn images (- where the runs have no per-image '
    'counts). t-interval: over the seeds. Verdict: **better** or **worse** '
    'where both intervals (the t-interval alone without counts) exclude 0 '
    'on the same side, else **not established**. Detectable Δ: the '
    'smallest mean Δ a paired t-test at 5% detects with 80% power at the '
    'spread of the seeds. Paper: the paper\'s own comparison.')


def markdown_report(results: Results) -> str:
    devices = sorted({t.device for t in results.timing.values()})
    precision = sorted({
        {None: 'precision not recorded', True: 'AMP (bf16 on a CPU, fp16 '
         'on a GPU)', False: 'fp32'}[r.amp] +
        (', channels-last' if r.channels_last else '')
        for r in results.runs
    })
    lines = [
        '# Benchmark', '',
        f'Seeds {", ".join(map(str, results.seeds))}; mean ± sample std '
        'over the seeds (n/a for one); trained in '
        f'{"; ".join(precision) or "-"}.', '',
        '| pair | method | baseline | about |', '|---|---|---|---|'
    ]
    lines += [
        f'| {p.name} | {p.method} | {p.baseline} | '
        f'{", ".join(f"`{d}`" for d in p.differs) or "-"} |'
        for p in results.suite
    ]
    lines += ['', '## Configs', ''] + config_table(results)
    lines += [
        '', 'FLOPs: mmengine\'s count (a multiply-add is one FLOP) on one '
        'val image as the test pipeline makes it. Speed: median of the '
        'timing pass (training steps; test steps at batch 1), the configs '
        'in turns, on ' + (', '.join(devices) or '-') + '.'
    ]
    lines += ['', '## Pairs', ''] + pair_table(results)
    lines += ['', STATISTICS_NOTE, '', 'Speed, method / baseline:', '']
    lines += speed_table(results)
    lines += [
        '', '![val mIoU during training](curves.png)', '',
        '## Per-class IoU (val, mean over seeds)'
    ] + class_tables(results)
    lines += ['', '![per-class IoU](per_class.png)']
    if any(r.test for r in results.runs):
        lines += test_table(results)
    return '\n'.join(lines) + '\n'


def curve_band(runs: List[RunRecord]) -> Tuple[List, List, List, List]:
    """Steps, and the mean, min and max over the runs at each."""
    values = defaultdict(list)
    for run in runs:
        for step, miou in run.curve:
            values[step].append(miou)
    steps = sorted(values)
    return (steps, [statistics.mean(values[s]) for s in steps],
            [min(values[s]) for s in steps], [max(values[s]) for s in steps])


def plot_curves(results: Results) -> Figure:
    suite = results.suite
    cols = min(len(suite), 3)
    rows = math.ceil(len(suite) / cols)
    fig = Figure(figsize=(5 * cols, 3.6 * rows), layout='constrained')
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, pair in zip(axes, suite):
        for role in ('baseline', 'method'):
            key = getattr(pair, role)
            steps, mean, low, high = curve_band(runs_of(results, key))
            line, = ax.plot(
                steps, mean, marker='.', label=f'{role}: {config_name(key)}')
            ax.fill_between(steps, low, high, color=line.get_color(),
                            alpha=0.2)
        ax.set(title=pair.name, xlabel='iteration', ylabel='val mIoU (%)')
        ax.legend(fontsize='small', loc='lower right')  # the curves rise
    for ax in axes[len(suite):]:
        ax.set_axis_off()
    fig.suptitle('val mIoU, mean over seeds (band: min to max)')
    return fig


def plot_per_class(results: Results) -> Figure:
    suite = results.suite
    means = {key: class_means(results, key) for key in configs_of(suite)}
    classes = max(len(m) for m in means.values())
    fig = Figure(figsize=(max(6, 0.35 * classes + 2), 3.4 * len(suite)),
                 layout='constrained')
    axes = fig.subplots(len(suite), 1, squeeze=False)[:, 0]
    for ax, pair in zip(axes, suite):
        names = list(dict.fromkeys([*means[pair.baseline],
                                    *means[pair.method]]))
        x = np.arange(len(names))
        for offset, role in ((-0.2, 'baseline'), (0.2, 'method')):
            key = getattr(pair, role)
            heights = [means[key].get(n) for n in names]
            ax.bar(x + offset, [np.nan if h is None else h for h in heights],
                   0.4, label=f'{role}: {config_name(key)}')
        ax.set_xticks(x, names, rotation=60, ha='right')
        ax.set(title=pair.name, ylabel='val IoU (%)')
        ax.legend(fontsize='small')
    return fig


def save_figure(fig: Figure, path: str) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=100)
    atomic_write(path, buffer.getvalue())


def write_report(results: Results, out_dir: str) -> str:
    """Write the report and its plots into ``out_dir``; the markdown."""
    report = markdown_report(results)
    atomic_write(osp.join(out_dir, 'report.md'), report.encode('utf-8'))
    if results.runs:
        save_figure(plot_curves(results), osp.join(out_dir, 'curves.png'))
        save_figure(plot_per_class(results),
                    osp.join(out_dir, 'per_class.png'))
    return report
