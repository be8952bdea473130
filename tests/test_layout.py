# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The package's layering (README, "Layout"): imports only point down,
``import mmseg_ctx`` (what configs' ``custom_imports`` does) registers the
models without the tools' library or mmseg's APIs, and ``tools/`` are thin
command lines over that library, which the tests import instead of the
tools."""
import ast
import glob
import os.path as osp
import subprocess
import sys

import pytest
from helpers import ROOT

PACKAGE = osp.join(ROOT, 'mmseg_ctx')
TOOLS = osp.join(ROOT, 'tools')
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


def python_files(folder: str):
    return sorted(glob.glob(osp.join(folder, '**', '*.py'), recursive=True))


def dotted(node: ast.AST) -> str:
    """``a.b.c`` of a name or an attribute chain; '' for anything else."""
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f'{base}.{node.attr}' if base else ''
    return node.id if isinstance(node, ast.Name) else ''


#: what loads a file as a module (a tool is a script: a test runs it as a
#: command line, or imports the library it calls)
FILE_LOADERS = {
    'load_script', 'spec_from_file_location', 'module_from_spec',
    'exec_module', 'SourceFileLoader', 'run_path'
}


def tool_loads(source: str) -> list:
    """Where a test file loads a file as a module, imports from
    ``tools``, or puts a folder on ``sys.path``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and dotted(node.func) in (
                'sys.path.insert', 'sys.path.append'):
            found.append(f'line {node.lineno}: {dotted(node.func)}')
        elif isinstance(node, (ast.Name, ast.Attribute)) and (
                node.id if isinstance(node, ast.Name) else
                node.attr) in FILE_LOADERS:
            found.append(f'line {node.lineno}: {dotted(node)}')
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [alias.name for alias in node.names] if isinstance(
                node, ast.Import) else [node.module or '']
            found += [f'line {node.lineno}: import {m}' for m in modules
                      if m.split('.')[0] == 'tools']
    return found


def test_no_test_loads_a_tool():
    """The tests import :mod:`mmseg_ctx.analysis` for the tools' work and
    run the tools as command lines; none loads a tool's file."""
    wrong = {
        osp.relpath(path, ROOT): found
        for path in python_files(osp.join(ROOT, 'tests'))
        if (found := tool_loads(open(path, encoding='utf-8').read()))
    }
    assert not wrong, wrong


def test_the_walk_sees_a_tool_loaded():
    """The check above would catch the ways tests loaded tools before."""
    for source in (
            "demo = load_script('tools', 'demo.py')",
            'spec = importlib.util.spec_from_file_location(NAME, GENERATOR)',
            "sys.path.insert(0, osp.join(ROOT, 'tools', 'misc'))",
            'from tools.misc import gpu_check'):
        assert tool_loads(source), source
    assert not tool_loads("run_script('tools/demo.py', '--num-vis', '1')")


#: a tool's top-level functions: its command line, and glue named here
TOOL_FUNCTIONS = {'parse_args', 'main'}
TOOL_GLUE = {
    # mmseg's tools/test.py's own, the config's visualisation from --show
    'tools/test.py': {'trigger_visualization_hook'},
    # its library from its folder: mmseg_ctx imports what the tool installs
    'tools/misc/gpu_check.py': {'load_library'},
}
#: the most statements of a tool's function but ``parse_args``: a longer
#: one does work of its own, which belongs in the library
MAX_STATEMENTS = 20


def top_level_names(tree: ast.Module):
    """``(name, node)`` of what a module defines at its top: functions,
    classes, assigned names."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            yield node.name, node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [
                node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        yield name.id, node


def library_names() -> dict:
    """Public name -> the module of ``mmseg_ctx.analysis`` defining it, but
    ``parse_args`` and ``main`` (modules run with ``python -m``)."""
    names = {}
    for path in python_files(osp.join(PACKAGE, 'analysis')):
        tree = ast.parse(open(path, encoding='utf-8').read())
        for name, _ in top_level_names(tree):
            if not name.startswith('_') and name not in TOOL_FUNCTIONS:
                names.setdefault(name, osp.relpath(path, ROOT))
    return names


def test_tools_are_thin_command_lines():
    """No tool defines what the library defines, nor a class; its
    functions are ``parse_args``, ``main`` and the glue of
    :data:`TOOL_GLUE`, each but ``parse_args`` short."""
    library = library_names()
    assert {'run_demo', 'measure', 'markdown_table', 'CHECKS'} <= set(library)
    tools = {osp.relpath(p, ROOT): p for p in python_files(TOOLS)}
    assert len(tools) > 15 and set(TOOL_GLUE) <= set(tools)
    wrong = []
    for tool, path in tools.items():
        tree = ast.parse(open(path, encoding='utf-8').read())
        allowed = TOOL_FUNCTIONS | TOOL_GLUE.get(tool, set())
        defined = set()
        for name, node in top_level_names(tree):
            defined.add(name)
            if name in library:
                wrong.append(f'{tool}: {name}, as {library[name]}')
            if isinstance(node, ast.ClassDef):
                wrong.append(f'{tool}: class {name}')
            elif isinstance(node, ast.FunctionDef) and name not in allowed:
                wrong.append(f'{tool}: {name}()')
            elif isinstance(node, ast.FunctionDef) and name != 'parse_args':
                count = sum(isinstance(n, ast.stmt) for n in ast.walk(node))
                if count - 1 > MAX_STATEMENTS:
                    wrong.append(f'{tool}: {name}() of {count - 1} '
                                 'statements')
        wrong += [f'{tool}: no {name}() of TOOL_GLUE'
                  for name in TOOL_GLUE.get(tool, set()) - defined]
    assert not wrong, wrong
