# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Fold batch normalisation into the convolutions of a trained model for
deployment, check that the outputs do not change, and save it.

Builds the model from CONFIG, loads CHECKPOINT, folds every BN that follows
a conv into that conv (mmcv's ``fuse_conv_bn``), compares the logits of the
model before and after on random images (``--shape``, default 512x1024)
and refuses to save if they differ by more than ``--atol``. The output is
a state dict of the folded model; ``mmseg_ctx.analysis.load_folded_model``
loads it back (config + folded checkpoint).

Example::

    python tools/deploy/fuse_bn.py \
        configs/contextnet/contextnet_cn14_4xb4-1000e_cityscapes-1024x2048.py \
        work_dirs/contextnet_cn14/epoch_1000.pth --out cn14_fused.pth
"""
import argparse
import copy

import torch
from mmengine.runner import load_checkpoint, save_checkpoint
from mmseg.apis import init_model

import mmseg_ctx  # noqa: F401  registers our modules
from mmseg_ctx.analysis import count_batch_norms, fold_batch_norm


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config of the trained model')
    parser.add_argument('checkpoint', help='its weights')
    parser.add_argument('--out', required=True, help='folded weights')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=[512, 1024],
        help='height and width of the check images')
    parser.add_argument(
        '--atol', type=float, default=1e-4, help='largest allowed change')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    model = init_model(args.config, None, device='cpu')
    # strictly: a checkpoint that does not fit (e.g. one already folded)
    # must not be folded again from default BN statistics
    meta = load_checkpoint(model, args.checkpoint, map_location='cpu',
                           strict=True).get('meta', {})
    model.eval()
    folded = fold_batch_norm(copy.deepcopy(model))
    images = torch.randn(2, 3, *args.shape, generator=torch.Generator()
                         .manual_seed(0))
    with torch.no_grad():
        before = model(images, mode='tensor')
        after = folded(images, mode='tensor')
    change = (before - after).abs().max().item()
    print(f'BN layers: {count_batch_norms(model)} -> '
          f'{count_batch_norms(folded)}; largest change of the logits: '
          f'{change:.2e}')
    if not change <= args.atol:
        raise RuntimeError(f'folding changed the logits by {change:.2e} > '
                           f'--atol {args.atol:.0e}; not saved')
    save_checkpoint(
        dict(state_dict=folded.state_dict(),
             meta=dict(bn_folded=True, source=args.checkpoint,
                       dataset_meta=meta.get('dataset_meta'))), args.out)
    print(f'saved to {args.out}')


if __name__ == '__main__':
    main()
