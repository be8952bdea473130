# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The benchmark's plots: val mIoU during training (``curves.png``) and
per-class IoU (``per_class.png``), pair by pair."""
import io
import math
import statistics
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

import numpy as np
from matplotlib.figure import Figure

from .records import Results, RunRecord, atomic_write
from .suite import config_name, configs_of


def class_means(results: Results, key: str) -> Dict[str, Optional[float]]:
    """Mean IoU of each class over the seeds (those where it is defined)."""
    values = defaultdict(list)
    for run in results.runs_of(key):
        for name, value in run.val.per_class_iou.items():
            values[name] += [] if value is None else [value]
    return {
        name: statistics.mean(v) if v else None
        for name, v in values.items()
    }


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
            steps, mean, low, high = curve_band(results.runs_of(key))
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
