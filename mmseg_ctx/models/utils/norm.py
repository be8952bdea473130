# Copyright (c) mmseg_ctx contributors. All rights reserved.
from mmseg.utils import ConfigType


def norm1d_cfg(norm_cfg: ConfigType) -> dict:
    """The 1-d counterpart of a 2-d norm config (BN -> BN1d; SyncBN takes
    any input), for the K x C encoded features."""
    if norm_cfg is None:
        return dict(type='BN1d')
    cfg = dict(norm_cfg)
    if cfg['type'] in ('BN', 'IN'):
        cfg['type'] += '1d'
    else:
        cfg['type'] = cfg['type'].replace('2d', '1d')
    return cfg
