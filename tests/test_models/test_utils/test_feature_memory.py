# Copyright (c) mmseg_ctx contributors. All rights reserved.
import logging
import math
import os
from datetime import timedelta

import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from helpers import free_port
from mmengine.logging import MMLogger
from model_makers import autocast_dtypes

from mmseg_ctx.analysis import LabelResolutionMemory
from mmseg_ctx.models.utils import FeatureMemory, memory_momentum

K, C = 5, 4


def batch(seed: int = 0, num: int = 4, device: str = 'cpu'):
    """Features at 1/2 of the labels' resolution, non-square; labels use
    classes 0..3 only (class 4 is absent) and have ignored pixels. Drawn on
    the CPU (the same values on every device), then moved to ``device``."""
    gen = torch.Generator().manual_seed(seed)
    feats = torch.randn(num, C, 3, 5, generator=gen)
    labels = torch.randint(0, 4, (num, 6, 10), generator=gen)
    labels[torch.rand(num, 6, 10, generator=gen) < 0.2] = 255
    return feats.to(device), labels.to(device)


def reference_update(memory, initialized, feats, labels, momentum):
    """Eq. 8-10 and eq. 6, written out pixel by pixel, for the classes
    already initialised."""
    up = F.interpolate(feats, size=labels.shape[-2:], mode='bilinear',
                       align_corners=False)
    new = memory.clone()
    for c in range(memory.shape[0]):
        if not initialized[c]:
            continue
        pixels, weights = [], []
        for b in range(labels.shape[0]):
            for i in range(labels.shape[1]):
                for j in range(labels.shape[2]):
                    if labels[b, i, j] == c:
                        r = up[b, :, i, j]
                        s = torch.dot(r, memory[c]) / (r.norm() *
                                                       memory[c].norm())
                        pixels.append(r)
                        weights.append(1 - s)
        if not pixels:
            continue  # absent: unchanged
        total = sum(weights)
        target = sum(w / total * r for w, r in zip(weights, pixels))
        new[c] = (1 - momentum) * memory[c] + momentum * target
    return new


def initialised_memory(init_mode='random', device='cpu', **kwargs):
    mem = FeatureMemory(K, C, init_mode=init_mode, **kwargs)
    gen = torch.Generator().manual_seed(1)
    mem.memory.copy_(torch.randn(K, C, generator=gen))
    mem.initialized.fill_(True)
    return mem.to(device)


def test_update_matches_equations_8_to_10(device):
    mem = initialised_memory(device=device)
    mem.initialized[2] = False  # present in the batch, not yet initialised
    before = mem.memory.clone().cpu()
    feats, labels = batch()  # the reference computes on the CPU
    mem.update(feats.to(device), labels.to(device), momentum=0.3)
    memory = mem.memory.cpu()

    expected = reference_update(before, mem.initialized.cpu() &
                                torch.tensor([1, 1, 0, 1, 1]).bool(), feats,
                                labels, 0.3)
    for c in (0, 1, 3):
        torch.testing.assert_close(memory[c], expected[c])
    # class 4 is absent from the batch: untouched, still initialised
    torch.testing.assert_close(memory[4], before[4])
    # class 2 took one of its own pixels at its first appearance
    up = F.interpolate(feats, size=labels.shape[-2:], mode='bilinear')
    pixels = up.permute(0, 2, 3, 1)[labels == 2]
    assert (pixels - memory[2]).abs().amax(1).min() < 1e-6
    assert mem.initialized.all()


def test_first_appearance_only_fills_present_classes(device):
    mem = FeatureMemory(K, C, init_mode='mean').to(device)
    feats, labels = batch()
    mem.update(feats.to(device), labels.to(device), momentum=0.9)
    assert mem.initialized.tolist() == [True] * 4 + [False]
    memory = mem.memory.cpu()
    assert torch.equal(memory[4], torch.zeros(C))
    up = F.interpolate(feats, size=labels.shape[-2:], mode='bilinear')
    for c in range(4):
        torch.testing.assert_close(
            memory[c], up.permute(0, 2, 3, 1)[labels == c].mean(0))


def test_random_init_is_uniform_over_pixels(device):
    """Every pixel of a class can be drawn, and in proportion."""
    values = torch.arange(6.).view(1, 1, 2, 3)
    feats = values.expand(1, C, 2, 3).clone().to(device)
    labels = torch.zeros(1, 2, 3, dtype=torch.long, device=device)
    hits = torch.zeros(6)
    torch.manual_seed(0)  # also seeds the CUDA generator the draw uses
    for _ in range(600):
        mem = FeatureMemory(1, C).to(device)
        mem.update(feats, labels, momentum=0.5)
        hits[int(mem.memory[0, 0])] += 1
    assert (hits > 60).all(), hits


def test_zero_denominator_is_guarded(device):
    direction = torch.tensor([1., 2., 0., -1.])
    mem = FeatureMemory(1, C).to(device)
    mem.memory[0] = direction.to(device)
    mem.initialized[0] = True
    # every pixel parallel to M[0]: all 1 - S_i are 0
    feats = mem.memory[0].view(1, C, 1, 1) * torch.tensor(
        [1., 3.], device=device).view(1, 1, 1, 2)
    labels = torch.zeros(1, 1, 2, dtype=torch.long, device=device)
    mem.update(feats, labels, momentum=0.5)
    torch.testing.assert_close(mem.memory[0].cpu(), 0.5 * direction * 3)


def test_bad_input_is_refused(device):
    mem = FeatureMemory(K, C).to(device)
    feats, labels = batch(device=device)
    labels[0, 0, 0] = 7
    with pytest.raises(ValueError, match='label 7 is outside'):
        mem.update(feats, labels, 0.5)
    with pytest.raises(ValueError, match=f'B x {C} x h x w'):
        mem.update(
            torch.zeros(4, C + 1, 3, 5, device=device),
            batch(device=device)[1], 0.5)
    with pytest.raises(ValueError, match='init_mode'):
        FeatureMemory(K, C, init_mode='cluster')
    assert not mem.initialized.any()


def test_state_dict_round_trip(device):
    mem = initialised_memory(device=device)
    mem.initialized[1] = False
    state = mem.state_dict()
    assert set(state) == {'memory', 'initialized'}
    other = FeatureMemory(K, C).to(device)
    other.load_state_dict(state)
    assert torch.equal(other.memory, mem.memory)
    assert torch.equal(other.initialized, mem.initialized)
    # a checkpoint saved on the device loads into a model on the CPU
    on_cpu = FeatureMemory(K, C)
    on_cpu.load_state_dict(state)
    assert torch.equal(on_cpu.memory, mem.memory.cpu())
    assert torch.equal(on_cpu.initialized, mem.initialized.cpu())


def test_autocast_keeps_memory_fp32(device):
    """Under autocast (bf16 on the CPU, fp16 and bf16 on CUDA) the memory
    stays fp32 and the update is the fp32 one of the rounded features."""
    feats, labels = batch(device=device)
    expected = initialised_memory(device=device)
    expected.update(feats, labels, 0.5)
    for dtype in autocast_dtypes(device):
        mem = initialised_memory(device=device)
        with torch.autocast(torch.device(device).type, dtype=dtype):
            mem.update(feats.to(dtype), labels, 0.5)
        assert mem.memory.dtype == torch.float32, dtype
        assert torch.isfinite(mem.memory).all(), dtype
        # only the features' rounding to dtype differs, not the arithmetic
        torch.testing.assert_close(
            mem.memory, expected.memory, atol=2e-2, rtol=2e-2,
            msg=lambda message, dtype=dtype: f'{dtype}: {message}')


@pytest.mark.parametrize('t,expected', [
    (0, 0.9),
    (50, 0.5**0.9 * (0.9 - 0.009) + 0.009),
    (100, 0.009),
])
def test_momentum_schedule(t, expected):
    assert math.isclose(memory_momentum(t, 100), expected)
    with pytest.raises(ValueError):
        memory_momentum(101, 100)


def _update_half(rank: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch_dist.init_process_group(
        'gloo', rank=rank, world_size=2, timeout=timedelta(seconds=120))
    try:
        feats, labels = batch(num=4)
        half = slice(2 * rank, 2 * rank + 2)
        mem = FeatureMemory(K, C)
        torch.manual_seed(rank)  # rank 0's draw must win everywhere
        mem.update(feats[half], labels[half], 0.9)  # random initialisation
        first = mem.memory.clone()
        feats2, labels2 = batch(seed=1, num=4)
        mem.update(feats2[half], labels2[half], 0.4)  # eq. 6-10
        torch.save(dict(first=first, second=mem.memory.clone()),
                   f'{out}.{rank}')
    finally:
        torch_dist.destroy_process_group()


def test_two_processes_equal_one_process_on_whole_batch(tmp_path):
    out = str(tmp_path / 'memory')
    mp.spawn(_update_half, args=(free_port(), out), nprocs=2)
    ranks = [torch.load(f'{out}.{r}') for r in range(2)]

    single = FeatureMemory(K, C)
    torch.manual_seed(0)
    single.update(*batch(num=4), 0.9)
    first = single.memory.clone()
    single.update(*batch(seed=1, num=4), 0.4)
    for result in ranks:
        torch.testing.assert_close(result['first'], first)
        torch.testing.assert_close(result['second'], single.memory)
    # both ranks hold the same memory to the bit
    assert torch.equal(ranks[0]['second'], ranks[1]['second'])
    # and the label-resolution update on the whole batch agrees
    literal = label_resolution(num_classes=K, channels=C)
    torch.manual_seed(0)
    literal.update(*batch(num=4), 0.9)
    literal.update(*batch(seed=1, num=4), 0.4)
    torch.testing.assert_close(ranks[0]['second'], literal.memory,
                               rtol=1e-5, atol=1e-6)


def test_non_finite_batch_is_skipped(device):
    mem = initialised_memory(device=device)
    before = mem.memory.clone()
    feats, labels = batch(device=device)
    feats[0, :, 0, 0] = float('inf')  # e.g. an fp16 overflow upstream
    logger = MMLogger.get_current_instance()
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger.addHandler(handler)
    try:
        mem.update(feats, labels, 0.5)
        mem.update(feats.half(), labels, 0.5)
    finally:
        logger.removeHandler(handler)
    assert torch.equal(mem.memory, before)
    assert mem.num_skipped == 2
    # each warning logged (not dropped as a repeat), its cause by dtype
    assert 'has training diverged?' in messages[0]
    assert '1 batches skipped so far' in messages[0]
    assert 'an overflow of the float16 features?' in messages[1]
    assert '2 batches skipped so far' in messages[1]


def _bad_label_on_rank_one(rank: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch_dist.init_process_group(
        'gloo', rank=rank, world_size=2, timeout=timedelta(seconds=120))
    try:
        feats, labels = batch(num=2)
        if rank == 1:
            labels[0, 0, 0] = 9
        mem = FeatureMemory(K, C)
        try:
            mem.update(feats, labels, 0.5)
            message = 'no error'
        except ValueError as err:
            message = str(err)
        with open(f'{out}.{rank}', 'w') as f:
            f.write(message)
    finally:
        torch_dist.destroy_process_group()


def test_bad_label_on_one_rank_stops_every_rank(tmp_path):
    """No rank is left waiting in a collective for the one that failed."""
    out = str(tmp_path / 'message')
    mp.spawn(_bad_label_on_rank_one, args=(free_port(), out), nprocs=2)
    messages = [open(f'{out}.{r}').read() for r in range(2)]
    assert messages[1].startswith('label 9 is outside [0, 5)')
    assert messages[0].startswith('a label (on another process) is outside')


def label_resolution(**kwargs) -> FeatureMemory:
    """The update with eq. 8 taken literally (features resized to the
    labels)."""
    return LabelResolutionMemory(**kwargs)


CASES = {
    # (K, C, h, w, H, W, B, present classes): non-square, label sizes that
    # are not multiples of the features', equal sizes, labels smaller
    'non-square x2': (5, 4, 3, 5, 6, 10, 3, 4),
    'not a multiple': (7, 6, 5, 4, 17, 13, 2, 7),
    'same size': (4, 3, 6, 5, 6, 5, 2, 4),
    'labels smaller': (3, 5, 9, 7, 4, 5, 2, 3),
    'one class': (1, 8, 4, 6, 13, 22, 2, 1),
    'many classes': (40, 16, 8, 8, 61, 64, 2, 40),
    'one feature pixel': (3, 4, 1, 1, 5, 7, 2, 3),
}


@pytest.mark.parametrize('align_corners', [False, True])
@pytest.mark.parametrize('init_mode', ['random', 'mean'])
@pytest.mark.parametrize('case', list(CASES))
def test_feature_resolution_equals_label_resolution(case, init_mode,
                                                    align_corners, device):
    """The update at the feature resolution writes the memory that the
    label-resolution update writes, to fp32 round-off (relative 1e-5):
    first appearances (a random pixel or the mean), then eq. 6-10, with
    ignored pixels, absent classes and a class of a single pixel."""
    num_classes, channels, h, w, height, width, num, present = CASES[case]
    gen = torch.Generator().manual_seed(sum(map(ord, case)))
    kwargs = dict(num_classes=num_classes, channels=channels,
                  init_mode=init_mode, align_corners=align_corners)
    ours = FeatureMemory(**kwargs).to(device)
    literal = label_resolution(**kwargs).to(device)
    seen = torch.zeros(num_classes, dtype=torch.bool)
    for step in range(3):
        feats = torch.randn(num, channels, h, w, generator=gen)
        labels = torch.randint(0, present, (num, height, width),
                               generator=gen)
        labels[torch.rand(num, height, width, generator=gen) < 0.2] = 255
        if step == 1 and num_classes > 1:  # a class of one pixel
            labels[labels == num_classes - 1] = 255
            labels[0, 0, 0] = num_classes - 1
        seen[labels[labels != 255].unique()] = True
        feats, labels = feats.to(device), labels.to(device)
        for memory in (ours, literal):
            torch.manual_seed(step)  # the same random pixel for both
            memory.update(feats, labels, momentum=0.4)
        assert torch.equal(ours.initialized, literal.initialized)
        scale = literal.memory.abs().max().item()
        torch.testing.assert_close(ours.memory, literal.memory, rtol=1e-5,
                                   atol=1e-5 * scale)
    assert torch.equal(ours.initialized.cpu(), seen)  # absent: never filled


def test_feature_resolution_equals_label_resolution_under_autocast(device):
    """Half-precision features under autocast (bf16 on the CPU, fp16 and
    bf16 on CUDA): both compute in fp32 from the same rounded values, so
    they agree as in fp32."""
    gen = torch.Generator().manual_seed(3)
    feats = torch.randn(2, C, 3, 5, generator=gen).to(device)
    labels = torch.randint(0, K, (2, 7, 11), generator=gen).to(device)
    for dtype in autocast_dtypes(device):
        ours = FeatureMemory(K, C, 'mean').to(device)
        literal = label_resolution(
            num_classes=K, channels=C, init_mode='mean').to(device)
        for memory in (ours, literal):
            with torch.autocast(torch.device(device).type, dtype=dtype):
                memory.update(feats.to(dtype), labels, 0.5)
                memory.update(feats.to(dtype).flip(-1), labels, 0.5)
            assert memory.memory.dtype == torch.float32, dtype
        torch.testing.assert_close(
            ours.memory, literal.memory, rtol=1e-5, atol=1e-6,
            msg=lambda message, dtype=dtype: f'{dtype}: {message}')
