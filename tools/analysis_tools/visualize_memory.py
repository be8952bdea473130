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

from mmengine.config import Config
from mmengine.device import get_device
from mmseg.apis import init_model

from mmseg_ctx.analysis.memory_plot import plot_memory


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


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    model = init_model(cfg, args.checkpoint, device=get_device())
    pixels, slots = plot_memory(model, cfg, args.num_images, args.per_class,
                                args.method, args.out)
    print(f'{pixels} pixels and {slots} memory slots drawn to {args.out}')


if __name__ == '__main__':
    main()
