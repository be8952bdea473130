# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Let mmengine 0.10 load its own checkpoints under torch >= 2.6.

torch 2.6 made ``torch.load`` default to ``weights_only=True``, which
refuses the Python objects mmengine stores beside the weights (the message
hub's ``HistoryBuffer``, numpy scalars), so ``load_from``, ``--resume`` and
``tools/test.py`` fail with an ``UnpicklingError``. mmengine 0.10.7 calls
``torch.load`` without the argument; this module replaces its loader for
local files through mmengine's own extension point,
``CheckpointLoader.register_scheme``, with one that unpickles fully, as
every torch before 2.6 did. Load only checkpoints you trust.
"""
import os.path as osp
from typing import Optional, Union

import torch
from mmengine.runner import CheckpointLoader


def load_from_local(filename: str,
                    map_location: Optional[Union[str, torch.device]] = None
                    ) -> dict:
    """mmengine's ``load_from_local`` with ``weights_only=False``."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(
        filename, map_location=map_location, weights_only=False)


CheckpointLoader.register_scheme(
    prefixes='', loader=load_from_local, force=True)
