# Copyright (c) mmseg_ctx contributors. All rights reserved.
import pytest
import torch
import torch.nn.functional as F

from mmseg_ctx.analysis import cosine_cluster_center


def test_centre_of_the_largest_cosine_cluster():
    gen = torch.Generator().manual_seed(0)
    main, other = torch.tensor([1., 0., 0.]), torch.tensor([0., 1., 0.])
    feats = torch.cat([
        (main + 0.05 * torch.randn(30, 3, generator=gen)) *
        torch.rand(30, 1, generator=gen).add(1),  # norms in [1, 2]
        (other + 0.05 * torch.randn(10, 3, generator=gen)) * 5,
    ])
    centre = cosine_cluster_center(feats, clusters=2)
    assert F.cosine_similarity(centre, main, dim=0) > 0.99
    # scaled to its members' norms, not the outliers'
    assert 1.2 < centre.norm() < 1.8


def test_bad_input():
    with pytest.raises(ValueError, match='non-empty N x C'):
        cosine_cluster_center(torch.zeros(0, 4))
    # fewer points than clusters is fine
    assert cosine_cluster_center(torch.ones(1, 4), clusters=3).shape == (4, )
