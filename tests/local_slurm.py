# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""A real single-node Slurm on this machine, for the tests: Debian's
``slurm-wlm`` daemons and ``munge`` (installed with apt when missing, as
root), ``munged``, ``slurmctld`` and ``slurmd`` started on localhost with a
minimal ``slurm.conf`` in a folder of their own, and stopped afterwards."""
import contextlib
import os
import os.path as osp
import shutil
import signal
import socket
import subprocess
import time
from typing import Dict, Iterator, List

from helpers import free_port

#: Debian's packages for a controller, a compute node and the client tools
PACKAGES = ('munge', 'slurmctld', 'slurmd', 'slurm-client')
PROGRAMS = ('munged', 'slurmctld', 'slurmd', 'srun', 'sinfo', 'scontrol')
#: daemons live in /usr/sbin, which a user's PATH may lack
SEARCH_PATH = os.pathsep.join(
    (os.environ.get('PATH', ''), '/usr/sbin', '/usr/bin'))
PARTITION = 'ctx'

SLURM_CONF = """\
ClusterName=mmsegctx
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={root}/munge/munge.socket
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName={partition} Nodes={host} Default=YES MaxTime=INFINITE \
State=UP OverSubscribe=YES
"""


class SlurmUnavailable(RuntimeError):
    """Slurm cannot run here: not installed and not installable, or the
    daemons do not start (the message says which and why)."""


def which(program: str) -> str:
    return shutil.which(program, path=SEARCH_PATH)


def ensure_installed() -> None:
    """Install :data:`PACKAGES` with apt unless their programs are there."""
    if all(which(program) for program in PROGRAMS):
        return
    if os.geteuid() != 0:
        raise SlurmUnavailable(
            'slurm-wlm and munge are not installed, and apt needs root to '
            'install them (the tests do not run as root)')
    if which('apt-get') is None:
        raise SlurmUnavailable('slurm-wlm and munge are not installed, and '
                               'there is no apt-get to install them')
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    install = ['apt-get', 'install', '-y', '-q', '--no-install-recommends',
               *PACKAGES]
    proc = subprocess.run(install, env=env, capture_output=True, text=True)
    if proc.returncode != 0:  # no package lists yet (a fresh machine)
        subprocess.run(['apt-get', 'update', '-q'], env=env,
                       capture_output=True, text=True)
        proc = subprocess.run(install, env=env, capture_output=True,
                              text=True)
    if proc.returncode != 0:
        raise SlurmUnavailable(f'`{" ".join(install)}` failed:\n'
                               f'{(proc.stdout + proc.stderr)[-2000:]}')


def start(cmd: List[str], what: str, root: str, env: Dict[str, str]) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SlurmUnavailable(
            f'{what} does not start: {proc.stdout + proc.stderr}'
            f'{log_tail(root, what)}')


def log_tail(root: str, what: str) -> str:
    path = osp.join(root, f'{what}.log')
    if not osp.exists(path):
        return ''
    with open(path) as f:
        return f'\n{path}:\n' + ''.join(f.readlines()[-20:])


def wait_until_idle(root: str, host: str, env: Dict[str, str],
                    timeout: float = 60) -> None:
    """Until slurmd has registered its node with slurmctld."""
    deadline = time.monotonic() + timeout
    state = ''
    while time.monotonic() < deadline:
        proc = subprocess.run(
            [which('sinfo'), '-h', '-n', host, '-o', '%T'], env=env,
            capture_output=True, text=True)
        state = (proc.stdout + proc.stderr).strip()
        if state == 'idle':
            return
        time.sleep(0.5)
    raise SlurmUnavailable(
        f'node {host} is not idle after {timeout} s (sinfo: {state!r})'
        f'{log_tail(root, "slurmctld")}{log_tail(root, "slurmd")}')


def stop(root: str, env: Dict[str, str]) -> None:
    """``scontrol shutdown`` (both Slurm daemons), then munged; any daemon
    still running after 30 s is killed."""
    subprocess.run([which('scontrol'), 'shutdown'], env=env,
                   capture_output=True)
    for name in ('slurmctld.pid', 'slurmd.pid', 'munge/munged.pid'):
        path = osp.join(root, name)
        if not osp.exists(path):
            continue
        with open(path) as f:
            pid = int(f.read().strip() or 0)
        if pid <= 0:
            continue
        if name.startswith('munge') and alive(pid):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (an exited daemon that nobody reaps, a zombie,
    does not)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


@contextlib.contextmanager
def local_slurm(root: str) -> Iterator[Dict[str, str]]:
    """A running single-node Slurm with its files under ``root``.

    Yields the variables its clients (``srun``, ``sinfo``, ...) need:
    ``SLURM_CONF``, the daemons' folders on ``PATH``, and ``MASTER_ADDR``
    where this host's name does not resolve (the launcher otherwise takes
    the node's name from ``scontrol``). Raises :class:`SlurmUnavailable`
    before yielding if it cannot be set up.
    """
    ensure_installed()
    root = osp.abspath(root)
    host = socket.gethostname().split('.')[0]
    for sub in ('munge', 'state', 'spool'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    os.chmod(root, 0o755)  # munged wants its socket's folders searchable
    os.chmod(osp.join(root, 'munge'), 0o755)
    key = osp.join(root, 'munge', 'munge.key')
    with open(key, 'wb') as f:
        f.write(os.urandom(1024))
    os.chmod(key, 0o600)
    conf = osp.join(root, 'slurm.conf')
    with open(conf, 'w') as f:
        f.write(SLURM_CONF.format(
            host=host, root=root, ctld_port=free_port(),
            slurmd_port=free_port(), cpus=os.cpu_count(),
            partition=PARTITION))
    env = dict(os.environ, SLURM_CONF=conf, PATH=SEARCH_PATH)
    client_env = dict(SLURM_CONF=conf, PATH=SEARCH_PATH)
    try:
        socket.gethostbyname(host)
    except OSError:
        client_env['MASTER_ADDR'] = '127.0.0.1'
    munge_dir = osp.join(root, 'munge')
    try:
        start([which('munged'), f'--key-file={key}',
               f'--socket={munge_dir}/munge.socket',
               f'--pid-file={munge_dir}/munged.pid',
               f'--log-file={root}/munged.log',
               f'--seed-file={munge_dir}/munged.seed', '--force'],
              'munged', root, env)
        start([which('slurmctld'), '-f', conf], 'slurmctld', root, env)
        start([which('slurmd'), '-f', conf], 'slurmd', root, env)
        wait_until_idle(root, host, env)
        yield client_env
    finally:
        stop(root, env)
