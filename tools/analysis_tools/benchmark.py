# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Benchmark (method, baseline) config pairs over seeds with the stock
Runner, and report what their paired differences say.

A suite is a python file holding a list ``suite`` of ``dict(name=...,
method=CONFIG, baseline=CONFIG, differs=[KEY, ...], claim=TEXT)`` (paths
relative to its folder; see :mod:`mmseg_ctx.analysis.benchmark.suite`);
``--pair NAME METHOD BASELINE`` adds pairs on the command line. Every
(config, seed) trains in ``{work_dir}/{config name}/seed{S}`` and is then
evaluated on val (and test, where its images exist apart from val's;
reported, never used to choose anything). ``{out_dir}/results.json``
(versioned, :mod:`mmseg_ctx.analysis.benchmark.records`), ``report.md``
(mean ± std, paired differences with bootstrap and t intervals, verdicts,
detectable effects), ``curves.png`` and ``per_class.png`` follow. The
benchmark resumes: run it again after a kill.

Example::

    python tools/analysis_tools/benchmark.py configs/benchmarks/camvid.py \\
        --work-dir work_dirs/benchmark/camvid --out-dir benchmarks/camvid
    python tools/analysis_tools/benchmark.py --out-dir benchmarks/camvid \\
        --report-only
"""
import argparse
import signal
import sys

from mmseg_ctx.analysis.benchmark import (Benchmark, BenchmarkError, Options,
                                          RecordError, SuiteError, load_suite,
                                          report_only)
from mmseg_ctx.analysis.benchmark.orchestrator import TIMING_ITERS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('suite', nargs='?', help='suite file')
    parser.add_argument(
        '--pair',
        nargs=3,
        action='append',
        default=[],
        metavar=('NAME', 'METHOD', 'BASELINE'),
        help='a pair of configs (repeatable), beside or instead of SUITE')
    parser.add_argument('--work-dir', help='runs go to WORK_DIR/CONFIG/seedS')
    parser.add_argument(
        '--out-dir', required=True,
        help='results.json, report.md and the plots')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='applied to every config, as in tools/train.py')
    parser.add_argument(
        '--amp', action='store_true',
        help='train with tools/train.py --amp (bf16 on a CPU)')
    parser.add_argument(
        '--channels-last', action='store_true',
        help='train with tools/train.py --channels-last')
    parser.add_argument(
        '--timing-iters',
        type=int,
        help=f'timed steps of each config (default {TIMING_ITERS}); given, '
        'the timing pass runs even if it is recorded')
    parser.add_argument(
        '--no-timing', action='store_true', help='skip the timing pass')
    parser.add_argument(
        '--report-only',
        action='store_true',
        help='rebuild the report from OUT_DIR/results.json, train nothing')
    parser.add_argument(
        '--gpus',
        type=int,
        default=1,
        help='processes per run (one per GPU; gloo processes without an '
        'accelerator), as tools/dist_train.sh CONFIG GPUS')
    args = parser.parse_args()
    if not args.report_only and (args.work_dir is None
                                 or not (args.suite or args.pair)):
        parser.error('a suite (SUITE or --pair) and --work-dir are '
                     'required, unless --report-only')
    return args


def main() -> None:
    args = parse_args()
    try:
        if args.report_only:
            print(report_only(args.out_dir))
            return
        # a kill ends the child run too (on the way out of child())
        signal.signal(signal.SIGTERM,
                      lambda signum, _: sys.exit(128 + signum))
        benchmark = Benchmark(
            load_suite(args.suite, args.pair),
            Options(
                work_dir=args.work_dir,
                out_dir=args.out_dir,
                seeds=args.seeds,
                cfg_options=args.cfg_options,
                gpus=args.gpus,
                amp=args.amp,
                channels_last=args.channels_last,
                timing_iters=args.timing_iters,
                no_timing=args.no_timing))
        failed = benchmark()
    except (BenchmarkError, RecordError, SuiteError) as error:
        raise SystemExit(f'[benchmark] {error}') from None
    if failed:
        raise SystemExit(f'[benchmark] failed: {", ".join(failed)}; '
                         'run again to retry them')


if __name__ == '__main__':
    main()
