# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The label basis file of DUpsampling (Tian et al., CVPR 2019, Sec. 3.1):
its format, written and read here only.

A basis file is a ``torch.save`` of a dict of tensors, numbers and strings
(so it loads with ``weights_only=True``):

- ``basis``: W, ``N x C~`` with ``N = r * r * K`` (eq. 3);
- ``mean``: the mean label patch, ``N``;
- ``ratio`` (r), ``num_classes`` (K), ``channels`` (C~);
- and what the estimator adds: ``classes``, ``explained_variance`` (C~),
  ``total_variance``, ``ignore_index``, ``num_patches``, ``num_samples``
  and, from the tool, ``config``.

:func:`load_label_basis` is the one reader: the head, the tools and the
tests call it, and it refuses a file that is not a basis, lacks a key, has
shapes that disagree with its own r, K and C~, or disagrees with what the
caller expects, naming the path and the values.
"""
import os
import os.path as osp
import pickle
from typing import Optional

import torch

#: the keys a basis file must hold
LABEL_BASIS_KEYS = ('basis', 'mean', 'ratio', 'num_classes', 'channels')
#: the tool that writes basis files, for error messages
LABEL_BASIS_TOOL = 'tools/analysis_tools/label_basis.py'


def save_label_basis(record: dict, path: str) -> None:
    """Write a basis record (checked as :func:`load_label_basis` reads it)
    to ``path``, creating its folder; whole or not at all (a reader never
    sees half a file)."""
    check_label_basis(record, path)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = f'{path}.{os.getpid()}.tmp'
    try:
        torch.save(record, tmp)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def load_label_basis(path: str,
                     ratio: Optional[int] = None,
                     num_classes: Optional[int] = None,
                     channels: Optional[int] = None) -> dict:
    """Read and validate the basis file at ``path``.

    Args:
        path (str): a file written by :func:`save_label_basis`.
        ratio (int, optional): the r the caller needs; None accepts any.
        num_classes (int, optional): the K the caller needs.
        channels (int, optional): the C~ the caller needs.

    Returns:
        dict: the record, tensors on the CPU.
    """
    try:
        record = torch.load(path, map_location='cpu', weights_only=True)
    except FileNotFoundError:
        raise FileNotFoundError(
            f'the label basis {path} does not exist; compute it with '
            f'{LABEL_BASIS_TOOL}') from None
    except pickle.UnpicklingError:  # torch's advice (weights_only=False)
        # would unpickle arbitrary objects: a basis holds none
        raise ValueError(
            f'the label basis {path} is not a readable basis file: it does '
            'not load as tensors, numbers and strings (weights_only=True); '
            f'compute it with {LABEL_BASIS_TOOL}') from None
    except Exception as error:  # torch raises many types for a bad file
        raise ValueError(f'the label basis {path} is not a readable basis '
                         f'file ({type(error).__name__}: {error}); compute it '
                         f'with {LABEL_BASIS_TOOL}') from None
    check_label_basis(record, path)
    for key, want in (('ratio', ratio), ('num_classes', num_classes),
                      ('channels', channels)):
        if want is not None and record[key] != want:
            raise ValueError(
                f'the label basis {path} has {key}={record[key]} but '
                f'{key}={want} is expected; compute a matching one with '
                f'{LABEL_BASIS_TOOL}')
    return record


def check_label_basis(record: dict, path: str) -> None:
    """Refuse a record without the keys of a basis or whose W and mean do
    not have the shapes its r, K and C~ give."""
    if not isinstance(record, dict):
        raise ValueError(f'the label basis {path} holds a '
                         f'{type(record).__name__}, not a basis record')
    missing = [key for key in LABEL_BASIS_KEYS if key not in record]
    if missing:
        raise ValueError(f'the label basis {path} lacks {missing} (it has '
                         f'{sorted(record)}); is it a basis file of '
                         f'{LABEL_BASIS_TOOL}?')
    size = record['ratio']**2 * record['num_classes']
    want = dict(basis=(size, record['channels']), mean=(size, ))
    for key, shape in want.items():
        got = tuple(getattr(record[key], 'shape', ()))
        if got != shape:
            raise ValueError(
                f'the label basis {path} has {key} of shape {got}, but its '
                f'ratio={record["ratio"]}, num_classes='
                f'{record["num_classes"]} and channels={record["channels"]} '
                f'make it {shape}')
