# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Segment one image and paint the result: mmseg's ``demo/image_demo.py``
with mmseg_ctx registered and the device found by mmengine (CUDA, NPU,
MLU or CPU) unless ``--device`` names one.

Example::

    CONFIG=mcibi-fcn_r18s-d8_1xb8-300it_context-shapes-128x128
    IMAGE=data/context_shapes/images/validation/cs_validation_00000.png
    python demo/image_demo.py $IMAGE \\
        configs/mcibi/$CONFIG.py work_dirs/$CONFIG/iter_300.pth \\
        --out-file result.png
"""
from argparse import ArgumentParser, Namespace

from mmengine.device import get_device
from mmengine.model import revert_sync_batchnorm
from mmseg.apis import inference_model, init_model, show_result_pyplot

import mmseg_ctx  # noqa: F401  registers our modules


def parse_args() -> Namespace:
    parser = ArgumentParser()
    parser.add_argument('img', help='Image file')
    parser.add_argument('config', help='Config file')
    parser.add_argument('checkpoint', help='Checkpoint file')
    parser.add_argument('--out-file', default=None, help='Path to output file')
    parser.add_argument(
        '--device',
        default=None,
        help='Device used for inference (default: what mmengine finds)')
    parser.add_argument(
        '--opacity',
        type=float,
        default=0.5,
        help='Opacity of painted segmentation map. In (0, 1] range.')
    parser.add_argument(
        '--with-labels',
        action='store_true',
        default=False,
        help='Whether to display the class labels.')
    parser.add_argument(
        '--title', default='result', help='The image identifier.')
    args = parser.parse_args()
    if not 0 < args.opacity <= 1:
        parser.error(f'--opacity must be in (0, 1], got {args.opacity}')
    return args


def main() -> None:
    args = parse_args()
    device = args.device or get_device()
    model = init_model(args.config, args.checkpoint, device=device)
    if device == 'cpu':
        model = revert_sync_batchnorm(model)
    result = inference_model(model, args.img)
    show_result_pyplot(
        model,
        args.img,
        result,
        title=args.title,
        opacity=args.opacity,
        with_labels=args.with_labels,
        draw_gt=False,
        show=args.out_file is None,
        out_file=args.out_file)


if __name__ == '__main__':
    main()
