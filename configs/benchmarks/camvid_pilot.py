# The schedule pilot of the CamVid benchmark: the benchmark's FCN baseline
# at N = 100 epochs and at 2N, one seed. The suite's schedule is the
# smallest N whose longer twin gains under 1 mIoU on val (or, if that N is
# beyond the budget of about 6 hours a seed of the suite, the budget's N,
# the suite then said to be not converged). Run with
#   python tools/analysis_tools/benchmark.py \
#       configs/benchmarks/camvid_pilot.py --seeds 0 --amp \
#       --work-dir work_dirs/benchmark/camvid_pilot \
#       --out-dir benchmarks/camvid_pilot --no-timing
# Paths are relative to this file.
# The shorter schedule is the pair's "method" so that it trains first (the
# tool trains a pair's method before its baseline): the pair's difference
# is 100 less 200 epochs, a gain of the longer twin under 1 mIoU is a
# difference above -1.
suite = [
    dict(
        name='FCN, 100 against 200 epochs',
        method='../fcn/fcn_r18s-d8_1xb8-4600it_camvid-180x240.py',
        baseline='../fcn/fcn_r18s-d8_1xb8-9200it_camvid-180x240.py',
        differs=['param_scheduler', 'train_cfg.max_iters']),
]
