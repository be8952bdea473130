# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The upper bound of a label basis as a table: mIoU* (Table 1 of the
DUpsampling paper) of DUpsampling and of bilinear upsampling at the basis's
ratio, the paper's figures beside."""
#: Table 1 of the paper (PASCAL VOC 2012 val), mIoU* by output stride
PAPER_UPPER_BOUND = {
    32: dict(bilinear=94.80, dupsampling=99.90),
    16: dict(bilinear=98.40, dupsampling=99.95),
}


def markdown_table(record: dict, miou: dict) -> str:
    """mIoU* of both methods at the basis's ratio, the paper's beside."""
    ratio = record['ratio']
    paper = PAPER_UPPER_BOUND.get(ratio, {})
    lines = [
        '| upsampling | ratio r | C~ | mIoU* (%) | paper, VOC val (%) |',
        '|---|---|---|---|---|'
    ]
    for name, label, channels in (('bilinear', 'bilinear', '-'),
                                  ('dupsampling', 'DUpsampling',
                                   record['channels'])):
        figure = f'{paper[name]:.2f}' if name in paper else '-'
        lines.append(f'| {label} | {ratio} | {channels} | '
                     f'{miou[name]:.2f} | {figure} |')
    return '\n'.join(lines) + '\n'
