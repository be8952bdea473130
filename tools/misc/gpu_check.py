# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The GPU check: install the stack on a bare CUDA machine without network
and measure what only a GPU can tell, in one shot.

Two steps (``make gpu-check`` runs both where there is network):

``prepare`` (here, with the network) downloads into one folder (the kit,
``.gpu_kit/`` by default, git-ignored) the pure-Python wheels of the stack
for the target Python (3.12 by default) and mmcv 2.1.0's source
distribution, and refuses a kit above ``--limit-mib`` (40).

``run`` (there) installs from the kit only, into ``--site`` (wheels as they
are; mmcv built from source against the machine's own torch, with its C++
ops and without CUDA ops, which none of our methods uses and whose build
does not fit the time of a lease), unless mmseg and mmcv's ops already
import; then it runs the checks of :data:`CHECKS`, each in its own
processes with its own time limit and all within ``--budget`` seconds, of
which the timed checks, last, keep ``--timed-reserve``; a check that
fails, errs or runs out of time is reported and never stops the others.
It writes ``report.md``, ``report.json`` and ``logs.tar.gz`` (each check's
output) into ``--out``.

On a machine without CUDA, ``run`` is the CPU mode: the same checks at tiny
shapes and a few iterations, AMP in bf16 (``make test`` runs it), so that
the kit cannot rot between the rare times a GPU is at hand.

This script is the one tool that does not import ``mmseg_ctx``: it must run
before mmengine, mmcv and mmseg are installed, so it loads its library,
:mod:`mmseg_ctx.analysis.gpu_check` (the standard library only), from its
folder; the checks it starts use our tools, which do.

Example::

    python tools/misc/gpu_check.py prepare                  # with network
    python tools/misc/gpu_check.py run --out gpu_report     # on the GPU
"""
import argparse
import importlib.util
import os.path as osp
import sys
from types import ModuleType

#: the library's folder in this repository (``tools/`` may be a link)
LIBRARY = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.realpath(__file__)))),
    'mmseg_ctx', 'analysis', 'gpu_check')


def load_library() -> ModuleType:
    """:mod:`mmseg_ctx.analysis.gpu_check` from its folder, without the
    ``mmseg_ctx`` package, which imports the stack this tool installs."""
    spec = importlib.util.spec_from_file_location(
        'mmseg_ctx_gpu_check', osp.join(LIBRARY, '__init__.py'),
        submodule_search_locations=[LIBRARY])
    library = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = library  # where its relative imports look
    spec.loader.exec_module(library)
    return library


gpu_check = load_library()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    steps = parser.add_subparsers(dest='step', required=True)
    prep = steps.add_parser('prepare', help='download the kit (network)')
    prep.add_argument('--kit', default='.gpu_kit', help='kit folder')
    prep.add_argument(
        '--python-version', default='3.12', help="the GPU machine's Python")
    prep.add_argument(
        '--limit-mib', type=float, default=40, help='largest kit')
    go = steps.add_parser('run', help='install from the kit, run the checks')
    go.add_argument(
        '--kit', help='kit folder to install from (none: the stack is '
        'already installed)')
    go.add_argument(
        '--site', default='/tmp/mmseg_ctx_site', help='install target')
    go.add_argument('--out', default='work_dirs/gpu_check', help='report')
    go.add_argument(
        '--budget', type=float, default=480, help='seconds for everything')
    go.add_argument(
        '--timed-reserve', type=float, default=160,
        help='seconds of the budget kept for the timed checks')
    go.add_argument(
        '--jobs', type=int, default=8, help='checks of phase 1 at once')
    go.add_argument(
        '--mode', choices=('auto', 'cuda', 'cpu'), default='auto',
        help='auto: cuda where torch sees a GPU, else the CPU mode')
    go.add_argument(
        '--checks', nargs='+', default=list(gpu_check.CHECKS),
        choices=list(gpu_check.CHECKS))
    go.add_argument(
        '--keep-work', action='store_true',
        help='keep the trainings and logs beside the report')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.step == 'prepare':
        gpu_check.prepare(args.kit, args.python_version, args.limit_mib)
        return
    report = gpu_check.run(args)
    bad = [c['name'] for c in report['checks'] if c['status'] != 'pass']
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
