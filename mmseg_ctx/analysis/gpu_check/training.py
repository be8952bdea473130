# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The methods' demo configs trained on the check's own data with
``--amp``, and tested: losses, the AMP wrapper, the MCIBI memory's dtype and
the test mIoU."""
import glob
import json
import math
import os
import os.path as osp
import re
from typing import Dict, List, Optional

from .check import ROOT, Check, python

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


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (what ``--amp`` needs on a
    CPU), asked of the installed torch."""
    import torch
    return torch.ops.mkldnn._is_mkldnn_bf16_supported()


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
    """``tools/train.py`` on ``cfg`` at the mode's log interval, with
    ``--amp`` unless the mode trains in fp32."""
    cmd = python() + [
        'tools/train.py', cfg, '--work-dir', work_dir, '--cfg-options',
        f'default_hooks.logger.interval={mode["log_interval"]}',
        f'default_hooks.checkpoint.interval={checkpoint_interval}', *options
    ]
    return cmd if mode['amp'] == 'OptimWrapper' else cmd + ['--amp']


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
