# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The report's pair tables: the statistics of each pair on val, and on
test for the pairs whose runs both have it, with the paper's claim."""
from mmseg_ctx.analysis.benchmark import (Pair, Results, RunRecord,
                                          SplitMetrics, pair_statistics)
from mmseg_ctx.analysis.benchmark.report import markdown_report

IMAGES = ['a.png', 'b.png', 'c.png']


def split(iou: float) -> SplitMetrics:
    union = [[100, 100]] * 3
    intersect = [[round(100 * iou)] * 2] * 3
    return SplitMetrics(iou * 100, 0., 0., {'x': iou * 100, 'y': None},
                        IMAGES, intersect, union)


def run(config: str, seed: int, iou: float, test: bool) -> RunRecord:
    return RunRecord(config, seed, split(iou), split(iou) if test else None,
                     4, None, 1, 1, [1, 3, 8, 8], 1., None, 'iter_4.pth',
                     'w', [[4, iou * 100]])


def row(text: str, start: str) -> list:
    line = next(line for line in text.splitlines() if line.startswith(start))
    return [cell.strip() for cell in line.strip('|').split('|')]


def test_pair_tables():
    pairs = [
        Pair('with test', 'm.py', 'b.py', ('model', ), 'Table 1: +5'),
        Pair('val only', 'n.py', 'b.py', ('model', ))
    ]
    runs = []
    for seed, (m, n, b) in enumerate([(.55, .40, .50), (.57, .41, .50),
                                      (.56, .39, .50)]):
        runs += [run('m.py', seed, m, True), run('n.py', seed, n, False),
                 run('b.py', seed, b, True)]
    results = Results(pairs, [0, 1, 2], runs, {})
    report = markdown_report(results)
    val = report.split('## Pairs')[1]
    stats = pair_statistics(results, pairs[0])
    cells = row(val, '| with test |')
    assert cells[3:6] == ['+5.00, +7.00, +6.00', '+6.00 ± 1.00', '3/3']
    assert cells[6] == '[{:+.2f}, {:+.2f}]'.format(*stats.bootstrap)
    assert cells[7] == '[{:+.2f}, {:+.2f}]'.format(*stats.t)
    assert cells[8:] == ['**better**', f'{stats.detectable:.2f}',
                         'Table 1: +5']
    assert row(val, '| val only |')[5:9:3] == ['0/3', '**worse**']
    test = report.split('## Test split')[1]
    assert row(test, '| with test |')[4] == '+6.00 ± 1.00'
    assert '| val only |' not in test
    configs = report.split('## Configs')[1]
    assert row(configs, '| m |')[1:3] == ['3', '56.00 ± 1.00']
