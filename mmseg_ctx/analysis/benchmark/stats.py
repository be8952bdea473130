# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""What a pair's runs can say: the paired difference per seed, a 95%
interval from a paired bootstrap over seeds and images, the t-interval
over seeds beside it, the verdict both intervals give and the smallest
effect the design detects.

The bootstrap resamples the seeds (pairing the method's run with the
baseline's of the same seed) and the evaluation images (the same draw for
every run) together, and recomputes each run's mIoU from the summed
intersection and union counts of the drawn images, as mmseg's
``IoUMetric`` computes it from the whole split: per-image IoUs are never
averaged.
"""
import dataclasses
from typing import List, Optional, Sequence, Tuple

import numpy as np
from scipy import stats

from .records import Pair, Results, RunRecord, SplitMetrics

CONFIDENCE = 0.95
POWER = 0.8
BOOTSTRAP_SAMPLES = 10000


def miou(intersect: np.ndarray, union: np.ndarray) -> np.ndarray:
    """mIoU in % over the last axis (classes), a class with no union left
    out (mmseg's NaN mean)."""
    with np.errstate(invalid='ignore', divide='ignore'):
        iou = np.where(union > 0, intersect / np.maximum(union, 1), np.nan)
        return np.nanmean(iou, axis=-1) * 100


def split_miou(split: SplitMetrics) -> float:
    """A split's mIoU recomputed from its per-image counts."""
    return float(
        miou(np.sum(split.intersect, axis=0), np.sum(split.union, axis=0)))


def counts(splits: Sequence[SplitMetrics],
           images: Sequence[str]) -> Tuple[np.ndarray, np.ndarray]:
    """Intersection and union counts (run x image x class), the images in
    the order ``images`` names them."""
    intersect, union = [], []
    for split in splits:
        order = {name: i for i, name in enumerate(split.images)}
        if set(order) != set(images) or len(order) != len(split.images):
            raise ValueError('the runs were evaluated on different images')
        index = [order[name] for name in images]
        intersect.append(np.asarray(split.intersect)[index])
        union.append(np.asarray(split.union)[index])
    return np.stack(intersect), np.stack(union)


def paired_bootstrap(method: Sequence[SplitMetrics],
                     baseline: Sequence[SplitMetrics],
                     samples: int = BOOTSTRAP_SAMPLES,
                     confidence: float = CONFIDENCE,
                     seed: int = 0) -> Tuple[float, float]:
    """The percentile interval of the mean paired mIoU difference (method
    less baseline; ``method[i]`` and ``baseline[i]`` share a seed).

    Each sample draws the seeds and the images with replacement, the same
    images for every run, and recomputes every drawn run's mIoU from its
    counts summed over the drawn images.
    """
    if len(method) != len(baseline) or not method:
        raise ValueError(f'{len(method)} method runs against '
                         f'{len(baseline)} baseline runs')
    images = list(method[0].images)
    m_i, m_u = counts(method, images)
    b_i, b_u = counts(baseline, images)
    rng = np.random.default_rng(seed)
    runs, num_images = len(method), len(images)
    means = []
    # in chunks: samples x runs x classes at a time
    for start in range(0, samples, 1000):
        size = min(1000, samples - start)
        weights = rng.multinomial(num_images, [1 / num_images] * num_images,
                                  size=size).astype(np.float64)
        delta = (
            miou(*(np.einsum('bn,rnc->brc', weights, x)
                   for x in (m_i, m_u))) -
            miou(*(np.einsum('bn,rnc->brc', weights, x)
                   for x in (b_i, b_u))))  # samples x runs
        drawn = rng.integers(0, runs, size=(size, runs))
        means.append(np.take_along_axis(delta, drawn, axis=1).mean(axis=1))
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(np.concatenate(means), [tail, 100 - tail])
    return float(low), float(high)


def t_interval(deltas: Sequence[float],
               confidence: float = CONFIDENCE) -> Optional[Tuple[float,
                                                                 float]]:
    """The t-interval of the mean of ``deltas`` (None for fewer than 2)."""
    if len(deltas) < 2:
        return None
    mean = float(np.mean(deltas))
    half = stats.t.ppf((1 + confidence) / 2, len(deltas) - 1) * float(
        np.std(deltas, ddof=1)) / np.sqrt(len(deltas))
    return float(mean - half), float(mean + half)


def detectable_effect(deltas: Sequence[float],
                      confidence: float = CONFIDENCE,
                      power: float = POWER) -> Optional[float]:
    """The smallest mean difference that a paired t-test at ``1 -
    confidence`` (two-sided) detects with probability ``power``, at the
    spread the seeds show: ``(t_{1-a/2} + t_{power}) s / sqrt(n)``, n - 1
    degrees of freedom (None for fewer than 2 seeds)."""
    n = len(deltas)
    if n < 2:
        return None
    quantiles = stats.t.ppf((1 + confidence) / 2, n - 1) + stats.t.ppf(
        power, n - 1)
    return float(quantiles * np.std(deltas, ddof=1) / np.sqrt(n))


def verdict(*intervals: Optional[Tuple[float, float]]) -> str:
    """``better`` or ``worse`` where every interval given excludes 0 on
    the same side, else ``not established`` (also when one is missing: a
    single seed has no t-interval).

    With few seeds the percentile bootstrap is little wider than the range
    of the per-seed differences (3 seeds all drawn alike: 1 chance in 9),
    so it never decides alone: the t-interval over the seeds must agree.
    """
    if not intervals or any(i is None for i in intervals):
        return 'not established'
    if all(low > 0 for low, _ in intervals):
        return 'better'
    if all(high < 0 for _, high in intervals):
        return 'worse'
    return 'not established'


@dataclasses.dataclass
class PairStatistics:
    """What a pair's runs on one split say."""
    seeds: List[int]
    deltas: List[float]
    mean: Optional[float]
    bootstrap: Optional[Tuple[float, float]]
    t: Optional[Tuple[float, float]]
    verdict: str
    detectable: Optional[float]


def paired_runs(results: Results, pair: Pair,
                split: str) -> List[Tuple[RunRecord, RunRecord]]:
    """(method, baseline) runs of the same seed, both evaluated on
    ``split``."""
    baseline = {
        r.seed: r
        for r in results.runs
        if r.config == pair.baseline and getattr(r, split) is not None
    }
    return [(r, baseline[r.seed]) for r in sorted(
        results.runs, key=lambda r: r.seed)
            if r.config == pair.method and r.seed in baseline
            and getattr(r, split) is not None]


def counts_agree(split: SplitMetrics) -> bool:
    """Whether the split's per-image counts give its recorded mIoU (not
    so under ``nan_to_num``, which the bootstrap does not model)."""
    return split.intersect is not None and abs(
        split_miou(split) - split.mIoU) <= 0.01


def pair_statistics(results: Results, pair: Pair, split: str = 'val',
                    samples: int = BOOTSTRAP_SAMPLES) -> PairStatistics:
    """The pair's statistics on ``split``. The verdict needs the bootstrap
    interval and the t-interval to agree; runs without per-image counts
    (records of version 1), or whose counts do not give their mIoU, have
    no bootstrap, and the t-interval decides alone."""
    runs = paired_runs(results, pair, split)
    deltas = [
        round(getattr(m, split).mIoU - getattr(b, split).mIoU, 2)
        for m, b in runs
    ]
    splits = [(getattr(m, split), getattr(b, split)) for m, b in runs]
    bootstrap = None
    if runs and all(counts_agree(s) for p in splits for s in p):
        bootstrap = paired_bootstrap([m for m, _ in splits],
                                     [b for _, b in splits], samples)
    t = t_interval(deltas)
    return PairStatistics(
        seeds=[m.seed for m, _ in runs],
        deltas=deltas,
        mean=float(np.mean(deltas)) if deltas else None,
        bootstrap=bootstrap,
        t=t,
        verdict=verdict(*([bootstrap, t] if bootstrap else [t])),
        detectable=detectable_effect(deltas))
