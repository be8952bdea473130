# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Write ``configs/<method>/metafile.yaml`` and ``model-index.yml``, the
OpenMMLab model-zoo metadata that ``mim search mmseg_ctx`` reads, from the
configs themselves and the measured results.

Every config of a method folder becomes a model: its training data, batch
(GPUs x images), backbone and heads from the resolved config, and, where
this project trained it, its results: val mIoU / mAcc / aAcc as the mean
over the seeds of ``benchmarks/camvid/results.json``. Configs of the
papers' recipes that were not trained here have no results (they would
need GPUs this project did not have). ``--check`` compares instead of
writing and fails if a file is not up to date (a test runs it).

Example::

    python tools/misc/update_metafiles.py
"""
import argparse
import os.path as osp
import sys
from typing import List

from mmseg_ctx.analysis.metafiles import expected_files
from mmseg_ctx.analysis.paths import ROOT


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--check', action='store_true',
                        help='fail if a file is not up to date')
    args = parser.parse_args(argv)
    stale = []
    for rel, text in expected_files().items():
        path = osp.join(ROOT, rel)
        current = open(path, encoding='utf-8').read() if osp.exists(
            path) else None
        if current != text:
            stale.append(rel)
            if not args.check:
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(text)
    if args.check and stale:
        print(f'not up to date: {stale}; run tools/misc/update_metafiles.py',
              file=sys.stderr)
        return 1
    print('written: ' + ', '.join(stale) if stale else 'up to date')
    return 0


if __name__ == '__main__':
    sys.exit(main())
