# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Let mmengine 0.10 load its own checkpoints under torch >= 2.6.

torch 2.6 made ``torch.load`` default to ``weights_only=True``, which
refuses the Python objects mmengine stores beside the weights (the message
hub's ``HistoryBuffer``, numpy scalars), so ``load_from``, ``--resume`` and
``tools/test.py`` fail with an ``UnpicklingError``. mmengine 0.10.7 calls
``torch.load`` without the argument; :func:`register_checkpoint_loader`
replaces its loader for local files through mmengine's own extension
point, ``CheckpointLoader.register_scheme``, with one that unpickles fully,
as every torch before 2.6 did. Load only checkpoints you trust.

This is the one change mmseg_ctx makes to mmengine; ``import mmseg_ctx``
calls :func:`register_checkpoint_loader` once, from
``mmseg_ctx/__init__.py``, so that configs with ``custom_imports`` resume
and test under the stock tools too.
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


def register_checkpoint_loader() -> None:
    """Make :func:`load_from_local` mmengine's loader of local paths (the
    scheme with the empty prefix), for every later load in the process."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local, force=True)
