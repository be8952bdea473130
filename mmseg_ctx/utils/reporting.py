# Copyright (c) mmseg_ctx contributors. All rights reserved.
import os.path as osp

from mmengine.utils import mkdir_or_exist


def write_markdown(table: str, path: str) -> None:
    """Print a markdown table of a tool and write it to ``path``."""
    print('\n' + table)
    mkdir_or_exist(osp.dirname(osp.abspath(path)))
    with open(path, 'w', encoding='utf-8') as f:
        f.write(table)
