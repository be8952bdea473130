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
before mmengine, mmcv and mmseg are installed; the checks it starts use our
tools, which do.

Example::

    python tools/misc/gpu_check.py prepare                  # with network
    python tools/misc/gpu_check.py run --out gpu_report     # on the GPU
"""
import argparse
import concurrent.futures
import glob
import json
import math
import os
import os.path as osp
import platform
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from typing import Callable, Dict, List, Optional, Tuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
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
#: the demo configs of each method (ContextShapes, 128 x 128 crops)
METHODS = {
    'MCIBI':
    'configs/mcibi/mcibi-fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'EncNet':
    'configs/encnet/encnet-se3_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'PSPNet':
    'configs/pspnet/'
    'pspnet-b1236-avg-dr_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'ContextNet':
    'configs/contextnet/contextnet_cn14_1xb8-300it_context-shapes-128x128.py',
    'DUpsampling':
    'configs/dupsampling/'
    'dupsampling_r18s-d8_1xb8-300it_context-shapes-128x128.py',
}
#: DUpsampling's label basis, as its config's comment computes it
BASIS = dict(ratio='8', channels='64')
#: the demo configs' length
DEMO_ITERS = 300

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


def pip(python: str, *args: str, env: Optional[Dict] = None) -> None:
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


class Check:
    """One check's processes, output and verdict."""

    def __init__(self, name: str, out: str, env: Dict,
                 deadline: float) -> None:
        self.name = name
        self.env = env
        self.deadline = deadline
        self.log_path = osp.join(out, 'logs', f'{name}.log')
        self.lock = threading.Lock()  # calls of one check may run at once
        self.result = dict(name=name, status='pass', details={}, table='')

    def call(self, cmd: List[str], timeout: float,
             env: Optional[Dict] = None) -> str:
        """Run ``cmd`` in the repository with at most ``timeout`` seconds
        (less where the budget ends sooner); its output goes to the log and
        is returned. A non-zero exit raises."""
        name = ' '.join(cmd[2:4])
        limit = min(timeout, self.deadline - time.time())
        if limit < 5:
            raise TimeoutError(f'no time left in the budget for {name}')
        # a session of its own: a timeout stops its children too (data
        # loader workers, ranks), which would skew the timed checks
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env={**self.env, **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=limit)
            end = f'[exit {proc.returncode}]'
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
            end = f'[killed after {limit:.0f} s]'
        with self.lock, open(self.log_path, 'a', encoding='utf-8') as log:
            log.write(f'$ {" ".join(cmd)}\n{output}\n{end}\n')
        if end.startswith('[killed'):
            raise TimeoutError(f'{name} ran past {limit:.0f} s')
        if proc.returncode:
            tail = ' / '.join(output.strip().splitlines()[-3:])
            raise RuntimeError(
                f'{name} exited with {proc.returncode}: {tail}')
        return output

    def fail(self, reason: str) -> None:
        """Mark the check failed, with ``reason``; it goes on."""
        self.result['status'] = 'fail'
        self.result.setdefault('failures', []).append(reason)


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (what ``--amp`` needs on a
    CPU), asked of the installed torch."""
    import torch
    return torch.ops.mkldnn._is_mkldnn_bf16_supported()


def python() -> List[str]:
    return [sys.executable, '-u']


def loss_curve(work_dir: str) -> List[float]:
    """The logged training losses of the newest run in ``work_dir``."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json')))
    losses = []
    with open(logs[-1], encoding='utf-8') as f:
        for line in f:
            record = json.loads(line)
            if 'loss' in record:
                losses.append(float(record['loss']))
    return losses


def test_miou(output: str) -> float:
    """mIoU from the metrics line of mmseg's test loop."""
    found = re.findall(r'mIoU:\s*([-+.\d]+|nan)', output)
    if not found:
        raise RuntimeError('no mIoU in the test output')
    if not math.isfinite(float(found[-1])):
        raise RuntimeError(f'the test mIoU is {found[-1]}')
    return float(found[-1])


def load_checkpoint(path: str) -> Dict:
    """A checkpoint this run wrote itself (so it is trusted)."""
    import torch
    return torch.load(path, map_location='cpu', weights_only=False)


def method_config(work: str,
                  method: str,
                  tag: str,
                  iters: int = DEMO_ITERS,
                  val_interval: Optional[int] = None) -> str:
    """The method's demo config on the check's own data (and label basis),
    ``iters`` long, validated every ``val_interval`` (default: at the end):
    a config in ``work``, a file for each ``tag``, that inherits it, so
    that nothing is read from or written to the repository's ``data/`` and
    ``bases/``.
    A shorter run gets the demo's schedule scaled to its length (warm-up
    for a twelfth, then poly decay)."""
    path = osp.join(work, 'configs', f'{method}_{tag}.py')
    data = osp.join(work, 'context_shapes')
    lines = [f'_base_ = [{osp.join(ROOT, METHODS[method])!r}]']
    lines += [
        f'{loader} = dict(dataset=dict(data_root={data!r}))'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ]
    if method == 'DUpsampling':
        basis = osp.join(work, 'basis.pth')
        lines.append(f'model = dict(decode_head=dict(basis_file={basis!r}))')
    if iters != DEMO_ITERS:
        warmup = max(1, iters // 12)
        lines.append(
            "param_scheduler = [dict(type='LinearLR', start_factor=0.1, "
            f"begin=0, end={warmup}, by_epoch=False), dict(type='PolyLR', "
            f"eta_min=1e-4, power=0.9, begin={warmup}, end={iters}, "
            'by_epoch=False)]')
    lines.append(f'train_cfg = dict(max_iters={iters}, '
                 f'val_interval={val_interval or iters})')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def optim_wrapper_type(work_dir: str, cfg: str) -> str:
    """The optim wrapper a training used, from the config the Runner
    wrote into its work_dir."""
    from mmengine.config import Config
    dumped = osp.join(work_dir, osp.basename(cfg))
    return Config.fromfile(
        dumped, import_custom_modules=False).optim_wrapper.type


def train_cmd(cfg: str, work_dir: str, mode: Dict, checkpoint_interval: int,
              options: List[str] = ()) -> List[str]:
    cmd = python() + [
        'tools/train.py', cfg, '--work-dir', work_dir, '--cfg-options',
        f'default_hooks.logger.interval={mode["log_interval"]}',
        f'default_hooks.checkpoint.interval={checkpoint_interval}', *options
    ]
    return cmd if mode['amp'] == 'OptimWrapper' else cmd + ['--amp']


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


def check_train(check: Check, mode: Dict, work: str, method: str) -> None:
    """The method's demo config trained with ``--amp`` (fp16 on a GPU,
    bf16 on a CPU; fp32 on a CPU without native bf16): finite losses that
    fall, the AMP wrapper of the device, the MCIBI memory in fp32, then
    tools/test.py on the checkpoint."""
    cfg = method_config(work, method, 'train', mode['iters'])
    work_dir = osp.join(work, f'train_{method}')
    check.call(train_cmd(cfg, work_dir, mode, mode['iters']), 900)
    losses = loss_curve(work_dir)
    details = check.result['details']
    tenth = max(1, len(losses) // 10)
    first = sum(losses[:tenth]) / tenth
    last = sum(losses[-tenth:]) / tenth
    details.update(losses=len(losses), first_loss=first, last_loss=last)
    if not all(math.isfinite(v) for v in losses):
        check.fail(f'non-finite losses: {losses}')
    if mode['loss_falls'] and not last < first:
        check.fail(f'loss did not fall: {first:.4f} -> {last:.4f}')
    checkpoint_path = osp.join(work_dir, f'iter_{mode["iters"]}.pth')
    checkpoint = load_checkpoint(checkpoint_path)
    details['optim_wrapper'] = optim_wrapper_type(work_dir, cfg)
    details['loss_scaler'] = 'loss_scaler' in checkpoint['optimizer']
    if details['optim_wrapper'] != mode['amp']:
        check.fail(f'trained with {details["optim_wrapper"]}, not '
                   f'{mode["amp"]}')
    if mode['amp'] == 'AmpOptimWrapper' and not details['loss_scaler']:
        check.fail('no loss scaler in the checkpoint: fp16 AMP was not on')
    memories = {
        k: str(v.dtype)
        for k, v in checkpoint['state_dict'].items() if k.endswith('.memory')
    }
    details['memory_dtypes'] = memories
    if method == 'MCIBI' and set(memories.values()) != {'torch.float32'}:
        check.fail(f'the MCIBI memory is not fp32: {memories}')
    output = check.call(
        python() + ['tools/test.py', cfg, checkpoint_path, '--work-dir',
                    osp.join(work_dir, 'test')], 300)
    details['test_mIoU'] = test_miou(output)
    check.result['summary'] = (
        f'{len(losses)} logged losses {first:.3f} -> {last:.3f}, '
        f'{details["optim_wrapper"]}, test mIoU {details["test_mIoU"]:.2f}')


def leaf_difference(x, y) -> float:
    """Largest absolute difference of two tensors (NaN equal to NaN, a NaN
    against a number infinite), 0 or ``inf`` for other values."""
    import torch
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        if isinstance(x, torch.Tensor) or isinstance(y, torch.Tensor):
            return math.inf
        return 0.0 if x == y else math.inf
    if x.shape != y.shape or x.dtype != y.dtype:
        return math.inf
    if not x.numel():
        return 0.0
    x, y = x.double(), y.double()
    same = (x == y) | (x.isnan() & y.isnan())
    difference = (x - y).abs().nan_to_num(math.inf)
    return difference.masked_fill(same, 0).max().item()


def max_difference(a, b, prefix: str = '') -> Dict[str, float]:
    """The largest difference of every leaf of two nested states (dicts,
    lists, tensors, numbers), by its dotted name; ``inf`` where keys,
    shapes, dtypes or values differ but cannot be subtracted."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b), key=str)
        pairs = [(k, a.get(k), b.get(k)) for k in keys]
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return {prefix.rstrip('.'): math.inf}
        pairs = list(zip(range(len(a)), a, b))
    else:
        return {prefix.rstrip('.'): leaf_difference(a, b)}
    diffs = {}
    for key, x, y in pairs:
        diffs.update(max_difference(x, y, f'{prefix}{key}.'))
    return diffs


def compare_runs(first: str, second: str) -> Dict:
    """The weights, buffers (the MCIBI memory, BN statistics) and optimizer
    state (momenta, learning rates, the AMP loss scaler) of two
    checkpoints, value by value."""
    a, b = load_checkpoint(first), load_checkpoint(second)
    diffs = max_difference(
        dict(state_dict=a['state_dict'], optimizer=a['optimizer']),
        dict(state_dict=b['state_dict'], optimizer=b['optimizer']))
    worst = max(diffs, key=diffs.get)
    return dict(
        values=len(diffs),
        unequal=sum(v > 0 for v in diffs.values()),
        max_difference=diffs[worst],
        worst=worst)


def check_resume(check: Check, mode: Dict, work: str) -> None:
    """FCN + MCIBI interrupted and resumed equals the uninterrupted run,
    under ``randomness.deterministic=True`` and
    ``env_cfg.cudnn_benchmark=False`` (``CUBLAS_WORKSPACE_CONFIG`` set, as
    cuBLAS needs for deterministic results). A second uninterrupted run
    tells the resume's differences from the device's run-to-run ones. Where
    deterministic training refuses to run (an op without a deterministic
    CUDA kernel), that is reported and the three runs are repeated without
    it."""
    iters, half = mode['resume_iters'], mode['resume_iters'] // 2
    # validations before and after the stop: they must not change training
    cfg = method_config(work, 'MCIBI', 'resume', iters, max(1, half // 2))
    env = dict(CUBLAS_WORKSPACE_CONFIG=':4096:8')
    details = check.result['details']
    for deterministic in (True, False):
        tag = 'deterministic' if deterministic else 'default'
        options = [
            f'randomness.deterministic={deterministic}',
            'env_cfg.cudnn_benchmark=False', 'randomness.seed=0'
        ]
        runs = {
            name: osp.join(work, f'resume_{tag}_{name}')
            for name in ('straight', 'again', 'resumed')
        }
        try:  # the two uninterrupted runs side by side
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                for future in [
                        pool.submit(check.call,
                                    train_cmd(cfg, runs[name], mode, half,
                                              options), 600, env)
                        for name in ('straight', 'again')
                ]:
                    future.result()
        except RuntimeError as error:
            if not deterministic:
                raise
            details['deterministic_error'] = str(error)[-600:]
            check.fail('deterministic training does not run: '
                       f'{str(error)[-300:]}')
            continue
        os.makedirs(runs['resumed'])
        shutil.copy(
            osp.join(runs['straight'], f'iter_{half}.pth'), runs['resumed'])
        with open(osp.join(runs['resumed'], 'last_checkpoint'), 'w') as f:
            f.write(osp.abspath(osp.join(runs['resumed'], f'iter_{half}.pth')))
        check.call(
            train_cmd(cfg, runs['resumed'], mode, half, options) +
            ['--resume'], 600, env)
        final = {
            name: osp.join(path, f'iter_{iters}.pth')
            for name, path in runs.items()
        }
        details[tag] = dict(
            run_to_run=compare_runs(final['straight'], final['again']),
            resumed=compare_runs(final['straight'], final['resumed']))
        resumed, again = (details[tag][k] for k in ('resumed', 'run_to_run'))
        check.result['summary'] = (
            f'{tag}: resumed vs straight {resumed["unequal"]} of '
            f'{resumed["values"]} values unequal (max '
            f'{resumed["max_difference"]:.3g}); two straight runs '
            f'{again["unequal"]} unequal (max {again["max_difference"]:.3g})')
        if resumed['unequal']:
            check.fail(f'{tag}: the resumed run differs: {resumed}')
        return


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


def make_data(check: Check, mode: Dict, work: str) -> None:
    """ContextShapes and DUpsampling's label basis in ``work``, as ``make
    demo`` makes them (at tiny sizes in the CPU mode)."""
    data = osp.join(work, 'context_shapes')
    check.call(python() + [
        'tools/dataset_converters/make_context_shapes.py', '--out', data,
        '--seed', '0', *mode['data']
    ], 300)
    check.call(python() + [
        'tools/analysis_tools/label_basis.py',
        method_config(work, 'DUpsampling', 'basis'), '--ratio', BASIS['ratio'],
        '--channels', BASIS['channels'], '--out',
        osp.join(work, 'basis.pth')
    ], 300)
    check.result['summary'] = 'ContextShapes and the label basis made'


def site_env(site: Optional[str]) -> Dict:
    """The checks' environment: the kit's site and the repository first on
    the path, output unbuffered."""
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    paths = [site] if site else []
    paths += [ROOT] + [p for p in env.get('PYTHONPATH', '').split(':') if p]
    env['PYTHONPATH'] = ':'.join(paths)
    return env


def stack_imports(env: Dict) -> bool:
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


def device_info() -> Dict:
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


def run_check(name: str, fn: Callable, mode: Dict, work: str, out: str,
              env: Dict, deadline: float) -> Dict:
    check = Check(name, out, env, deadline)
    start = time.time()
    try:
        fn(check, mode, work)
    except Exception as error:  # reported; never stops the others
        check.result['status'] = ('timeout' if isinstance(
            error, TimeoutError) else 'error')
        check.result['error'] = f'{type(error).__name__}: {error}'
    check.result['seconds'] = round(time.time() - start, 1)
    print(f'[{check.result["status"]}] {name} '
          f'({check.result["seconds"]} s): '
          f'{check.result.get("summary", check.result.get("error"))}',
          flush=True)
    return check.result


def markdown_report(report: Dict) -> str:
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
        '--checks', nargs='+', default=list(CHECKS), choices=list(CHECKS))
    go.add_argument(
        '--keep-work', action='store_true',
        help='keep the trainings and logs beside the report')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.step == 'prepare':
        prepare(args.kit, args.python_version, args.limit_mib)
        return
    report = run(args)
    bad = [c['name'] for c in report['checks'] if c['status'] != 'pass']
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
