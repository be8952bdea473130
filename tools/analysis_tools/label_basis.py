# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Compute the label basis of DUpsampling (Tian et al., CVPR 2019, Sec. 3.1)
from the training labels of an mmseg config.

The training labels go through the config's own training pipeline (with
its augmentations, seeded); each is cut into r x r one-hot patches (partial
ones padded with ignore_index), and the top C~ principal directions of the
mean-centred patches become W. Ignored pixels add nothing to the statistics
(they are imputed with the mean, i.e. no class), so they never turn into a
class. Memory stays bounded for any K: the mean is exact over all patches,
the directions come from a randomised SVD of a seeded reservoir sample of
``--max-samples`` patches kept as label codes (2 bytes a pixel), never the
N x N covariance (5.9 GB in fp32 for ADE20K at r = 16, N = 38,400).

``--eval`` also restores the validation labels from their codes and
reports mIoU* (the paper's Table 1 upper bound) of DUpsampling and of the
bilinear baseline (area-downsampled one-hot, bilinear back, argmax) as a
markdown table.

Example::

    python tools/analysis_tools/label_basis.py \
        configs/dupsampling/dupsampling_r50-d16_4xb4-40k_voc12aug-512x512.py \
        --ratio 16 --channels 64 --out bases/voc12aug_r16_c64.pth --eval
"""
import argparse
import os.path as osp

from mmengine.config import Config, DictAction

from mmseg_ctx.analysis import compute_label_basis, upper_bound, write_markdown
from mmseg_ctx.analysis.label_basis_table import markdown_table
from mmseg_ctx.models.utils import load_label_basis, save_label_basis


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='mmseg config whose data to use')
    parser.add_argument('--ratio', type=int, required=True, help='r')
    parser.add_argument('--channels', type=int, required=True, help='C~')
    parser.add_argument('--out', required=True, help='basis file to write')
    parser.add_argument(
        '--reuse',
        action='store_true',
        help='load --out instead of computing it (e.g. to --eval it)')
    parser.add_argument(
        '--eval', action='store_true', help='report mIoU* on val labels')
    parser.add_argument('--table', help='also write the table to this file')
    parser.add_argument(
        '--epochs', type=int, default=1, help='passes over the train set')
    parser.add_argument(
        '--max-samples',
        type=int,
        default=200_000,
        help='patches kept for the PCA (memory: 2 * r * r bytes each)')
    parser.add_argument('--ignore-index', type=int, default=255)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, as in tools/train.py')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.reuse:
        record = load_label_basis(
            args.out, ratio=args.ratio, channels=args.channels)
    else:
        record = compute_label_basis(
            cfg,
            args.ratio,
            args.channels,
            epochs=args.epochs,
            max_samples=args.max_samples,
            ignore_index=args.ignore_index,
            num_workers=args.num_workers,
            seed=args.seed)
        record['config'] = osp.basename(args.config)
        save_label_basis(record, args.out)
    explained = (record['explained_variance'].sum() /
                 record['total_variance']).item()
    print(f'\nbasis r={record["ratio"]}, K={record["num_classes"]}, '
          f'C~={record["channels"]} from {record["num_patches"]} patches '
          f'({record["num_samples"]} sampled): {100 * explained:.2f}% of the '
          f'variance, written to {args.out}')
    if args.eval:
        table = markdown_table(record, upper_bound(cfg, record,
                                                   args.num_workers))
        if args.table:
            write_markdown(table, args.table)
        else:
            print('\n' + table)


if __name__ == '__main__':
    main()
