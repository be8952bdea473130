# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""CPUAmpOptimWrapper: bf16 autocast for the forward on a CPU, fp32
weights and no loss scaling; the maths that must not round stays fp32."""
import os.path as osp

import pytest
import torch
from helpers import ROOT
from mmengine.config import Config
from mmengine.registry import OPTIM_WRAPPERS, init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import nn

from mmseg_ctx.engine import CPUAmpOptimWrapper, amp_optim_wrapper
from mmseg_ctx.engine.optim import cpu_amp_optim_wrapper

CONFIGS = {
    'MCIBI': 'mcibi/mcibi-fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'EncNet':
    'encnet/encnet-se3_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'DUpsampling':
    'dupsampling/dupsampling_r18s-d8_1xb8-300it_context-shapes-128x128.py',
}


def wrapper(model: nn.Module) -> CPUAmpOptimWrapper:
    return OPTIM_WRAPPERS.build(
        dict(type='CPUAmpOptimWrapper',
             optimizer=torch.optim.SGD(model.parameters(), lr=0.01)))


def segmentor(name: str) -> nn.Module:
    """The method's demo segmentor at 64 x 64 (DUpsampling with an
    orthonormal basis instead of its file)."""
    cfg = Config.fromfile(osp.join(ROOT, 'configs', CONFIGS[name]))
    init_default_scope('mmseg')
    cfg.model.data_preprocessor.size = (64, 64)
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


def batch() -> dict:
    gen = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(2):
        label = torch.randint(0, 9, (1, 64, 64), generator=gen)
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(img_shape=(64, 64), ori_shape=(64, 64)))
        samples.append(sample)
    images = [torch.randint(0, 255, (3, 64, 64), generator=gen,
                            dtype=torch.uint8) for _ in range(2)]
    return dict(inputs=images, data_samples=samples)


def test_refused_without_native_bf16(monkeypatch):
    monkeypatch.setattr(cpu_amp_optim_wrapper, 'cpu_supports_bf16',
                        lambda: False)
    with pytest.raises(RuntimeError, match='no native bf16'):
        wrapper(nn.Linear(2, 2))


def test_amp_picks_the_wrapper_of_the_device(monkeypatch):
    """``--amp``: ours without an accelerator, mmengine's (dynamic loss
    scaling) with one; another wrapper type is refused."""
    cfg = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))
    monkeypatch.setattr(cpu_amp_optim_wrapper, 'get_device', lambda: 'cpu')
    assert amp_optim_wrapper(cfg) == dict(cfg, type='CPUAmpOptimWrapper')
    monkeypatch.setattr(cpu_amp_optim_wrapper, 'get_device', lambda: 'cuda')
    assert amp_optim_wrapper(cfg) == dict(
        cfg, type='AmpOptimWrapper', loss_scale='dynamic')
    with pytest.raises(ValueError, match="got 'ApexOptimWrapper'"):
        amp_optim_wrapper(dict(cfg, type='ApexOptimWrapper'))


def test_forward_in_bf16_weights_and_step_in_fp32():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 2, 1))
    optim = wrapper(model)
    before = [p.detach().clone() for p in model.parameters()]
    with optim.optim_context(model):
        out = model(torch.randn(2, 3, 8, 8))
        loss = out.float().pow(2).mean()
    assert out.dtype == torch.bfloat16
    optim.update_params(loss)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert all(p.grad is None or p.grad.dtype == torch.float32
               for p in model.parameters())
    assert not all(torch.equal(a, b)
                   for a, b in zip(before, model.parameters()))
    assert 'loss_scaler' not in optim.state_dict()


@pytest.mark.parametrize('name', list(CONFIGS))
def test_sensitive_maths_stays_fp32(name):
    """A training step of the method's segmentor through the wrapper (the
    Runner's ``train_step``): convolutions in bf16; MCIBI's memory written
    in fp32, the Encoding layer's output and DUpsampling's tempered
    logits in fp32; finite losses."""
    torch.manual_seed(0)
    model = segmentor(name)
    seen = {}

    def record(key: str, module: nn.Module) -> None:
        def hook(module, args, out) -> None:
            seen.setdefault(key, (out[-1] if key == 'backbone' else out).dtype)
        module.register_forward_hook(hook)

    record('backbone', model.backbone)
    if name == 'EncNet':
        record('fp32', model.decode_head.enc_module.encoding[0])
    if name == 'DUpsampling':  # loss() calls forward(), not the module
        forward = model.decode_head.forward

        def tempered(inputs):
            logits = forward(inputs)
            seen.setdefault('fp32', logits.dtype)
            return logits

        model.decode_head.forward = tempered
    losses = model.train_step(batch(), wrapper(model))
    assert seen['backbone'] == torch.bfloat16  # autocast was on
    assert all(torch.isfinite(v).all() for v in losses.values())
    if name == 'MCIBI':
        memory = model.decode_head.memory
        assert model.decode_head.update_memory(0.5)
        assert memory.memory.dtype == torch.float32
        assert memory.initialized.all() or memory.memory.abs().sum() > 0
        assert torch.isfinite(memory.memory).all()
    else:
        assert seen['fp32'] == torch.float32
