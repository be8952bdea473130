# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The benchmark's report: ``report.md`` (configs, pairs with their
intervals and verdicts, per-class IoU, the test split), with the plots of
:mod:`.plots`, each written whole or not at all."""
import os.path as osp
import statistics
from typing import List, Optional, Sequence, Tuple

from .plots import class_means, plot_curves, plot_per_class, save_figure
from .records import Pair, Results, atomic_write
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


def timing_ratio(results: Results, pair: Pair, field: str) -> str:
    method = results.timing.get(pair.method)
    baseline = results.timing.get(pair.baseline)
    if method is None or baseline is None:
        return '-'
    return f'{getattr(method, field) / getattr(baseline, field):.2f}'


def config_table(results: Results) -> List[str]:
    lines = [
        '| config | seeds | val mIoU | val mAcc | val aAcc | params (M) | '
        'GFLOPs | train s/iter | test fps |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
    ]
    for key in configs_of(results.suite):
        runs = results.runs_of(key)
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
        runs = [r for r in results.runs_of(key) if r.test]
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


def write_report(results: Results, out_dir: str) -> str:
    """Write the report and its plots into ``out_dir``; the markdown."""
    report = markdown_report(results)
    atomic_write(osp.join(out_dir, 'report.md'), report.encode('utf-8'))
    if results.runs:
        save_figure(plot_curves(results), osp.join(out_dir, 'curves.png'))
        save_figure(plot_per_class(results),
                    osp.join(out_dir, 'per_class.png'))
    return report
