# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""MCIBI's feature memory among pixel representations in 2-D, as Figure 3
of the MCIBI paper: both embedded together (t-SNE, or PCA), coloured by
class with the data set's palette, the slots as large stars."""
import importlib.util
import itertools
from typing import Tuple

import numpy as np
import torch
from matplotlib.figure import Figure
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner import Runner

from .memory_init import mcibi_head, pixel_representations


def embed(points: np.ndarray, method: str) -> np.ndarray:
    """N x C -> N x 2."""
    if method == 'auto':
        method = 'tsne' if importlib.util.find_spec('sklearn') else 'pca'
    if method == 'tsne':
        from sklearn.manifold import TSNE
        return TSNE(
            n_components=2,
            init='pca',
            perplexity=min(30, len(points) - 1),
            random_state=0).fit_transform(points)
    centred = torch.from_numpy(points) - torch.from_numpy(points).mean(0)
    _, _, v = torch.linalg.svd(centred, full_matrices=False)
    return (centred @ v[:2].t()).numpy()


def plot_memory(model: BaseModel, cfg: Config, num_images: int,
                per_class: int, method: str, out: str) -> Tuple[int, int]:
    """Draw the model's initialised memory slots among the pixel
    representations (``per_class`` pixels of each class of the first
    ``num_images`` validation images of ``cfg``), embedded by ``method``
    (:func:`embed`), to the PNG ``out``; the numbers of pixels and slots
    drawn."""
    memory = mcibi_head(model).memory

    loader = Runner.build_dataloader(cfg.val_dataloader)
    pairs = list(
        pixel_representations(model, itertools.islice(loader, num_images),
                              per_class))
    feats = torch.cat([f for f, _ in pairs]).cpu()
    labels = torch.cat([lab for _, lab in pairs]).cpu().numpy()
    slots = memory.initialized.nonzero()[:, 0].cpu().numpy()
    points = torch.cat([feats, memory.memory[slots].float().cpu()]).numpy()
    xy = embed(points.astype(np.float64), method)

    meta = loader.dataset.metainfo
    palette = np.array(meta['palette'], dtype=np.float64) / 255
    fig = Figure(figsize=(8, 8))
    ax = fig.subplots()
    ax.scatter(xy[:len(labels), 0], xy[:len(labels), 1], s=4,
               c=palette[labels], alpha=0.5, linewidths=0)
    ax.scatter(xy[len(labels):, 0], xy[len(labels):, 1], s=300, marker='*',
               c=palette[slots], edgecolors='black', linewidths=1)
    for cls in sorted(set(labels.tolist()) | set(slots.tolist())):
        ax.scatter([], [], c=[palette[cls]], label=meta['classes'][cls])
    ax.legend(loc='best', fontsize=7, markerscale=1.5)
    ax.set_title('pixel representations (dots) and memory slots (stars)')
    ax.set_xticks([])
    ax.set_yticks([])
    fig.savefig(out, dpi=120, bbox_inches='tight')
    return len(labels), len(slots)
