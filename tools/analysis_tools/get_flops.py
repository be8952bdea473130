# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""FLOPs and parameters of any segmentor config, ours or mmseg's: mmseg's
``tools/analysis_tools/get_flops.py`` with its command line and output.

mmseg 1.2.2's own script passes both ``input_shape`` and ``inputs`` to
mmengine 0.10.7's ``get_model_complexity_info``, which refuses that for
every config (``"input_shape" and "inputs" cannot be both set``). This one
runs mmengine's ``FlopAnalyzer`` directly on the model's ``_forward``
(mode ``'tensor'``), with the handle for ``scaled_dot_product_attention``
that mmengine lacks (MCIBI's attention, eq. 13-14), so attention is
counted. As in mmseg's script: a random image of ``--shape`` through the
model's data preprocessor, eval mode, the auxiliary head removed, SyncBN
as BN, one multiply-add counted as one FLOP.

Example::

    python tools/analysis_tools/get_flops.py \\
        configs/mcibi/mcibi-fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py \\
        --shape 128 128
"""
import argparse

from mmengine.analysis.print_helper import _format_size
from mmengine.config import Config, DictAction

from mmseg_ctx.analysis.model_complexity import complexity


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Get the FLOPs of a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=[2048, 1024],
        help='input image size (one value: a square)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, as in train.py')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    result = complexity(cfg, args.shape)
    split_line = '=' * 30
    if result['pad_shape'] != result['ori_shape']:
        print(f'{split_line}\nUse size divisor set input shape from '
              f'{result["ori_shape"]} to {result["pad_shape"]}')
    print(f'{split_line}\nCompute type: direct: randomly generate a picture\n'
          f'Input shape: {result["pad_shape"]}\n'
          f'Flops: {_format_size(result["flops"])}\n'
          f'Params: {_format_size(result["params"])}\n{split_line}')
    print('!!!Please be cautious if you use the results in papers. '
          'You may need to check if all ops are supported and verify that '
          'the flops computation is correct.')


if __name__ == '__main__':
    main()
