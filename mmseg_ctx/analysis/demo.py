# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""``make demo``'s pieces: each method's ContextShapes config trained from
scratch with our Runner and evaluated with mmseg's IoUMetric, the table of
the results and a grid of predictions beside the ground truth."""
import os.path as osp
import time
from typing import Dict, List

import cv2
import mmcv
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.device import get_device
from mmengine.runner import Runner
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from ..datasets import ContextShapesDataset
from ..engine import amp_optim_wrapper, build_runner
from .config_basis import ensure_config_basis
from .context_shapes_generator import generate
from .paths import config_file
from .reporting import write_markdown
from .timing import device_label

#: table row name -> config, in the order of the table
DEMO_CONFIGS = {
    'FCN':
    'configs/fcn/fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'FCN+MCIBI':
    'configs/mcibi/mcibi-fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'PSPNet':
    'configs/pspnet/pspnet_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'PSPNet+MCIBI':
    'configs/mcibi/mcibi-pspnet_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'DeepLabV3+':
    'configs/dupsampling/'
    'deeplabv3plus_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'DUpsampling':
    'configs/dupsampling/'
    'dupsampling_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'ContextNet':
    'configs/contextnet/contextnet_cn14_1xb8-300it_context-shapes-128x128.py',
    'EncNet':
    'configs/encnet/encnet-se3_r18s-d8_1xb8-300it_context-shapes-128x128.py',
}
#: the demo's ContextShapes (seed 0, the default size)
DATA_ROOT = 'data/context_shapes'


def precision(amp: bool) -> str:
    """The precision ``amp`` trains in on this device, as the table names
    it."""
    if not amp:
        return 'fp32'
    return 'bf16' if get_device() == 'cpu' else 'fp16'


def ensure_data(data_root: str) -> None:
    """Write ContextShapes (seed 0, default size) if it is not there."""
    if not osp.isdir(data_root):
        generate(data_root, seed=0)


def load_config(path: str, data_root: str, work_dir: str,
                amp: bool = False) -> Config:
    """``path`` is absolute or relative to the repository root; ``amp``
    makes its optim wrapper mixed-precision as ``tools/train.py --amp``
    does. The label basis of a DUpsampling config is computed if it is
    missing (into ``work_dir`` for data other than the default
    ContextShapes)."""
    cfg = Config.fromfile(config_file(path))
    cfg.work_dir = work_dir
    if amp:
        cfg.optim_wrapper = amp_optim_wrapper(cfg.optim_wrapper)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = data_root
    head = cfg.model.decode_head
    if head.type == 'DUpsamplingHead' and \
            osp.abspath(data_root) != osp.abspath(DATA_ROOT):
        head.basis_file = osp.join(work_dir, 'basis.pth')
    ensure_config_basis(cfg)
    return cfg


def inference_params(model: torch.nn.Module) -> int:
    """Parameters used at inference (the auxiliary head is train-only)."""
    return sum(p.numel() for name, p in model.named_parameters()
               if not name.startswith('auxiliary_head.'))


def release_workers(runner: Runner) -> None:
    """Stop a finished run's persistent dataloader workers now. Left to the
    garbage collector, they are stopped in the middle of the next run's
    set-up, where each of the four waits out torch's 5 s join timeout:
    measured, 20 s a method, a quarter of its training time."""
    for loader in (runner.train_dataloader, runner.val_dataloader):
        iterator = getattr(loader, '_iterator', None)  # persistent workers'
        if iterator is not None:
            iterator._shutdown_workers()


def run_method(cfg: Config, num_vis: int) -> Dict:
    """Train ``cfg`` with our Runner (:class:`ContextRunner`, mmengine's
    with the run's set-up); return its row and predictions on the first
    ``num_vis`` validation images."""
    runner = build_runner(cfg)
    start = time.perf_counter()
    runner.train()  # validates on the whole validation split at the end
    train_time = time.perf_counter() - start
    hub = runner.message_hub
    model = runner.model
    model.eval()
    dataset = runner.val_dataloader.dataset
    with torch.no_grad():
        preds = model.test_step(
            pseudo_collate([dataset[i] for i in range(num_vis)]))
    release_workers(runner)
    return dict(
        params=inference_params(model),
        mIoU=hub.get_scalar('val/mIoU').current(),
        aAcc=hub.get_scalar('val/aAcc').current(),
        train_time=train_time,
        iters=runner.max_iters,
        preds=preds)


def results_table(rows: Dict[str, Dict], where: str,
                  precision: str = 'fp32') -> str:
    """The markdown table of ``rows``, trained on ``where`` (the device as
    ``device_label`` names it) in ``precision``."""
    lines = [
        '| method | params (M) | mIoU | aAcc | train time (s) |',
        '|---|---:|---:|---:|---:|',
    ]
    for name, row in rows.items():
        lines.append(f'| {name} | {row["params"] / 1e6:.2f} | '
                     f'{row["mIoU"]:.2f} | {row["aAcc"]:.2f} | '
                     f'{row["train_time"]:.0f} |')
    iters = {row['iters'] for row in rows.values()}
    lines.append('')
    lines.append(
        f'ContextShapes validation split (single scale), each model trained '
        f'from scratch for {"/".join(map(str, sorted(iters)))} iterations on '
        f'{where} in {precision}; params exclude the train-only auxiliary '
        'head.')
    return '\n'.join(lines) + '\n'


def prediction_grid(rows: Dict[str, Dict], dataset_meta: dict) -> np.ndarray:
    """Image | ground truth | one prediction per method, a row per image."""
    visualizer = SegLocalVisualizer.get_instance('mmseg_ctx_demo', alpha=0.7)
    # not through __init__: mmseg 1.2.2 swaps classes and palette there
    visualizer.set_dataset_meta(
        classes=dataset_meta['classes'], palette=dataset_meta['palette'])
    titles = ['image', 'ground truth'] + list(rows)
    samples: List[SegDataSample] = next(iter(rows.values()))['preds']
    grid = []
    for i, sample in enumerate(samples):
        image = mmcv.imread(sample.img_path, channel_order='rgb')
        panels = [image]
        visualizer.add_datasample(
            'gt', image, sample, draw_pred=False, with_labels=False)
        panels.append(visualizer.get_image())
        for row in rows.values():
            visualizer.add_datasample(
                'pred', image, row['preds'][i], draw_gt=False,
                with_labels=False)
            panels.append(visualizer.get_image())
        grid.append(np.concatenate(panels, axis=1))
    grid = np.concatenate(grid, axis=0)
    width = image.shape[1]
    header = np.full((18, grid.shape[1], 3), 255, np.uint8)
    for j, title in enumerate(titles):
        cv2.putText(header, title, (j * width + 3, 13),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([header, grid], axis=0)


def run_demo(configs: Dict[str, str], data_root: str, work_dir: str,
             num_vis: int, amp: bool = False) -> str:
    """Train (with ``amp``: mixed precision) and evaluate every config,
    write ``results.md`` and ``predictions.png`` to ``work_dir``; returns
    the table."""
    ensure_data(data_root)
    rows = {}
    for name, path in configs.items():
        print(f'\n=== {name}: {path} ===', flush=True)
        method_dir = osp.join(work_dir, osp.splitext(osp.basename(path))[0])
        rows[name] = run_method(
            load_config(path, data_root, method_dir, amp), num_vis)

    table = results_table(rows, device_label(get_device()), precision(amp))
    write_markdown(table, osp.join(work_dir, 'results.md'))
    grid = prediction_grid(rows, ContextShapesDataset.METAINFO)
    mmcv.imwrite(mmcv.rgb2bgr(grid), osp.join(work_dir, 'predictions.png'))
    return table
