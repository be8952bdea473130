# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The markdown tables the analysis tools print and the docs, benchmark
READMEs and method READMEs quote."""
import argparse
import os.path as osp
from typing import Any, Callable

from mmengine.utils import mkdir_or_exist


def write_markdown(table: str, path: str) -> None:
    """Print a markdown table of a tool and write it to ``path``."""
    print('\n' + table)
    mkdir_or_exist(osp.dirname(osp.abspath(path)))
    with open(path, 'w', encoding='utf-8') as f:
        f.write(table)


def run_table_tool(
        parse_args: Callable[[], argparse.Namespace],
        measure: Callable[[argparse.Namespace], Any],
        markdown_table: Callable[[Any, argparse.Namespace], str]) -> None:
    """The ``main()`` of a tool that measures and writes one table: parse
    the command line, ``measure(args)``, format the result with
    ``markdown_table(result, args)`` and write it to ``args.out``."""
    args = parse_args()
    write_markdown(markdown_table(measure(args), args), args.out)
