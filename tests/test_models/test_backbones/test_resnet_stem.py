# Copyright (c) mmseg_ctx contributors. All rights reserved.
import torch
from mmseg.models.backbones import ResNetV1c

from mmseg_ctx.models.backbones import ResNetV1cWithStem

ARGS = dict(depth=18, stem_channels=8, base_channels=8,
            strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2))


def test_stem_comes_first_and_stages_are_resnet_v1c(device):
    torch.manual_seed(0)
    ours = ResNetV1cWithStem(**ARGS).to(device)
    theirs = ResNetV1c(**ARGS).to(device)
    ours.eval()  # mmseg's ResNet.train() returns None
    theirs.eval()
    # same weights under the same names: ImageNet checkpoints load
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(2, 3, 50, 70).to(device)
    outs, stages = ours(x), theirs(x)
    assert len(outs) == 5
    assert outs[0].shape == (2, 8, 25, 35)  # conv1_3: stride 2
    torch.testing.assert_close(outs[0], ours.stem(x))
    for out, stage in zip(outs[1:], stages):
        torch.testing.assert_close(out, stage)
    assert [o.shape[-2:] for o in outs[1:]] == [(13, 18), (7, 9), (4, 5),
                                                (4, 5)]
