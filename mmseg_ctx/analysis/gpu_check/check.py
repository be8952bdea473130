# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""One check of the GPU check: its processes, each with a time limit within
the budget, their output logged, its verdict."""
import os
import os.path as osp
import signal
import subprocess
import sys
import threading
import time
from typing import Callable, Dict, List, Optional

#: the repository's root (as :data:`mmseg_ctx.analysis.paths.ROOT`, which
#: needs mmengine)
ROOT = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


class Check:
    """One check's processes, output and verdict."""

    def __init__(self, name: str, out: str, env: Dict,
                 deadline: float) -> None:
        self.name = name
        self.env = env
        self.deadline = deadline
        self.log_path = osp.join(out, 'logs', f'{name}.log')
        self.lock = threading.Lock()  # calls of one check may run at once
        self.result = dict(name=name, status='pass', details={}, table='')

    def call(self, cmd: List[str], timeout: float,
             env: Optional[Dict] = None) -> str:
        """Run ``cmd`` in the repository with at most ``timeout`` seconds
        (less where the budget ends sooner); its output goes to the log and
        is returned. A non-zero exit raises."""
        name = ' '.join(cmd[2:4])
        limit = min(timeout, self.deadline - time.time())
        if limit < 5:
            raise TimeoutError(f'no time left in the budget for {name}')
        # a session of its own: a timeout stops its children too (data
        # loader workers, ranks), which would skew the timed checks
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env={**self.env, **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=limit)
            end = f'[exit {proc.returncode}]'
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
            end = f'[killed after {limit:.0f} s]'
        with self.lock, open(self.log_path, 'a', encoding='utf-8') as log:
            log.write(f'$ {" ".join(cmd)}\n{output}\n{end}\n')
        if end.startswith('[killed'):
            raise TimeoutError(f'{name} ran past {limit:.0f} s')
        if proc.returncode:
            tail = ' / '.join(output.strip().splitlines()[-3:])
            raise RuntimeError(
                f'{name} exited with {proc.returncode}: {tail}')
        return output

    def fail(self, reason: str) -> None:
        """Mark the check failed, with ``reason``; it goes on."""
        self.result['status'] = 'fail'
        self.result.setdefault('failures', []).append(reason)


def python() -> List[str]:
    """This interpreter, unbuffered: how the checks run our tools."""
    return [sys.executable, '-u']


def run_check(name: str, fn: Callable, mode: Dict, work: str, out: str,
              env: Dict, deadline: float) -> Dict:
    """Run one check, ``fn(check, mode, work)``, to ``deadline``; its
    result, also printed in a line. An error or a timeout is the check's
    verdict and never stops the others."""
    check = Check(name, out, env, deadline)
    start = time.time()
    try:
        fn(check, mode, work)
    except Exception as error:  # reported; never stops the others
        check.result['status'] = ('timeout' if isinstance(
            error, TimeoutError) else 'error')
        check.result['error'] = f'{type(error).__name__}: {error}'
    check.result['seconds'] = round(time.time() - start, 1)
    print(f'[{check.result["status"]}] {name} '
          f'({check.result["seconds"]} s): '
          f'{check.result.get("summary", check.result.get("error"))}',
          flush=True)
    return check.result
