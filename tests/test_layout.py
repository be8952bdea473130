# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The package's layering (README, "Layout"): imports only point down, and
``import mmseg_ctx`` (what configs' ``custom_imports`` does) registers the
models without the tools' library or mmseg's APIs."""
import ast
import glob
import os.path as osp
import subprocess
import sys

import pytest
from helpers import ROOT

PACKAGE = osp.join(ROOT, 'mmseg_ctx')
#: what each layer may import from mmseg_ctx (itself always)
ALLOWED = {
    'models': {'models'},
    'datasets': set(),
    'engine': {'models'},
    'analysis': {'models', 'engine', 'datasets'},
}


def imported_modules(path: str):
    """The absolute names of the modules a file imports."""
    module = osp.relpath(path, ROOT)[:-3].replace(osp.sep, '.')
    package = module.rsplit('.', 1)[0] if not module.endswith(
        '__init__') else module[:-len('.__init__')]
    for node in ast.walk(ast.parse(open(path, encoding='utf-8').read())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')
                base = base[:len(base) - node.level + 1]
                yield '.'.join(base + ([node.module] if node.module else []))
            else:
                yield node.module


def layer_of(name: str):
    parts = name.split('.')
    return parts[1] if parts[0] == 'mmseg_ctx' and len(parts) > 1 else None


@pytest.mark.parametrize('layer', sorted(ALLOWED))
def test_imports_point_down(layer):
    files = glob.glob(osp.join(PACKAGE, layer, '**', '*.py'), recursive=True)
    assert files
    wrong = []
    for path in files:
        for name in imported_modules(path):
            target = layer_of(name)
            if target in ALLOWED and target != layer and \
                    target not in ALLOWED[layer]:
                wrong.append(f'{osp.relpath(path, ROOT)} imports {name}')
    assert not wrong, wrong


def test_the_walk_sees_relative_imports():
    """The check above would catch ``from ...analysis import x``."""
    path = osp.join(PACKAGE, 'engine', 'hooks', 'mcibi_memory_hook.py')
    assert 'mmseg_ctx.models.decode_heads' in set(imported_modules(path))


def test_import_mmseg_ctx_leaves_the_tools_library_out():
    code = ('import sys, mmseg_ctx; print(sorted(m for m in sys.modules if '
            "m.startswith(('mmseg.apis', 'mmseg.evaluation', "
            "'mmseg_ctx.analysis'))))")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == '[]'
    # and the tools' library itself does import them
    code = code.replace('mmseg_ctx;', 'mmseg_ctx.analysis;')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    assert 'mmseg.apis' in out and 'mmseg_ctx.analysis' in out


def test_importing_the_test_helpers_registers_nothing():
    """The tests' modules add nothing to mmseg's registries when imported;
    a test's hook registers when a config imports it (custom_imports)."""
    code = (
        'import sys; sys.path.insert(0, "tests"); import mmseg_ctx; '
        'from mmseg.registry import HOOKS, MODELS; '
        'count = lambda: (len(HOOKS.module_dict), len(MODELS.module_dict)); '
        'before = count(); import helpers, data_makers, config_writers, '
        'model_makers, doc_commands, conftest; after = count(); '
        'import dump_memory_hook; print(before == after, count() > after)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    assert out.split() == ['True', 'True']
