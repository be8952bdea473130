# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The one training-step harness of the tools: a real Runner (ours), the
config's custom hooks around the step, the config's batches or random
ones (which need no data set)."""
import torch
from config_writers import MCIBI_FCN, write_tiny_config

from mmseg_ctx.analysis import TrainStep, load_step_config
from mmseg_ctx.engine import ContextRunner
from mmseg_ctx.engine.wrappers import unwrap_model
from mmseg_ctx.models.utils import memory_momentum


def memory_of(step: TrainStep) -> torch.Tensor:
    return unwrap_model(step.runner.model).decode_head.memory.memory.clone()


def test_random_images_need_no_data_set(tmp_path):
    """The MCIBI hook updates the memory at iteration 0 of the config's
    schedule, read off a real runner whose loop runs over the given
    images, although the config's data root does not exist."""
    config = write_tiny_config(str(tmp_path / 'tiny.py'),
                               str(tmp_path / 'no_data'), base=MCIBI_FCN,
                               iters=40)
    step = TrainStep.on_random_images(config, (32, 48), 2,
                                      str(tmp_path / 'work'))
    assert isinstance(step.runner, ContextRunner)
    assert step.runner.max_iters == 40
    before = memory_of(step)
    step()
    step()
    assert not torch.equal(memory_of(step), before)
    momentum = step.runner.message_hub.get_scalar('train/memory_momentum')
    assert momentum.current() == memory_momentum(0, 40)
    assert unwrap_model(step.runner.model).data_preprocessor.size == (32, 48)


def test_the_configs_batches_and_its_options(tmp_path, tiny_data):
    """By default the config's own first training batches; ``--amp``
    becomes the CPU's bf16 wrapper through the runner, as in training."""
    config = write_tiny_config(str(tmp_path / 'tiny.py'), tiny_data)
    cfg = load_step_config(config, str(tmp_path / 'work'), amp=True)
    assert cfg.train_dataloader.num_workers == 0
    step = TrainStep(cfg)
    model = unwrap_model(step.runner.model)
    before = [p.detach().clone() for p in model.parameters()]
    step()
    assert any(not torch.equal(a, b)
               for a, b in zip(before, model.parameters()))
    if not torch.cuda.is_available():
        assert type(step.optim_wrapper).__name__ == 'CPUAmpOptimWrapper'
    batch = next(step.batches)
    assert batch['inputs'][0].shape[-2:] == (64, 64)
