# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""FLOP counting with mmengine's counter, extended to the ops it misses."""
from math import prod
from typing import Any, List, Tuple

from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import get_shape
from torch import nn


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """``aten::scaled_dot_product_attention``: ``Q K^T`` and ``P V`` as
    multiply-adds, mmengine's convention for matmul (softmax and scaling,
    element-wise, are not counted, as for mmengine's other ops)."""
    query, key, value = (get_shape(v) for v in inputs[:3])
    *batch, queries, dim = query
    return prod(batch) * queries * key[-2] * (dim + value[-1])


def flop_analyzer(model: nn.Module, inputs: Tuple) -> FlopAnalyzer:
    """mmengine's :class:`FlopAnalyzer` with a handle for
    ``scaled_dot_product_attention``, which it leaves out by itself."""
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.set_op_handle('aten::scaled_dot_product_attention',
                           sdpa_flop_jit)
    return analyzer
