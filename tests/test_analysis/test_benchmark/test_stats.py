# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The benchmark's statistics on synthetic results with known answers:
mIoU pooled from counts (as mmseg computes it), the paired bootstrap over
seeds and images, the t-interval, the detectable effect and the verdict."""
import numpy as np
import pytest
import torch
from mmseg.evaluation import IoUMetric

from mmseg_ctx.analysis.benchmark import (Pair, Results, RunRecord,
                                          SplitMetrics, detectable_effect,
                                          pair_statistics, paired_bootstrap,
                                          t_interval, verdict)
from mmseg_ctx.analysis.benchmark.stats import miou, split_miou

IMAGES = [f'{i:03d}.png' for i in range(40)]
CLASSES = 5


def split(intersect, union, images=IMAGES) -> SplitMetrics:
    intersect, union = np.asarray(intersect), np.asarray(union)
    value = float(miou(intersect.sum(0), union.sum(0)))
    return SplitMetrics(value, 0., 0., {}, list(images),
                        intersect.tolist(), union.tolist())


def fixed_iou(iou, seed=0) -> SplitMetrics:
    """Counts whose every image has class c's IoU ``iou[c]``: any draw of
    images gives the same mIoU."""
    rng = np.random.default_rng(seed)
    union = rng.integers(1, 50, len(IMAGES))[:, None] * 100 * np.ones(
        CLASSES, dtype=int)
    return split(union * np.asarray(iou), union)


def test_miou_is_mmsegs_from_the_summed_counts():
    rng = np.random.default_rng(0)
    union = rng.integers(0, 30, (len(IMAGES), CLASSES))
    union[:, 2] = 0  # a class never seen: left out
    intersect = (union * rng.uniform(0, 1, union.shape)).astype(int)
    ours = split_miou(split(intersect, union))
    mmseg = IoUMetric.total_area_to_metrics(
        torch.tensor(intersect.sum(0)), torch.tensor(union.sum(0)),
        torch.tensor(union.sum(0)), torch.tensor(union.sum(0)),
        ['mIoU'])['IoU']
    assert ours == pytest.approx(np.nanmean(mmseg) * 100)


def test_images_are_pooled_not_averaged():
    # one image right on 1 pixel, one wrong on 99: IoU 1 %, not 50 %
    pooled = split([[1], [0]], [[1], [99]], images=['a', 'b'])
    assert split_miou(pooled) == pytest.approx(1.0)


def test_bootstrap_constant_difference():
    """Every seed and every draw of images gives +10 mIoU: the interval is
    that point, the verdict 'better'."""
    method = [fixed_iou([.6, .7, .8, .5, .4], s) for s in range(3)]
    baseline = [fixed_iou([.5, .6, .7, .4, .3], s + 3) for s in range(3)]
    low, high = paired_bootstrap(method, baseline, samples=2000)
    assert (low, high) == pytest.approx((10., 10.))
    assert verdict((low, high)) == 'better'
    assert verdict((-high, -low)) == 'worse'
    # both intervals must agree
    assert verdict((low, high), (-1., 20.)) == 'not established'
    assert verdict((low, high), None) == 'not established'


def test_the_same_images_for_every_run():
    """Method and baseline with the same counts: whatever images are
    drawn, their difference is 0 (an image draw per run would not be)."""
    rng = np.random.default_rng(0)
    union = rng.integers(1, 100, (len(IMAGES), CLASSES))
    intersect = (union * rng.uniform(0, 1, union.shape)).astype(int)
    runs = [split(intersect, union)]
    assert paired_bootstrap(runs, runs, samples=500) == (0., 0.)


def test_bootstrap_pools_the_drawn_images():
    """One seed, two images of one class: a (1 of 1 pixel right) and b (0
    of 9). Drawing two images gives aa (1/4): IoU 100 %, ab (1/2): 1/10,
    not the 50 % of averaged IoUs, bb (1/4): 0; the baseline is 0. The
    central 40 % of the draws is ab's."""
    method = split([[1], [0]], [[1], [9]], images=['a', 'b'])
    baseline = split([[0], [0]], [[1], [9]], images=['a', 'b'])
    assert paired_bootstrap([method], [baseline], samples=4000,
                            confidence=0.4) == pytest.approx((10., 10.))
    assert paired_bootstrap([method], [baseline],
                            samples=4000) == pytest.approx((0., 100.))


def test_bootstrap_resamples_the_seeds():
    """Two seeds whose differences are +1 and +3 whatever the images:
    the mean of two seeds drawn with replacement is 1, 2 or 3 with
    chances 1/4, 1/2, 1/4, so the 95 % interval is [1, 3]."""
    base = [.5] * CLASSES
    method = [fixed_iou([.51] * CLASSES), fixed_iou([.53] * CLASSES, 1)]
    baseline = [fixed_iou(base, 2), fixed_iou(base, 3)]
    low, high = paired_bootstrap(method, baseline, samples=4000)
    assert (low, high) == pytest.approx((1., 3.))


def test_consistent_signs_are_not_enough():
    """Three seeds, all better but spread wide (+0.1, +0.7, +1.1, as the
    first CamVid suite measured MCIBI on FCN): the bootstrap over seeds is
    about their range, the t-interval holds 0, no verdict."""
    base = [.5] * CLASSES
    method = [fixed_iou([.5 + d / 100] * CLASSES, s)
              for s, d in enumerate((.1, .7, 1.1))]
    baseline = [fixed_iou(base, s + 3) for s in range(3)]
    boot = paired_bootstrap(method, baseline, samples=4000)
    assert boot == pytest.approx((.1, 1.1), abs=1e-6)
    t = t_interval([.1, .7, 1.1])
    assert t[0] < 0 < t[1]
    assert verdict(boot) == 'better' and verdict(boot, t) == \
        'not established'


def test_bootstrap_resamples_the_images():
    """One seed; the method is better on half the images and worse on the
    other half by the same counts: the interval holds 0 and is as wide as
    the images make it."""
    union = np.full((len(IMAGES), CLASSES), 100)
    base = union // 2
    swing = np.where(np.arange(len(IMAGES))[:, None] % 2 == 0, 20, -20)
    low, high = paired_bootstrap([split(base + swing, union)],
                                 [split(base, union)], samples=4000)
    assert low < -2 and high > 2
    assert verdict((low, high)) == 'not established'
    # the images are matched by name, not by position
    shuffled = split((base + swing)[::-1], union, images=IMAGES[::-1])
    assert paired_bootstrap([shuffled], [split(base, union)],
                            samples=4000) == pytest.approx((low, high))


def test_bootstrap_needs_the_same_images_and_runs():
    other = split(np.ones((2, CLASSES)), np.ones((2, CLASSES)), ['x', 'y'])
    with pytest.raises(ValueError, match='different images'):
        paired_bootstrap([fixed_iou([.5] * CLASSES)], [other])
    with pytest.raises(ValueError, match='2 method runs against 1'):
        paired_bootstrap([fixed_iou([.5] * CLASSES)] * 2,
                         [fixed_iou([.5] * CLASSES)])


def test_t_interval_and_detectable_effect():
    # mean 2, sd 1, n 3: t(0.975, 2) = 4.3027, t(0.8, 2) = 1.0607
    low, high = t_interval([1., 2., 3.])
    assert (low, high) == pytest.approx((2 - 4.3027 / 3**.5,
                                         2 + 4.3027 / 3**.5), abs=1e-3)
    assert detectable_effect([1., 2., 3.]) == pytest.approx(
        (4.3027 + 1.0607) / 3**.5, abs=1e-3)
    assert t_interval([1.]) is None and detectable_effect([1.]) is None
    assert verdict(None) == 'not established'


def record(config, seed, val) -> RunRecord:
    return RunRecord(config, seed, val, None, 10, None, 1, 1, [1, 3, 8, 8],
                     1., None, 'iter_10.pth', 'w', [[10, val.mIoU]])


def test_pair_statistics():
    """Seeds paired by number (a seed of the method alone is left out);
    the verdict from the bootstrap, or from the t-interval for records
    without counts (version 1)."""
    method = [fixed_iou([.6] * CLASSES, s) for s in range(3)]
    baseline = [fixed_iou([.5] * CLASSES, s) for s in range(2)]
    runs = [record('m', s, v) for s, v in enumerate(method)]
    runs += [record('b', s, v) for s, v in enumerate(baseline)]
    pair = Pair('p', 'm', 'b')
    results = Results([pair], [0, 1, 2], runs, {})
    stats = pair_statistics(results, pair, samples=500)
    assert stats.seeds == [0, 1] and stats.deltas == [10., 10.]
    assert stats.bootstrap == pytest.approx((10., 10.))
    assert stats.t == (10., 10.)
    assert stats.verdict == 'better' and stats.detectable == 0
    # counts that do not give the recorded mIoU (nan_to_num): no bootstrap
    runs[0].val.mIoU += 1
    assert pair_statistics(results, pair, samples=500).bootstrap is None
    runs[0].val.mIoU -= 1
    for run in runs:
        run.val.intersect = run.val.union = run.val.images = None
    stats = pair_statistics(results, pair)
    assert stats.bootstrap is None and stats.t == (10., 10.)
    assert stats.verdict == 'better'
    # no test split: nothing to say
    test = pair_statistics(results, pair, 'test')
    assert test.deltas == [] and test.mean is None
    assert test.verdict == 'not established'
