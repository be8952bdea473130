# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""MatmulEncoding: mmseg's Encoding layer's numbers (eq. 1-2) from matrix
products, forward and backward, also far from the origin and under
autocast."""
import copy

import pytest
import torch
from mmseg.models.utils import Encoding
from model_makers import autocast_dtypes

from mmseg_ctx.models.utils import MatmulEncoding


def run(module, x, grad):
    """Output and the gradients of input, codewords and scale."""
    x = x.clone().requires_grad_()
    module.zero_grad()
    out = module(x)
    (out * grad).sum().backward()
    return [out.detach(), x.grad, module.codewords.grad, module.scale.grad]


def case(channels: int, codes: int, offset: float, device: str):
    """mmseg's layer, ours with its state, random features and output
    gradient; features and codewords around ``offset``."""
    gen = torch.Generator().manual_seed(channels + codes)
    theirs = Encoding(channels, codes)
    with torch.no_grad():
        theirs.codewords.add_(offset)
    ours = MatmulEncoding(channels, codes)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, channels, 5, 7, generator=gen) + offset
    grad = torch.randn(2, codes, channels, generator=gen)
    return theirs.to(device), ours.to(device), x.to(device), grad.to(device)


def assert_relative(actual, expected, rtol, name):
    """Largest difference within ``rtol`` of the largest value."""
    scale = expected.abs().max().item()
    torch.testing.assert_close(
        actual.double(), expected.double(), rtol=0, atol=rtol * scale,
        msg=lambda message: f'{name}: {message}')


@pytest.mark.parametrize('codes', [1, 32])
@pytest.mark.parametrize('channels', [16, 64])
@pytest.mark.parametrize('offset', [0., 100.], ids=['centred', 'offset'])
def test_same_numbers_as_mmseg(channels, codes, offset, device, no_tf32):
    """Outputs and gradients within relative 1e-5 of mmseg's layer in fp32
    and of the exact (fp64) ones; features and codewords 100 away from the
    origin are where ``|x|^2 - 2 x.d + |d|^2`` would cancel without the
    centring."""
    theirs, ours, x, grad = case(channels, codes, offset, device)
    exact = run(copy.deepcopy(theirs).double(), x.double(), grad.double())
    names = ('output', 'input grad', 'codewords grad', 'scale grad')
    for name, a, b, truth in zip(names, run(ours, x, grad),
                                 run(theirs, x, grad), exact):
        assert_relative(a, truth, 1e-5, f'{name} vs fp64')
        assert_relative(a, b, 1e-5, f'{name} vs mmseg')


def test_checkpoints_are_mmsegs():
    """The same parameters, names and initial ranges as mmseg's."""
    theirs, ours = Encoding(64, 32), MatmulEncoding(64, 32)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {
        k: v.shape for k, v in theirs.state_dict().items()}
    bound = 1 / (32 * 64)**0.5
    assert ours.codewords.abs().max() <= bound
    assert ((ours.scale >= -1) & (ours.scale <= 0)).all()


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r'B x 8 x H x W .*\(2, 4, 3, 3\)'):
        MatmulEncoding(8, 4)(torch.randn(2, 4, 3, 3))


def test_fp32_under_autocast(device):
    """Under autocast (bf16 on the CPU, fp16 and bf16 on CUDA) the layer
    computes in fp32: its output is fp32, finite and equals the fp32 one
    up to the rounding of its bf16/fp16 input."""
    _, ours, x, grad = case(64, 32, 0., device)
    reference = run(ours, x, grad)
    for dtype in autocast_dtypes(device):
        with torch.autocast(torch.device(device).type, dtype=dtype):
            low = x.to(dtype)
            out = ours(low)
        assert out.dtype == torch.float32, dtype
        expected = ours(low.float())
        torch.testing.assert_close(out, expected, rtol=0, atol=0)
        assert torch.isfinite(out).all(), dtype
        assert_relative(out.detach(), reference[0], 2e-2, str(dtype))
