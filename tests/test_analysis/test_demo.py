# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The pieces of ``make demo``, on a tiny config: train with the stock
Runner, read back IoUMetric's numbers, draw predictions, write the table."""
import multiprocessing
import os
import os.path as osp

import cv2
import numpy as np
from config_writers import write_tiny_config
from helpers import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from mmseg_ctx.analysis import demo
from mmseg_ctx.datasets import ContextShapesDataset
from mmseg_ctx.engine import amp_runs_natively
from mmseg_ctx.engine.optim import cpu_amp_optim_wrapper


def test_demo_configs_exist():
    assert list(demo.DEMO_CONFIGS)[:8] == [
        'FCN', 'FCN+MCIBI', 'PSPNet', 'PSPNet+MCIBI', 'DeepLabV3+',
        'DUpsampling', 'ContextNet', 'EncNet'
    ]
    for path in demo.DEMO_CONFIGS.values():
        assert osp.isfile(osp.join(ROOT, path)), path


def test_inference_params_leave_out_auxiliary_head():
    init_default_scope('mmseg')
    model = MODELS.build(
        Config.fromfile(osp.join(ROOT, demo.DEMO_CONFIGS['FCN'])).model)
    total = sum(p.numel() for p in model.parameters())
    aux = sum(p.numel() for p in model.auxiliary_head.parameters())
    assert aux > 0
    assert demo.inference_params(model) == total - aux


def test_demo_row_table_and_png(tiny_data, tmp_path):
    configs = {
        name: write_tiny_config(
            str(tmp_path / f'{name}.py'), tiny_data,
            base=osp.join(ROOT, path))
        for name, path in demo.DEMO_CONFIGS.items()
    }
    amp = amp_runs_natively('cpu')  # as make demo: bf16 on this CPU
    rows = {
        name: demo.run_method(
            demo.load_config(path, tiny_data, str(tmp_path / name), amp),
            num_vis=2)
        for name, path in configs.items()
    }
    # the demo computed DUpsampling's basis for these data, in its work dir
    assert osp.isfile(str(tmp_path / 'DUpsampling' / 'basis.pth'))
    for row in rows.values():
        assert 0 <= row['mIoU'] <= 100 and 0 < row['aAcc'] <= 100
        assert row['iters'] == 4 and row['train_time'] > 0
        assert len(row['preds']) == 2
        assert row['preds'][0].pred_sem_seg.data.shape == (1, 64, 80)

    table = demo.results_table(rows, 'cpu (2 threads)', demo.precision(amp))
    assert table.splitlines()[0].startswith('| method | params (M) | mIoU')
    assert f'| FCN | {rows["FCN"]["params"] / 1e6:.2f} | ' \
        f'{rows["FCN"]["mIoU"]:.2f} |' in table
    assert 'for 4 iterations on cpu' in table
    assert f'on cpu (2 threads) in {demo.precision(amp)};' in table

    grid = demo.prediction_grid(rows, ContextShapesDataset.METAINFO)
    # a title strip, then per image: image | ground truth | each method
    assert grid.shape == (18 + 2 * 64, (2 + len(rows)) * 80, 3)
    assert grid.dtype == np.uint8
    # the ground-truth panel is painted with the palette, not the raw image
    assert not np.array_equal(grid[18:82, 0:80], grid[18:82, 80:160])


def test_a_finished_run_leaves_no_workers(tiny_data, tmp_path):
    """The demo's configs keep persistent dataloader workers; a method's
    run stops them before the next begins (left to the garbage collector,
    they cost 20 s a method)."""
    cfg = demo.load_config(
        write_tiny_config(str(tmp_path / 'fcn.py'), tiny_data), tiny_data,
        str(tmp_path / 'fcn'))
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.update(num_workers=1, persistent_workers=True)
    assert not multiprocessing.active_children()
    row = demo.run_method(cfg, num_vis=1)
    assert row['iters'] == 4
    assert not multiprocessing.active_children()


def test_amp_as_train_py_gives_it(monkeypatch, tmp_path):
    """``--amp`` (the default where it is fast) gives the config the optim
    wrapper ``tools/train.py --amp`` gives: ours on a CPU, bf16."""
    path = demo.DEMO_CONFIGS['FCN']
    cfg = demo.load_config(path, 'data', str(tmp_path), amp=True)
    assert cfg.optim_wrapper.type == 'CPUAmpOptimWrapper'
    assert cfg.optim_wrapper.optimizer.type == 'SGD'
    fp32 = demo.load_config(path, 'data', str(tmp_path))
    assert fp32.optim_wrapper.type == 'OptimWrapper'
    assert demo.precision(True) == 'bf16' and demo.precision(False) == 'fp32'
    monkeypatch.setattr(cpu_amp_optim_wrapper, 'cpu_supports_bf16',
                        lambda: False)
    assert not amp_runs_natively('cpu')  # no emulated bf16
    assert amp_runs_natively('cuda')
    monkeypatch.setattr(cpu_amp_optim_wrapper, 'cpu_supports_bf16',
                        lambda: True)
    assert amp_runs_natively('cpu')


def test_run_demo_generates_data_and_writes_outputs(tmp_path):
    """The whole of ``make demo`` on one tiny config, data generation
    included (the default size, which takes a few seconds)."""
    data_root = str(tmp_path / 'context_shapes')
    config = write_tiny_config(str(tmp_path / 'fcn.py'), data_root, iters=2)
    work_dir = str(tmp_path / 'demo')
    table = demo.run_demo({'FCN': config}, data_root, work_dir, num_vis=3)

    assert len(os.listdir(osp.join(data_root, 'images', 'training'))) == 600
    with open(osp.join(work_dir, 'results.md')) as f:
        assert f.read() == table
    assert table.count('\n| FCN |') == 1
    png = cv2.imread(osp.join(work_dir, 'predictions.png'))
    assert png.shape == (18 + 3 * 128, 3 * 160, 3)
