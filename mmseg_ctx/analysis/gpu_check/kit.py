# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The kit: the stack's pure-Python wheels and mmcv's source downloaded
where there is network, installed from that folder alone where there is
none."""
import glob
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, Optional

from .check import ROOT, Check, python

#: the pure-Python wheels the GPU machine lacks (its image has torch,
#: numpy, opencv, matplotlib, scipy, pytest, ...), pinned as ``make
#: install`` pins them; setuptools < 80 for mmcv's setup.py and mmengine's
#: ``pkg_resources``
WHEELS = ('mmengine==0.10.7', 'mmsegmentation==1.2.2', 'addict==2.4.0',
          'yapf==0.43.0', 'platformdirs==4.14.9', 'termcolor==3.3.0',
          'ftfy==6.3.1', 'wcwidth==0.9.4', 'prettytable==3.19.0',
          'setuptools==79.0.1')
MMCV = 'mmcv==2.1.0'
#: what pip matches a manylinux wheel against
PLATFORMS = ('manylinux_2_28_x86_64', 'manylinux_2_17_x86_64',
             'manylinux2014_x86_64', 'manylinux1_x86_64')


def pip(python: str, *args: str, env: Optional[Dict] = None) -> None:
    """``python -m pip ARGS``; a failure raises."""
    subprocess.run([python, '-m', 'pip', *args], check=True, env=env)


def prepare(kit: str, python_version: str, limit_mib: float) -> Dict:
    """Download the wheels and mmcv's source distribution into ``kit``;
    returns the kit's manifest (file -> bytes), refused above the limit.
    mmcv's metadata is built with this interpreter's torch (pip prepares it
    while downloading)."""
    os.makedirs(kit, exist_ok=True)
    for name in os.listdir(kit):  # one version of each package
        if name.endswith(('.whl', '.tar.gz')):
            os.remove(osp.join(kit, name))
    platforms = [arg for p in PLATFORMS for arg in ('--platform', p)]
    pip(sys.executable, 'download', '--no-deps', '--only-binary=:all:',
        '--python-version', python_version, '--implementation', 'cp',
        *platforms, '-d', kit, *WHEELS)
    pip(sys.executable, 'download', '--no-deps', '--no-binary=:all:',
        '--no-build-isolation', '-d', kit, MMCV)
    manifest = {
        name: osp.getsize(osp.join(kit, name))
        for name in sorted(os.listdir(kit))
    }
    total = sum(manifest.values()) / 2**20
    if total > limit_mib:
        raise SystemExit(f'the kit {kit} holds {total:.1f} MiB, above the '
                         f'limit of {limit_mib} MiB: {manifest}')
    print(f'kit: {kit}, {len(manifest)} files, {total:.1f} MiB')
    return manifest


def site_env(site: Optional[str]) -> Dict:
    """The checks' environment: the kit's site and the repository first on
    the path, output unbuffered."""
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    paths = [site] if site else []
    paths += [ROOT] + [p for p in env.get('PYTHONPATH', '').split(':') if p]
    env['PYTHONPATH'] = ':'.join(paths)
    return env


def stack_imports(env: Dict) -> bool:
    """Whether mmengine, mmseg and mmcv's ops import in ``env``."""
    proc = subprocess.run(
        [sys.executable, '-c', 'import mmcv.ops, mmseg, mmengine'],
        env=env, capture_output=True)
    return proc.returncode == 0


def install(check: Check, kit: str, site: str) -> None:
    """The kit into ``site``: the wheels as they are, mmcv built from its
    source against this machine's torch with its C++ ops only (the GPU
    hidden from its setup.py, which would build CUDA ops otherwise), then
    mmseg_ctx imported."""
    details = check.result['details']
    if stack_imports(check.env):
        details['installed'] = 'already importable; nothing installed'
    else:
        wheels = sorted(glob.glob(osp.join(kit, '*.whl')))
        sdists = sorted(glob.glob(osp.join(kit, 'mmcv-*.tar.gz')))
        if not wheels or not sdists:
            raise RuntimeError(f'no kit at {kit}: run `prepare` first')
        pip_install = python() + [
            '-m', 'pip', 'install', '-q', '--no-index', '--no-deps',
            '--no-compile', '--no-cache-dir', '--upgrade', '--target', site
        ]
        check.call(pip_install + wheels, 120)
        start = time.time()
        check.call(
            pip_install + ['--no-build-isolation', sdists[0]], 900,
            dict(MMCV_WITH_OPS='1', FORCE_CUDA='0', CUDA_VISIBLE_DEVICES='',
                 MAX_JOBS=str(os.cpu_count() or 2)))
        details['mmcv_build_seconds'] = round(time.time() - start)
        details['installed'] = (
            f'{len(wheels)} wheels; mmcv from source with C++ ops only '
            '(no CUDA ops: not needed by mmseg_ctx, and their build does '
            'not fit a lease)')
    output = check.call(python() + ['-c', (
        'import torch, mmcv, mmengine, mmseg, mmseg_ctx, mmcv.ops; '
        'print(torch.__version__, torch.version.cuda, mmcv.__version__, '
        'mmengine.__version__, mmseg.__version__)')], 120)
    versions = output.split()
    details['versions'] = dict(
        zip(('torch', 'cuda', 'mmcv', 'mmengine', 'mmseg'), versions))
    check.result['summary'] = details['installed']
