# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Draw MCIBI's feature memory among pixel representations, in 2-D.

Like Figure 3 of the MCIBI paper: pixel representations R of validation
images (a sample per class) and the K memory slots are embedded together
by t-SNE (scikit-learn) or PCA (when scikit-learn is absent, or with
``--method pca``), coloured by class with the data set's palette; slots are
drawn as large stars. Writes a PNG.

Example::

    python tools/analysis_tools/visualize_memory.py CONFIG CHECKPOINT \
        --out work_dirs/memory.png
"""
import argparse
import importlib.util
import itertools

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.device import get_device  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmseg.apis import init_model  # noqa: E402

import mmseg_ctx  # noqa: E402,F401  registers our modules
from mmseg_ctx.analysis import mcibi_head, pixel_representations  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config with an MCIBIHead')
    parser.add_argument('checkpoint', help='trained weights and memory')
    parser.add_argument('--out', required=True, help='PNG to write')
    parser.add_argument(
        '--num-images', type=int, default=50, help='validation images used')
    parser.add_argument(
        '--per-class', type=int, default=20,
        help='pixels kept per class and image')
    parser.add_argument(
        '--method',
        choices=['auto', 'tsne', 'pca'],
        default='auto',
        help='auto: t-SNE if scikit-learn is installed, else PCA')
    return parser.parse_args()


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


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    model = init_model(cfg, args.checkpoint, device=get_device())
    memory = mcibi_head(model).memory

    loader = Runner.build_dataloader(cfg.val_dataloader)
    pairs = list(
        pixel_representations(model,
                              itertools.islice(loader, args.num_images),
                              args.per_class))
    feats = torch.cat([f for f, _ in pairs]).cpu()
    labels = torch.cat([lab for _, lab in pairs]).cpu().numpy()
    slots = memory.initialized.nonzero()[:, 0].cpu().numpy()
    points = torch.cat([feats, memory.memory[slots].float().cpu()]).numpy()
    xy = embed(points.astype(np.float64), args.method)

    meta = loader.dataset.metainfo
    palette = np.array(meta['palette'], dtype=np.float64) / 255
    fig, ax = plt.subplots(figsize=(8, 8))
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
    fig.savefig(args.out, dpi=120, bbox_inches='tight')
    print(f'{len(labels)} pixels and {len(slots)} memory slots drawn to '
          f'{args.out}')


if __name__ == '__main__':
    main()
