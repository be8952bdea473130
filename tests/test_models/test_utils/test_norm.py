# Copyright (c) mmseg_ctx contributors. All rights reserved.
from mmseg_ctx.models.utils import norm1d_cfg


def test_norm1d_cfg_maps_2d_norms_to_1d():
    assert norm1d_cfg(None) == dict(type='BN1d')
    assert norm1d_cfg(dict(type='BN', requires_grad=True)) == dict(
        type='BN1d', requires_grad=True)
    assert norm1d_cfg(dict(type='IN'))['type'] == 'IN1d'
    assert norm1d_cfg(dict(type='BN2d'))['type'] == 'BN1d'
    assert norm1d_cfg(dict(type='SyncBN'))['type'] == 'SyncBN'
    cfg = dict(type='BN')
    norm1d_cfg(cfg)
    assert cfg == dict(type='BN')  # the config is not changed
