# Copyright (c) mmseg_ctx contributors. All rights reserved.
from typing import Optional, Tuple

import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class EvalDeterminismHook(Hook):
    """Lets validation and testing run under ``randomness.deterministic=True``
    on CUDA.

    mmseg's ``IoUMetric`` counts the areas of each class with
    ``torch.histc``, which has no deterministic CUDA kernel, so under
    ``torch.use_deterministic_algorithms(True)`` (what mmengine sets for
    ``deterministic=True``) the first validation on a GPU stops training
    with a ``RuntimeError`` (seen on an H200, torch 2.11). Its counts are
    sums of ones in fp32, exact up to 2**24 pixels a class and image
    whatever the order of the additions, so the metric loses nothing if
    the kernel runs: for validation and testing this hook makes
    deterministic algorithms warn-only, and puts the strict mode back for
    training. Without ``deterministic=True`` it does nothing.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._mode: Optional[Tuple[bool, bool]] = None

    def _relax(self) -> None:
        if self._mode is None and torch.are_deterministic_algorithms_enabled():
            warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
            self._mode = (True, warn_only)
            torch.use_deterministic_algorithms(True, warn_only=True)

    def _restore(self) -> None:
        if self._mode is not None:
            torch.use_deterministic_algorithms(
                self._mode[0], warn_only=self._mode[1])
            self._mode = None

    def before_val(self, runner) -> None:
        self._relax()

    def after_val(self, runner) -> None:
        self._restore()

    def before_test(self, runner) -> None:
        self._relax()

    def after_test(self, runner) -> None:
        self._restore()
