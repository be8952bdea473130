# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The benchmark of ``tools/analysis_tools/benchmark.py``: (method,
baseline) config pairs trained over seeds with the stock Runner, and what
their paired differences say.

- :mod:`.suite`: the pairs, their configs and the keys each pair is about;
- :mod:`.orchestrator`: validation, resume and skip, the timing pass;
- :mod:`.processes`: the work dir's lock, children that die with the tool;
- :mod:`.run` and :mod:`.speed`: the children (``python -m``), one run and
  the timing pass;
- :mod:`.records`: the typed, versioned records;
- :mod:`.stats`: paired bootstrap, t-interval, verdict, detectable effect;
- :mod:`.report` and :mod:`.plots`: ``report.md`` and its plots.
"""
from .orchestrator import Benchmark, Options, report_only
from .processes import BenchmarkError
from .records import (SCHEMA_VERSION, Pair, RecordError, Results, RunRecord,
                      SplitMetrics, Timing, read_results, read_run)
from .stats import (PairStatistics, detectable_effect, pair_statistics,
                    paired_bootstrap, t_interval, verdict)
from .suite import (SuiteError, check_pairs, config_differences, load_configs,
                    load_suite, undeclared_differences)

__all__ = [
    'Benchmark', 'BenchmarkError', 'Options', 'Pair', 'PairStatistics',
    'RecordError', 'Results', 'RunRecord', 'SCHEMA_VERSION', 'SplitMetrics',
    'SuiteError', 'Timing', 'check_pairs', 'config_differences',
    'detectable_effect', 'load_configs', 'load_suite', 'pair_statistics',
    'paired_bootstrap', 'read_results', 'read_run', 'report_only',
    't_interval', 'undeclared_differences', 'verdict'
]
