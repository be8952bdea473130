# Copyright (c) mmseg_ctx contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import load_state_dict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from model_makers import autocast_dtypes

import mmseg_ctx  # noqa: F401
from mmseg_ctx.analysis import LabelResolutionMemory
from mmseg_ctx.models.decode_heads import MCIBIHead
from mmseg_ctx.models.utils import memory_momentum

K, IN, C = 5, 32, 16


def build_head(enable_updates: bool = True,
               device: str = 'cpu',
               **kwargs) -> MCIBIHead:
    init_default_scope('mmseg')
    cfg = dict(
        type='MCIBIHead',
        in_channels=IN,
        channels=C,
        num_classes=K,
        in_index=0,
        norm_cfg=dict(type='BN'),
        dilations=(1, 2),
        pool_scales=(1, 2),
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0))
    cfg.update(kwargs)
    head = MODELS.build(cfg).to(device)
    if enable_updates:
        head.enable_memory_updates()
    return head


def samples(num=2, height=18, width=22, seed=0, device='cpu'):
    """Labels drawn on the CPU (the same on every device), on ``device``."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(num):
        label = torch.randint(0, K - 1, (1, height, width), generator=gen)
        label[:, :2] = 255
        sample = SegDataSample(gt_sem_seg=PixelData(data=label.to(device)))
        sample.set_metainfo(dict(img_shape=(height, width)))
        out.append(sample)
    return out


def inputs(num=2, seed=0, device='cpu'):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(num, IN, 9, 11, generator=gen).to(device)]


@pytest.mark.parametrize('context', ['none', 'ppm', 'aspp', 'ocr'])
@pytest.mark.parametrize('fusion', ['concat', 'add', 'weighted_add'])
def test_variants_shapes_and_losses(context, fusion, device):
    head = build_head(context=context, fusion=fusion, device=device)
    assert head.forward(inputs(device=device)).shape == (2, K, 9, 11)
    losses = head.loss(
        inputs(device=device), samples(device=device), train_cfg={})
    assert set(losses) == {
        'loss_ce', 'acc_seg', 'loss_coarse', 'loss_memory'
    }
    total = sum(v for k, v in losses.items() if k.startswith('loss_'))
    total.backward()
    assert head.bottleneck.conv.weight.grad.abs().sum() > 0
    assert head.memory_attention.query_project[0].conv.weight.grad is not None
    if context != 'none':
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in head.image_context.parameters())
    if fusion == 'weighted_add':
        assert head.fuse_weights.grad is not None


def test_forward_follows_equations_11_to_14(device):
    """O = H2(F(R, C_bi)), C_bi = attention(query R, key/value C'_bi),
    C'_bi = softmax(H1(R)) read against M."""
    head = build_head(device=device).eval()
    head.memory.memory.normal_()
    x = inputs(device=device)
    with torch.no_grad():
        feats = head.bottleneck(x[0])
        coarse = head.coarse_head(feats)
        read = torch.einsum('bkhw,kc->bchw', coarse.softmax(1),
                            head.memory.memory)
        beyond = head.memory_attention(feats, read)
        expected = head.classify(head.fuse(torch.cat([feats, beyond], 1)))
        torch.testing.assert_close(head.forward(x), expected)
        # the attention works at C/2 and scales by (C/2)^-1/2
        assert head.memory_attention.channels == C // 2
        swapped = head.classify(
            head.fuse(torch.cat([feats, head.memory_attention(read, feats)],
                                1)))
        assert not torch.allclose(head.forward(x), swapped)


def test_loss_weights_and_stash(device):
    head = build_head(device=device).eval()  # no dropout: recompute by hand
    head.memory.memory.normal_()
    head.memory.initialized.fill_(True)
    x, data = inputs(device=device), samples(device=device)
    losses = head.loss(x, data, train_cfg={})
    labels = torch.stack([d.gt_sem_seg.data for d in data])[:, 0]
    with torch.no_grad():
        feats = head.bottleneck(x[0])
        coarse = F.interpolate(head.coarse_head(feats), size=(18, 22),
                               mode='bilinear')
        logits = F.interpolate(head.forward(x), size=(18, 22),
                               mode='bilinear')

    def mmseg_ce(logits):  # avg_non_ignore=False: ignored pixels count
        return F.cross_entropy(logits, labels, ignore_index=255,
                               reduction='sum') / labels.numel()

    torch.testing.assert_close(losses['loss_coarse'], 0.4 * mmseg_ce(coarse))
    torch.testing.assert_close(losses['loss_ce'], mmseg_ce(logits))
    # the stash is R itself, detached, with the labels
    assert torch.equal(head._pending_update[0], feats)
    assert torch.equal(head._pending_update[1][:, 0], labels)


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError, match="fusion must be one of"):
        build_head(fusion='mul')
    with pytest.raises(ValueError, match="context must be"):
        build_head(context='aspp2')
    with pytest.raises(ValueError, match='must start with "loss_"'):
        build_head(loss_memory=dict(type='CrossEntropyLoss', loss_name='m'))
    with pytest.raises(ValueError, match='out_channels must equal'):
        build_head(num_classes=2, out_channels=1, threshold=0.3,
                   loss_decode=dict(type='CrossEntropyLoss',
                                    use_sigmoid=True))
    with pytest.raises(ValueError, match='MCIBIHead was built for '
                       'in_channels=32 at in_index=0, but the backbone '
                       'gives 8 channels'):
        build_head().forward([torch.randn(1, 8, 4, 4)])


def test_predict_reads_memory_never_writes_it(device):
    head = build_head(device=device)
    head.memory.memory.normal_()
    head.memory.initialized.fill_(True)
    head.eval()
    before = {k: v.clone() for k, v in head.memory.state_dict().items()}
    first = head.predict(inputs(device=device),
                         [dict(img_shape=(18, 22))] * 2, test_cfg={})
    assert first.shape == (2, K, 18, 22)
    assert head._pending_update is None and not head.update_memory(0.5)
    for key, value in head.memory.state_dict().items():
        assert torch.equal(value, before[key])
    # the prediction depends on what the memory holds
    head.memory.memory.normal_()
    second = head.predict(inputs(device=device),
                          [dict(img_shape=(18, 22))] * 2, test_cfg={})
    assert not torch.allclose(first, second)


def test_loss_stashes_and_hook_update_consumes(device):
    head = build_head(device=device)
    head.loss(inputs(device=device), samples(device=device), train_cfg={})
    feats, labels = head._pending_update
    assert feats.shape == (2, C, 9, 11) and not feats.requires_grad
    assert labels.shape == (2, 1, 18, 22)
    assert head.update_memory(0.5)
    assert head._pending_update is None
    # classes 0..3 appear in the labels, class 4 never does
    assert head.memory.initialized.tolist() == [True] * 4 + [False]


def test_memory_update_equals_the_label_resolution_update(device):
    """The head's update (at the feature resolution) writes the memory
    that eq. 8 taken literally (features resized to the labels) writes."""
    reference = LabelResolutionMemory
    torch.manual_seed(0)
    head, literal = build_head(memory_init='mean', device=device), build_head(
        memory_init='mean', device=device)
    literal.memory = reference(head.num_classes, head.channels,
                               init_mode='mean').to(device)
    literal.load_state_dict(head.state_dict())
    for step in range(2):  # first appearance, then eq. 6-10
        for model in (head, literal):
            model.loss(
                inputs(device=device), samples(device=device), train_cfg={})
            assert model.update_memory(0.5)
    assert head.memory.memory.abs().sum() > 0
    torch.testing.assert_close(head.memory.memory, literal.memory.memory,
                               rtol=1e-5, atol=1e-6)


def test_memory_loss_leaves_norm_statistics_alone(device):
    head = build_head(device=device)
    head.memory.memory.normal_(mean=5.0)
    head.memory.initialized.fill_(True)
    norm = head.pre_cls.bn
    loss = head._memory_consistency_loss(torch.zeros(1, device=device))
    assert norm.num_batches_tracked == 0 and norm.training
    assert torch.equal(norm.running_mean.cpu(), torch.zeros(C))
    loss.backward()
    assert head.pre_cls.conv.weight.grad.abs().sum() > 0
    assert norm.weight.grad.abs().sum() > 0


def test_memory_loss_is_consistency_over_initialised_slots(device):
    head = build_head(device=device)
    head.eval()  # no dropout: the loss can be recomputed by hand
    x, data = inputs(device=device), samples(device=device)
    assert head.loss(x, data, train_cfg={})['loss_memory'] == 0
    head.memory.memory.normal_()
    head.memory.initialized[:] = torch.tensor([1, 0, 1, 1, 0],
                                              device=device).bool()
    loss = head.loss(x, data, train_cfg={})['loss_memory']
    classes = torch.tensor([0, 2, 3], device=device)
    logits = head.classify(head.memory.memory[classes, :, None, None])
    torch.testing.assert_close(loss, F.cross_entropy(logits[:, :, 0, 0],
                                                     classes))


def test_training_without_the_hook_fails_with_advice():
    head = build_head(enable_updates=False)
    with pytest.raises(RuntimeError, match="dict\\(type='MCIBIMemoryHook'\\)"
                       '.*head.enable_memory_updates'):
        head.loss(inputs(), samples(), train_cfg={})


def test_pixel_features_are_the_bottleneck_of_the_stage(device):
    head = build_head(in_index=1, in_channels=IN, device=device)
    x = [torch.randn(2, 3, 6, 6).to(device), inputs(device=device)[0]]
    torch.testing.assert_close(head.pixel_features(x), head.bottleneck(x[1]))
    with pytest.raises(ValueError, match='in_channels'):
        head.pixel_features([x[1], x[0]])  # the stage's channels checked


def test_custom_loop_updates_the_memory_without_the_hook(device):
    """The documented loop: enable, loss, step, update_memory."""
    head = build_head(enable_updates=False, device=device)
    head.enable_memory_updates()
    optimizer = torch.optim.SGD(head.parameters(), lr=0.01)
    before = head.memory.memory.clone()
    for t in range(2):
        losses = head.loss(
            inputs(device=device), samples(seed=t, device=device),
            train_cfg={})
        optimizer.zero_grad()
        sum(v for k, v in losses.items() if k.startswith('loss_')).backward()
        optimizer.step()
        assert head.update_memory(memory_momentum(t, 2))
        assert not head.update_memory(0.5)  # consumed
    assert head.memory.initialized.any()
    assert not torch.equal(head.memory.memory, before)


def test_in_index_must_be_one_stage():
    with pytest.raises(ValueError, match='in_index must be an int'):
        build_head(in_index=[0, 1], input_transform='resize_concat',
                   in_channels=[IN, IN])


def test_state_dict_carries_memory(device):
    head = build_head(device=device)
    head.loss(inputs(device=device), samples(device=device), train_cfg={})
    head.update_memory(0.9)
    state = head.state_dict()
    assert {'memory.memory', 'memory.initialized'} <= set(state)
    other = build_head(device=device)
    other.load_state_dict(state)
    assert torch.equal(other.memory.memory, head.memory.memory)
    assert torch.equal(other.memory.initialized, head.memory.initialized)
    # also through mmengine's non-strict loading, which only warns on shapes
    with pytest.raises(ValueError, match=r'memory.memory has shape \(5, 16\)'
                       r', but this model\'s memory is \(6, 16\)'):
        load_state_dict(
            build_head(num_classes=K + 1, device=device), state,
            strict=False)


def test_autocast_step_keeps_memory_fp32(device):
    """A training step under autocast (bf16 on the CPU, fp16 and bf16 on
    CUDA): finite losses, and the memory is written in fp32."""
    for dtype in autocast_dtypes(device):
        head = build_head(context='ocr', device=device)
        head.memory.memory.normal_()
        head.memory.initialized.fill_(True)
        before = head.memory.memory.clone()
        with torch.autocast(torch.device(device).type, dtype=dtype):
            losses = head.loss(
                inputs(device=device), samples(device=device), train_cfg={})
            sum(v for k, v in losses.items()
                if k.startswith('loss_')).backward()
            assert head.update_memory(0.5)
        assert all(torch.isfinite(v).all() for v in losses.values()), dtype
        assert head.memory.memory.dtype == torch.float32, dtype
        assert torch.isfinite(head.memory.memory).all(), dtype
        assert not torch.equal(head.memory.memory, before), dtype
