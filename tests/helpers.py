# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Helpers for the tests: a tiny ContextShapes and a tiny config to train on
it, the environment to run the tools in, and the precisions of each
device."""
import importlib.util
import os
import os.path as osp
import socket
import subprocess
import sys
from typing import Dict, List

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
GENERATOR = osp.join(ROOT, 'tools', 'dataset_converters',
                     'make_context_shapes.py')
FCN_DEMO = osp.join(ROOT, 'configs', 'fcn',
                    'fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py')
MCIBI_FCN = osp.join(ROOT, 'configs', 'mcibi',
                     'mcibi-fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py')


#: each method's demo config, under configs/
DEMO_CONFIGS = {
    'MCIBI': 'mcibi/mcibi-fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'EncNet':
    'encnet/encnet-se3_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'PSPNet': 'pspnet/pspnet_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'ContextNet':
    'contextnet/contextnet_cn14_1xb8-300it_context-shapes-128x128.py',
    'DUpsampling':
    'dupsampling/dupsampling_r18s-d8_1xb8-300it_context-shapes-128x128.py',
}


def demo_segmentor(name: str, size: int = 64) -> torch.nn.Module:
    """The method's demo segmentor at ``size`` x ``size`` (DUpsampling
    with a random orthonormal basis instead of its file, MCIBI's memory
    updates on)."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', DEMO_CONFIGS[name]))
    init_default_scope('mmseg')
    cfg.model.data_preprocessor.size = (size, size)
    if name == 'DUpsampling':
        cfg.model.decode_head.basis_file = None
    model = MODELS.build(cfg.model)
    if name == 'DUpsampling':
        dupsample = model.decode_head.dupsample
        basis = torch.linalg.qr(torch.randn(dupsample.basis.shape))[0]
        with torch.no_grad():
            dupsample.basis.copy_(basis)
            dupsample.mean.fill_(1 / 9)
    if name == 'MCIBI':
        model.decode_head.enable_memory_updates()
    return model


def random_batch(size: int = 64, num: int = 2, classes: int = 9) -> dict:
    """A data batch as the Runner gives it: ``num`` random uint8 images
    of ``size`` x ``size`` and their random label maps."""
    gen = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(num):
        label = torch.randint(0, classes, (1, size, size), generator=gen)
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(img_shape=(size, size),
                                 ori_shape=(size, size)))
        samples.append(sample)
    images = [torch.randint(0, 255, (3, size, size), generator=gen,
                            dtype=torch.uint8) for _ in range(num)]
    return dict(inputs=images, data_samples=samples)


def autocast_dtypes(device: str) -> List[torch.dtype]:
    """The autocast dtypes of mixed-precision training on ``device``: bf16
    on the CPU, fp16 and bf16 on CUDA."""
    if torch.device(device).type == 'cuda':
        return [torch.float16, torch.bfloat16]
    return [torch.bfloat16]


TINY_CONFIG = """
_base_ = {base!r}
crop_size = (64, 64)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}))
test_dataloader = val_dataloader
model = dict(
    data_preprocessor=dict(size=crop_size),
    {model})
param_scheduler = [dict(type='PolyLR', power=0.9, end={iters}, by_epoch=False)]
train_cfg = dict(max_iters={iters}, val_interval={iters})
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval={iters}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def make_context_shapes(out: str, seed: int = 0, num_train: int = 6,
                        num_val: int = 3, height: int = 64,
                        width: int = 80) -> str:
    subprocess.run([
        sys.executable, GENERATOR, '--out', out, '--seed',
        str(seed), '--num-train',
        str(num_train), '--num-val',
        str(num_val), '--height',
        str(height), '--width',
        str(width)
    ],
                   check=True,
                   capture_output=True)
    return out


def make_segnet_camvid(root: str, splits=('train', 'val'), num: int = 3,
                       height: int = 36, width: int = 48,
                       seed: int = 0) -> str:
    """A tiny CamVid in SegNet's layout: ``{split}/``, ``{split}annot/``
    (labels 0..11, 11 = void) and, for ``train``, a list file with
    SegNet's absolute paths of another machine."""
    import cv2
    import numpy as np
    rng = np.random.default_rng(seed)
    for split in splits:
        os.makedirs(osp.join(root, split), exist_ok=True)
        os.makedirs(osp.join(root, f'{split}annot'), exist_ok=True)
        names = [f'0001TP_{split}_{i:04d}.png' for i in range(num)]
        for name in names:
            # bands of classes as in a street scene, void on a few pixels
            label = np.repeat(
                rng.integers(0, 11, (height // 4, 1)), 4, axis=0)
            label = np.repeat(label, width, axis=1).astype(np.uint8)
            label[rng.random((height, width)) < 0.05] = 11
            image = rng.integers(0, 255, (height, width, 3), np.uint8)
            image[..., 0] = label * 20  # the class is visible
            cv2.imwrite(osp.join(root, split, name), image)
            cv2.imwrite(osp.join(root, f'{split}annot', name), label)
        if split == 'train':
            with open(osp.join(root, 'train.txt'), 'w') as f:
                for name in names:
                    f.write(f'/SegNet/CamVid/train/{name} '
                            f'/SegNet/CamVid/trainannot/{name}\n')
    return root


def write_tiny_config(path: str, data_root: str, base: str = FCN_DEMO,
                      iters: int = 4) -> str:
    """A config that trains ``base`` with a tiny backbone on tiny crops."""
    from mmengine.config import Config
    model = Config.fromfile(base).model
    if model.backbone.type == 'ContextNet':  # a quarter of the width
        text = ('backbone=dict(widen_factor=0.25),\n'
                '    decode_head=dict(in_channels=32, channels=32),\n'
                '    auxiliary_head=dict(in_channels=32, channels=32)')
    elif model.decode_head.type == 'ContextEncodingHead':  # EncNet
        text = ('backbone=dict(stem_channels=8, base_channels=8),\n'
                '    decode_head=dict(in_channels=[16, 32, 64], '
                'channels=16),\n'
                '    auxiliary_head=dict(in_channels=32, channels=8)')
    else:  # a ResNet of width 8
        head = {
            # DeepLabV3+: layer1 (8 channels)
            'DepthwiseSeparableASPPHead': ', c1_in_channels=8',
            # DUpsampling: the stem (8 channels) and layer3 (32); a
            # smaller code
            'DUpsamplingHead': ', c1_in_channels=(8, 32), basis_channels=16',
        }.get(model.decode_head.type, '')
        text = ('backbone=dict(stem_channels=8, base_channels=8),\n'
                f'    decode_head=dict(in_channels=64, channels=16{head}),\n'
                '    auxiliary_head=dict(in_channels=32, channels=8)')
    with open(path, 'w') as f:
        f.write(TINY_CONFIG.format(base=base, data_root=data_root,
                                   iters=iters, model=text))
    return path


def tiny_mcibi(tmp_path, data_root: str, name: str = 'tiny_mcibi.py',
               **extra):
    """The demo FCN+MCIBI config made tiny (a ``Config``, its file in
    ``tmp_path``), dumping every rank's memory after each iteration to
    ``tmp_path/dumps`` (:func:`memory_dump` reads them)."""
    from mmengine.config import Config
    path = write_tiny_config(str(tmp_path / name), data_root, base=MCIBI_FCN)
    dumps = tmp_path / 'dumps'
    dumps.mkdir(exist_ok=True)
    with open(path, 'a') as f:
        f.write("custom_imports = dict(imports=['mmseg_ctx', 'helpers'], "
                'allow_failed_imports=False)\n'
                "custom_hooks = [dict(type='MCIBIMemoryHook'), "
                f"dict(type='DumpMemoryHook', out_dir={str(dumps)!r})]\n")
        for key, value in extra.items():
            f.write(f'{key} = {value!r}\n')
    cfg = Config.fromfile(path)
    cfg.work_dir = str(tmp_path / 'work')
    return cfg


def memory_dump(tmp_path, name: str, rank: int = 0) -> dict:
    """What ``DumpMemoryHook`` saved of ``rank``'s memory at ``name``."""
    import torch
    return torch.load(
        str(tmp_path / 'dumps' / f'memory_rank{rank}_{name}.pth'))


def assert_checkpoint_loads(config: str, checkpoint: str,
                            iters: int = 4) -> None:
    """``checkpoint`` (of ``config``) loads strictly, after ``iters``
    iterations, with finite weights."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmseg.registry import MODELS

    import mmseg_ctx  # noqa: F401
    init_default_scope('mmseg')
    model = MODELS.build(Config.fromfile(config).model)
    state = load_checkpoint(model, checkpoint, map_location='cpu',
                            strict=True)
    assert state['meta']['iter'] == iters
    assert all(torch.isfinite(p).all() for p in model.parameters())


def tool_env(**extra: str) -> Dict[str, str]:
    """Environment for running the tools in subprocesses of this Python."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (ROOT, osp.join(ROOT, 'tests'), env.get('PYTHONPATH'))
        if p)
    env['PYTHON'] = sys.executable
    env['OMP_NUM_THREADS'] = '1'
    env.update(extra)
    return env


def register_test_hooks() -> None:
    """Hooks the tests add to configs (imported by ``custom_imports``)."""
    import torch
    from mmengine.dist import get_rank
    from mmengine.hooks import Hook
    from mmseg.registry import HOOKS

    from mmseg_ctx.engine.wrappers import unwrap_model

    @HOOKS.register_module(force=True)
    class DumpMemoryHook(Hook):
        """Save every rank's MCIBI memory after each training iteration."""
        priority = 'LOWEST'

        def __init__(self, out_dir: str) -> None:
            self.out_dir = out_dir

        def _dump(self, runner, name: str) -> None:
            model = unwrap_model(runner.model)
            memory = model.decode_head.memory
            torch.save(
                dict(memory=memory.memory.clone(),
                     initialized=memory.initialized.clone()),
                osp.join(self.out_dir, f'memory_rank{get_rank()}_{name}.pth'))

        def before_train(self, runner) -> None:
            self._dump(runner, f'start{runner.iter}')

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None) -> None:
            self._dump(runner, f'iter{runner.iter}')


register_test_hooks()


def load_script(*parts: str):
    """A script of ``tools/`` (not a package) imported as a module."""
    path = osp.join(ROOT, *parts)
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(*args: str) -> str:
    """Run ``python ARGS`` from the repository root; its stdout, once it
    has succeeded."""
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=tool_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc.stdout


def run_failing(*args: str) -> str:
    """Run ``python ARGS`` as :func:`run_script`, expecting it to fail; its
    stderr."""
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=tool_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0, proc.stdout[-4000:]
    return proc.stderr


def sdpa_blocks():
    """Our SDPASelfAttentionBlock and mmseg's SelfAttentionBlock, in eval
    mode with the same weights, as MCIBI's attention configures them."""
    from mmseg.models.utils import SelfAttentionBlock

    from mmseg_ctx.models.decode_heads.mcibi_head import MEMORY_ATTENTION
    from mmseg_ctx.models.utils import SDPASelfAttentionBlock
    block = dict(
        key_in_channels=32,
        query_in_channels=32,
        channels=16,
        out_channels=32,
        conv_cfg=None,
        norm_cfg=dict(type='BN'),
        act_cfg=dict(type='ReLU'),
        **MEMORY_ATTENTION)
    ours = SDPASelfAttentionBlock(**block).eval()
    theirs = SelfAttentionBlock(**block).eval()
    theirs.load_state_dict(ours.state_dict())
    return ours, theirs
