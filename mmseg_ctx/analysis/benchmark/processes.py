# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The benchmark's processes: one benchmark a work dir (a lock), and child
processes that die with the tool, however it dies."""
import contextlib
import fcntl
import os
import os.path as osp
import socket
import subprocess
import sys
from typing import Iterator, Sequence

LOCK = '.benchmark.lock'
#: run in a fresh interpreter before the child's command: ask the kernel
#: for SIGTERM when the parent dies (Linux's PR_SET_PDEATHSIG, which
#: ``execv`` keeps), stop if the parent is already gone, then become the
#: command. No ``preexec_fn``: Python code between fork and exec can
#: deadlock in a parent with threads (torch's).
GUARD = '''import ctypes, os, signal, sys
parent, argv = int(sys.argv[1]), sys.argv[2:]
if sys.platform.startswith('linux'):
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)
if os.getppid() != parent:
    sys.exit('[benchmark] the benchmark ended before its run started')
os.execv(argv[0], argv)
'''


class BenchmarkError(RuntimeError):
    """A benchmark that cannot start; says why."""


@contextlib.contextmanager
def work_dir_lock(work_dir: str) -> Iterator[None]:
    """Hold ``{work_dir}/.benchmark.lock`` (a ``flock``, which the kernel
    drops with the process), or raise naming the pid that holds it."""
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, LOCK), 'a+') as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            raise BenchmarkError(
                f'another benchmark (pid {f.read().strip() or "?"}) runs in '
                f'{work_dir}; wait for it or stop it') from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def free_port() -> int:
    """A TCP port free on this machine now, for a launcher's rendezvous."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def child(module: str, args: Sequence[str], gpus: int = 1) -> int:
    """``python -m module args``, or ``gpus`` processes of it under torch's
    launcher (one per GPU, or gloo processes on a CPU machine, as
    ``tools/dist_train.sh``); its exit status. The child (the launcher,
    which passes SIGTERM on to its workers) dies with this process."""
    launch = [sys.executable, '-m', module]
    if gpus > 1:
        launch = [
            sys.executable, '-m', 'torch.distributed.run',
            f'--nproc_per_node={gpus}', f'--master_port={free_port()}', '-m',
            module, '--launcher', 'pytorch'
        ]
    proc = subprocess.Popen(
        [sys.executable, '-c', GUARD,
         str(os.getpid()), *launch, *args])
    try:
        return proc.wait()
    finally:  # interrupted: end the run
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
