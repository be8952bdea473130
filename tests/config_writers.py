# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Configs the tests write: the demo configs made tiny, MCIBI with its
memory dumped after each iteration."""
import os.path as osp

from helpers import ROOT

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


#: the ``custom_imports`` of a config that adds ``DumpMemoryHook``
#: (tests/dump_memory_hook.py, registered when the config is loaded)
DUMP_HOOK_IMPORTS = ("custom_imports = dict(imports=['mmseg_ctx', "
                     "'dump_memory_hook'], allow_failed_imports=False)\n")


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
        f.write(DUMP_HOOK_IMPORTS +
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
