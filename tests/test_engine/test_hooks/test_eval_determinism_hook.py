# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""EvalDeterminismHook: mmseg's IoUMetric runs under deterministic=True,
training keeps the strict mode."""
import pytest
import torch

from mmseg_ctx.engine import EvalDeterminismHook


@pytest.fixture
def deterministic_mode():
    """Put torch's deterministic mode back as it was after the test."""
    mode = (torch.are_deterministic_algorithms_enabled(),
            torch.is_deterministic_algorithms_warn_only_enabled())
    yield
    torch.use_deterministic_algorithms(mode[0], warn_only=mode[1])


def mode():
    return (torch.are_deterministic_algorithms_enabled(),
            torch.is_deterministic_algorithms_warn_only_enabled())


@pytest.mark.parametrize('stage', ['val', 'test'])
def test_warn_only_while_evaluating(stage, deterministic_mode):
    hook = EvalDeterminismHook()
    torch.use_deterministic_algorithms(True)
    getattr(hook, f'before_{stage}')(None)
    assert mode() == (True, True)
    getattr(hook, f'after_{stage}')(None)
    assert mode() == (True, False)  # training is strict again


def test_nested_evaluation_restores_the_strict_mode(deterministic_mode):
    """A test inside a validation (or two before_val calls) still ends
    with training's strict mode."""
    hook = EvalDeterminismHook()
    torch.use_deterministic_algorithms(True)
    hook.before_val(None)
    hook.before_test(None)
    hook.after_test(None)
    assert mode() == (True, False)
    hook.after_val(None)
    assert mode() == (True, False)


def test_nothing_without_deterministic_algorithms(deterministic_mode):
    hook = EvalDeterminismHook()
    torch.use_deterministic_algorithms(False)
    hook.before_val(None)
    assert mode() == (False, False)
    hook.after_val(None)
    assert mode() == (False, False)


def test_iou_metric_counts_under_deterministic_training(device,
                                                        deterministic_mode):
    """What mmseg's IoUMetric does (``torch.histc`` of the class indices
    as floats), on the device: under the strict mode CUDA refuses it;
    between the hook's calls it runs and counts exactly."""
    labels = torch.randint(0, 5, (64, 64)).to(device)
    expected = torch.bincount(labels.flatten().cpu(), minlength=5).float()
    hook = EvalDeterminismHook()
    torch.use_deterministic_algorithms(True)
    if torch.device(device).type == 'cuda':
        with pytest.raises(RuntimeError, match='deterministic'):
            torch.histc(labels.float(), bins=5, min=0, max=4)
    hook.before_val(None)
    counts = torch.histc(labels.float(), bins=5, min=0, max=4)
    hook.after_val(None)
    assert torch.equal(counts.cpu(), expected)
