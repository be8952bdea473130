# Copyright (c) mmseg_ctx contributors. All rights reserved.
from torch import Tensor


def check_label_range(labels: Tensor, num_classes: int,
                      ignore_index: int = 255) -> None:
    """Refuse, with the value, a label that is neither in ``[0, K)`` nor
    ``ignore_index``: it would otherwise be silently clipped or dropped."""
    bad = (labels != ignore_index) & ((labels < 0) |
                                      (labels >= num_classes))
    if bad.any():
        raise ValueError(f'label {labels[bad][0].item()} is outside '
                         f'[0, {num_classes}) and is not '
                         f'ignore_index={ignore_index}')
