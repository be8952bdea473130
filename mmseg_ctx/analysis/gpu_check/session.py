# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""One run of the checks: the install, the phases within their deadlines,
the report (``report.md``, ``report.json``, ``logs.tar.gz``)."""
import argparse
import concurrent.futures
import json
import os
import os.path as osp
import platform
import shutil
import sys
import tarfile
import time
from typing import Dict, Tuple

from .check import run_check
from .checks import CHECKS, MODES
from .kit import install, site_env
from .training import cpu_has_bf16


def device_info() -> Dict:
    """Python, torch, CUDA and the CPUs, and the GPU or the CPU's name."""
    import torch
    info = dict(
        python=platform.python_version(),
        torch=torch.__version__,
        cuda=torch.version.cuda,
        cpus=os.cpu_count())
    if torch.cuda.is_available():
        info['gpu'] = torch.cuda.get_device_name(0)
    else:
        info['cpu'] = platform.processor() or platform.machine()
    return info


def markdown_report(report: Dict) -> str:
    """The report: the device, a row for each check, then the checks'
    tables."""
    info = report['device']
    where = info.get('gpu') or info.get('cpu')
    lines = [
        f'# GPU check, {report["date"]}', '',
        f'Mode **{report["mode"]}** on {where} ({info["cpus"]} CPUs), '
        f'Python {info["python"]}, torch {info["torch"]} (CUDA '
        f'{info["cuda"]}); {report["seconds"]:.0f} s of a '
        f'{report["budget"]:.0f} s budget.', '',
        '| check | status | seconds | summary |', '|---|---|---:|---|'
    ]
    for result in report['checks']:
        text = result.get('summary') or result.get('error', '')
        if result.get('failures'):
            text += '; ' + '; '.join(result['failures'])
        text = text.replace('|', '/').replace('\n', ' ')
        lines.append(f'| {result["name"]} | {result["status"]} | '
                     f'{result.get("seconds", 0):.0f} | {text} |')
    for result in report['checks']:
        if result.get('table'):
            lines += ['', f'## {result["name"]}', '', result['table'].strip()]
    return '\n'.join(lines) + '\n'


def deadlines(start: float, budget: float, reserve: float,
              timed: bool) -> Tuple[float, float]:
    """When the untimed checks (install and phases 0 and 1) and the timed
    ones (phase 2) must end: all by ``start + budget``, the untimed ones
    ``reserve`` seconds sooner where timed checks follow, so that a slow
    install or training cannot leave the tables no time."""
    end = start + budget
    return (end - reserve if timed else end), end


def run(args: argparse.Namespace) -> Dict:
    """``gpu_check.py run``: install from ``args.kit`` (if given), run the
    checks of ``args.checks`` by phase within their deadlines, write the
    report into ``args.out``; the report."""
    start = time.time()
    selected = [name for name in CHECKS if name in args.checks]
    by_phase = lambda p: [n for n in selected if CHECKS[n][1] == p]  # noqa
    deadline, timed_deadline = deadlines(start, args.budget,
                                         args.timed_reserve,
                                         bool(by_phase(2)))
    out = osp.abspath(args.out)
    work = osp.join(out, 'work')
    os.makedirs(osp.join(out, 'logs'), exist_ok=True)
    os.makedirs(work, exist_ok=True)
    site = osp.abspath(args.site) if args.kit else None
    env = site_env(site)
    if site:  # checkpoints hold mmengine's objects
        sys.path.insert(0, site)
    results = []
    if args.kit:
        results.append(
            run_check('install', lambda c, m, w: install(
                c, osp.abspath(args.kit), osp.abspath(args.site)), {}, work,
                out, env, deadline))
    mode_name = args.mode
    if mode_name == 'auto':
        import torch
        mode_name = 'cuda' if torch.cuda.is_available() else 'cpu'
    mode = MODES[mode_name]
    if mode_name == 'cpu' and not cpu_has_bf16():
        mode = dict(mode, amp='OptimWrapper')  # fp32
    for name in by_phase(0):
        results.append(
            run_check(name, CHECKS[name][0], mode, work, out, env, deadline))
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [
            pool.submit(run_check, name, CHECKS[name][0], mode, work, out,
                        env, deadline) for name in by_phase(1)
        ]
        results += [future.result() for future in futures]
    for name in by_phase(2):
        results.append(
            run_check(name, CHECKS[name][0], mode, work, out, env,
                      timed_deadline))
    report = dict(
        date=time.strftime('%Y-%m-%d'),
        mode=mode_name,
        device=device_info(),
        budget=args.budget,
        seconds=time.time() - start,
        checks=results)
    with open(osp.join(out, 'report.json'), 'w', encoding='utf-8') as f:
        json.dump(report, f, indent=1)
    with open(osp.join(out, 'report.md'), 'w', encoding='utf-8') as f:
        f.write(markdown_report(report))
    with tarfile.open(osp.join(out, 'logs.tar.gz'), 'w:gz') as tar:
        tar.add(osp.join(out, 'logs'), arcname='logs')
    if not args.keep_work:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(osp.join(out, 'logs'), ignore_errors=True)
    print(markdown_report(report))
    return report
