# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""What the tests run things with: the repository root, the tools'
environment, scripts run, free ports."""
import os
import os.path as osp
import socket
import subprocess
import sys
from typing import Dict

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def tool_env(**extra: str) -> Dict[str, str]:
    """Environment for running the tools in subprocesses of this Python."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (ROOT, osp.join(ROOT, 'tests'), env.get('PYTHONPATH'))
        if p)
    env['PYTHON'] = sys.executable
    env['OMP_NUM_THREADS'] = '1'
    env.update(extra)
    return env


def run_script(*args: str) -> str:
    """Run ``python ARGS`` from the repository root; its stdout, once it
    has succeeded."""
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=tool_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc.stdout


def run_failing(*args: str) -> str:
    """Run ``python ARGS`` as :func:`run_script`, expecting it to fail; its
    stderr."""
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=tool_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0, proc.stdout[-4000:]
    return proc.stderr
