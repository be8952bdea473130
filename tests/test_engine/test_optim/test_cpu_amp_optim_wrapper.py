# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""CPUAmpOptimWrapper: bf16 autocast for the forward on a CPU, fp32
weights and no loss scaling; the maths that must not round stays fp32."""
import pytest
import torch
from data_makers import random_batch
from mmengine.registry import OPTIM_WRAPPERS
from model_makers import demo_segmentor
from torch import nn

from mmseg_ctx.engine import CPUAmpOptimWrapper, amp_optim_wrapper
from mmseg_ctx.engine.optim import cpu_amp_optim_wrapper

CONFIGS = ('MCIBI', 'EncNet', 'DUpsampling')


def wrapper(model: nn.Module) -> CPUAmpOptimWrapper:
    return OPTIM_WRAPPERS.build(
        dict(type='CPUAmpOptimWrapper',
             optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
             allow_emulated_bf16=True))  # the maths, on any CPU


def test_refused_without_native_bf16(monkeypatch):
    """Refused unless emulation is asked for; built on a CPU with it."""
    def build(**kwargs):
        return OPTIM_WRAPPERS.build(
            dict(type='CPUAmpOptimWrapper',
                 optimizer=torch.optim.SGD(nn.Linear(2, 2).parameters(),
                                           lr=0.01), **kwargs))

    monkeypatch.setattr(cpu_amp_optim_wrapper, 'cpu_supports_bf16',
                        lambda: False)
    with pytest.raises(RuntimeError, match='no native bf16'):
        build()
    assert isinstance(build(allow_emulated_bf16=True), CPUAmpOptimWrapper)
    monkeypatch.setattr(cpu_amp_optim_wrapper, 'cpu_supports_bf16',
                        lambda: True)
    assert isinstance(build(), CPUAmpOptimWrapper)


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


@pytest.mark.parametrize('name', CONFIGS)
def test_sensitive_maths_stays_fp32(name):
    """A training step of the method's segmentor through the wrapper (the
    Runner's ``train_step``): convolutions in bf16; MCIBI's memory written
    in fp32, the Encoding layer's output and DUpsampling's tempered
    logits in fp32; finite losses."""
    torch.manual_seed(0)
    model = demo_segmentor(name)
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
    losses = model.train_step(random_batch(), wrapper(model))
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
