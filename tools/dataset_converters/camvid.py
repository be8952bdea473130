# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Convert CamVid from SegNet's layout into mmseg's.

SegNet's CamVid (11 classes, 360x480) comes as::

    SRC/{train,val,test}/*.png            RGB images
    SRC/{train,val,test}annot/*.png       label maps, 0..10 classes, 11 void
    SRC/{train,val,test}.txt              "image label" per line (optional)

The list files hold absolute paths of SegNet's own machine
(``/SegNet/CamVid/...``): only their file names are used. Whichever of the
three splits exist are written as::

    OUT/img_dir/{split}/NAME.png          the images, copied
    OUT/ann_dir/{split}/NAME.png          labels with void (11) mapped to 255

A label value above 11, a label that is not a single channel, or a label
whose size differs from its image stops the conversion with the file named.

Example::

    python tools/dataset_converters/camvid.py SegNet/CamVid --out data/camvid
"""
import argparse

from mmseg_ctx.analysis.camvid_conversion import convert


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Convert SegNet's CamVid into mmseg's layout")
    parser.add_argument('src', help="SegNet's CamVid folder")
    parser.add_argument('--out', default='data/camvid', help='output folder')
    parser.add_argument(
        '--nproc', type=int, default=1, help='number of processes')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    counts = convert(args.src, args.out, args.nproc)
    print(f'done: {counts} -> {args.out}')


if __name__ == '__main__':
    main()
