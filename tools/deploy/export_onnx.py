# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Export a trained segmentor to ONNX and check it against onnxruntime.

Builds the model from CONFIG and CHECKPOINT (BN folded into the convs with
``--fuse-bn``, or CHECKPOINT already folded by ``fuse_bn.py`` with
``--folded``), exports one graph (``mmseg_ctx.analysis.SegLogits``): input
``input``, N x 3 x H x W after the model's data preprocessor (RGB, mean
and std applied), output ``logits``, N x K x H x W; N, H and W dynamic.
It then runs the file in onnxruntime on a random image of ``--shape``, a
batch of two of another size, and every ``--image`` (read and normalised as
the model's data preprocessor does), prints the largest absolute
difference from PyTorch for each and deletes the file, failing, if one
exceeds ``--atol``.
onnxruntime comes with ``pip install -e .[deploy]``.

Example::

    CONFIG=contextnet_cn14_4xb4-1000e_cityscapes-1024x2048
    python tools/deploy/export_onnx.py configs/contextnet/$CONFIG.py \\
        work_dirs/$CONFIG/epoch_1000.pth --out cn14.onnx --fuse-bn \\
        --image demo.png
"""
import argparse
import os

from mmengine.model import revert_sync_batchnorm
from mmseg.apis import init_model

from mmseg_ctx.analysis import (SegLogits, export_onnx, fold_batch_norm,
                                load_folded_model, onnx_differences)
from mmseg_ctx.analysis.onnx_check_inputs import check_inputs


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config of the trained model')
    parser.add_argument('checkpoint', help='its weights')
    parser.add_argument('--out', required=True, help='the ONNX file')
    parser.add_argument(
        '--shape', type=int, nargs=2, default=[512, 512],
        help='height and width of the export and check images')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument(
        '--atol', type=float, default=1e-4,
        help='largest allowed difference from PyTorch')
    parser.add_argument('--image', nargs='*', default=[],
                        help='real images to check on')
    bn = parser.add_mutually_exclusive_group()
    bn.add_argument('--fuse-bn', action='store_true',
                    help='fold BN into the convs before exporting')
    bn.add_argument('--folded', action='store_true',
                    help='CHECKPOINT is the output of fuse_bn.py')
    parser.add_argument(
        '--dynamo', action='store_true',
        help="torch's torch.export-based exporter (default: TorchScript)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.folded:
        model = load_folded_model(args.config, args.checkpoint)
    else:
        model = init_model(args.config, args.checkpoint, device='cpu')
    model = revert_sync_batchnorm(model).eval()
    if args.fuse_bn:
        model = fold_batch_norm(model)
    logits = SegLogits(model).eval()
    export_onnx(logits, args.out, args.shape, args.opset, args.dynamo)
    differences = onnx_differences(
        logits, args.out, check_inputs(model, args.shape, args.image))
    for name, difference in differences.items():
        print(f'{name}: largest |onnxruntime - PyTorch| = {difference:.2e}')
    # a NaN difference fails too (max() would pass it over)
    worst = max(differences.values(), key=lambda d: (d != d, d))
    if not worst <= args.atol:
        os.remove(args.out)
        raise SystemExit(f'the ONNX model differs from PyTorch by {worst:.2e}'
                         f' > --atol {args.atol:.0e}; {args.out} removed')
    print(f'saved to {args.out}')


if __name__ == '__main__':
    main()
