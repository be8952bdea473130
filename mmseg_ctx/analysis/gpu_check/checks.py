# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The checks of the GPU check and the sizes of each mode (CUDA, and the
CPU mode at tiny shapes)."""
import os.path as osp
import re
from typing import Dict, List

from .check import Check, python
from .resume import check_resume
from .training import METHODS, check_train, make_data

#: each mode's sizes: data, training, the resume check, the timed tools
MODES = {
    'cuda':
    dict(
        data=[],
        iters=200,
        log_interval=10,
        amp='AmpOptimWrapper',  # mmengine's, fp16 with loss scaling
        loss_falls=True,
        resume_iters=40,
        pytest=['tests/test_models', 'tests/test_engine',
                'tests/test_tools/test_speed_benchmark.py', '-m', 'cuda'],
        table3=['--dtypes', 'fp32', 'fp16', '--repeats', '20', '--warmup',
                '5'],
        speed=['--sizes', '1024x2048', '512x1024', '--dtypes', 'fp32', 'fp16',
               '--warmup', '5', '--iters', '20', '--models',
               'Fast-SCNN (mmseg)', 'ContextNet cn14'],
        memory=['--shapes', 'ade20k', 'cityscapes-k19', '--repeats', '5'],
        # the CamVid benchmark's shape; DUpsampling's basis needs CamVid
        cost=['--pairs', 'MCIBI (FCN)', 'MCIBI (PSPNet)', 'EncNet',
              'ContextNet', '--repeats', '5']),
    'cpu':
    dict(
        data=['--num-train', '8', '--num-val', '2'],
        iters=4,
        log_interval=1,
        # ours, bf16; fp32 (no --amp) on a CPU without native bf16, where
        # --amp refuses and emulated bf16 trains 20 times slower
        amp='CPUAmpOptimWrapper',
        loss_falls=False,  # in 4 iterations
        resume_iters=4,
        pytest=['tests/test_models/test_utils/test_sdpa_attention.py',
                '-m', 'not cuda'],
        table3=['--size', '8', '--channels', '32', '--num-classes', '5',
                '--dtypes', 'fp32', 'bf16', '--repeats', '2', '--warmup',
                '1'],
        speed=['--sizes', '64x128', '--dtypes', 'fp32', '--warmup', '1',
               '--iters', '2', '--models', 'Fast-SCNN (mmseg)',
               'ContextNet cn14'],
        memory=['--shapes', 'demo', '--repeats', '1', '--no-models'],
        cost=['--pairs', 'EncNet', '--crop', '32', '48', '--batch', '2',
              '--repeats', '1', '--encoding', '2', '16', '8', '8', '4']),
}


def check_pytest(check: Check, mode: Dict, work: str) -> None:
    """The suite's device cases (``-m cuda`` on a GPU)."""
    junit = osp.join(work, 'pytest.xml')
    try:
        output = check.call(
            python() + ['-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                        f'--junitxml={junit}', *mode['pytest']], 300)
    finally:
        if osp.exists(junit):
            with open(junit, encoding='utf-8') as f:
                head = f.read(2000)
            counts = dict(
                re.findall(r'(tests|failures|errors|skipped)="(\d+)"', head))
            check.result['details'].update(
                {k: int(v) for k, v in counts.items()})
    summary = output.strip().splitlines()[-1]
    check.result['summary'] = summary
    details = check.result['details']
    if not details.get('tests'):
        check.fail('no test collected')
    if details.get('skipped'):
        check.fail(f'{details["skipped"]} tests skipped: not checked here')


def check_tool(check: Check, work: str, script: str, args: List[str],
               timeout: float) -> None:
    """One of our table tools, its markdown table in the report."""
    out = osp.join(work, f'{check.name}.md')
    check.call(python() + [script, *args, '--out', out], timeout)
    with open(out, encoding='utf-8') as f:
        check.result['table'] = f.read()
    check.result['summary'] = 'table written'
    if re.search(r'\bnan\b', check.result['table']):
        check.fail('the table has NaN entries (see the log)')


#: name -> (function(check, mode, work), phase): phase 0 runs first and
#: alone, phase 1 in parallel (no timing), phase 2 one after another
#: (timing)
CHECKS: Dict[str, tuple] = {
    'data': (make_data, 0),
    'pytest': (check_pytest, 1),
    **{
        f'train_{method}':
        (lambda c, m, w, method=method: check_train(c, m, w, method), 1)
        for method in METHODS
    },
    'resume': (check_resume, 1),
    'table3': (lambda c, m, w: check_tool(
        c, w, 'tools/analysis_tools/context_complexity.py', m['table3'],
        240), 2),
    'contextnet_speed': (lambda c, m, w: check_tool(
        c, w, 'tools/analysis_tools/speed_benchmark.py', m['speed'], 240), 2),
    'memory_update_cost': (lambda c, m, w: check_tool(
        c, w, 'tools/analysis_tools/memory_update_cost.py', m['memory'],
        240), 2),
    'training_cost': (lambda c, m, w: check_tool(
        c, w, 'tools/analysis_tools/training_cost.py', m['cost'], 240), 2),
}
