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
import tempfile
import time
from typing import Dict, Iterator, List, Optional

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
AuthInfo=socket={socket}
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


def which(program: str) -> Optional[str]:
    """``program``'s path, /usr/sbin searched too; None if it is missing."""
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
    # wait for another apt (e.g. a fresh machine's unattended upgrades)
    apt = ['apt-get', '-q', '-o', 'DPkg::Lock::Timeout=300']
    install = [*apt, 'install', '-y', '--no-install-recommends', *PACKAGES]
    proc = subprocess.run(install, env=env, capture_output=True, text=True)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:  # no package lists yet (a fresh machine)
        update = subprocess.run([*apt, 'update'], env=env,
                                capture_output=True, text=True)
        proc = subprocess.run(install, env=env, capture_output=True,
                              text=True)
        output = update.stdout + update.stderr + proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise SlurmUnavailable(
            f'`{" ".join(install)}` failed:\n{output[-2000:]}')
    # the packages' scripts may have started the system's daemons (where
    # no policy-rc.d forbids it): the tests start their own
    if which('service'):
        for service in ('slurmd', 'slurmctld', 'munge'):
            subprocess.run([which('service'), service, 'stop'],
                           capture_output=True)


def start(cmd: List[str], what: str, root: str, env: Dict[str, str]) -> None:
    """Run a daemon's ``cmd`` (it forks into the background); its log's end
    in the error if it fails."""
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SlurmUnavailable(
            f'{what} does not start: {proc.stdout + proc.stderr}'
            f'{log_tail(root, what)}')


def log_tail(root: str, what: str) -> str:
    """The last lines of ``what``'s log under ``root``, for an error."""
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


def stop(env: Dict[str, str]) -> None:
    """Cancel what still runs in the partition, ``scontrol shutdown`` both
    Slurm daemons, then SIGTERM every process of this cluster still there
    (daemons, munged, job steps that outlive slurmd: those started with
    its ``SLURM_CONF``), and SIGKILL any still running 10 s later."""
    if which('scancel'):
        subprocess.run([which('scancel'), '--full',
                        f'--partition={PARTITION}'], env=env,
                       capture_output=True)
    subprocess.run([which('scontrol'), 'shutdown'], env=env,
                   capture_output=True)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in cluster_processes(env['SLURM_CONF']):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 10
        while (cluster_processes(env['SLURM_CONF'])
               and time.monotonic() < deadline):
            time.sleep(0.2)


def cluster_processes(conf: str) -> List[int]:
    """The running processes (this one aside) whose environment names
    ``conf`` as ``SLURM_CONF``: the daemons and what they started."""
    wanted = f'SLURM_CONF={conf}'.encode()
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            with open(f'/proc/{entry}/environ', 'rb') as f:
                if wanted in f.read().split(b'\0') and alive(int(entry)):
                    pids.append(int(entry))
    return pids


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
    for sub in ('state', 'spool'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    key = osp.join(root, 'munge.key')
    with open(key, 'wb') as f:
        f.write(os.urandom(1024))
    os.chmod(key, 0o600)
    # a socket's path has at most 107 bytes: a short folder of its own,
    # searchable, as munged wants it
    munge_dir = tempfile.mkdtemp(
        prefix='munge-', dir='/tmp' if osp.isdir('/tmp') else None)
    os.chmod(munge_dir, 0o755)
    munge_socket = osp.join(munge_dir, 'munge.socket')
    conf = osp.join(root, 'slurm.conf')
    with open(conf, 'w') as f:
        # the CPUs this process may use: slurmd drains a node that has
        # fewer than its line says
        f.write(SLURM_CONF.format(
            host=host, root=root, socket=munge_socket,
            ctld_port=free_port(), slurmd_port=free_port(),
            cpus=len(os.sched_getaffinity(0)), partition=PARTITION))
    env = dict(os.environ, SLURM_CONF=conf, PATH=SEARCH_PATH)
    client_env = dict(SLURM_CONF=conf, PATH=SEARCH_PATH)
    try:
        socket.gethostbyname(host)
    except OSError:
        client_env['MASTER_ADDR'] = '127.0.0.1'
    try:
        start([which('munged'), f'--key-file={key}',
               f'--socket={munge_socket}', f'--pid-file={root}/munged.pid',
               f'--log-file={root}/munged.log',
               f'--seed-file={root}/munged.seed', '--force'],
              'munged', root, env)
        start([which('slurmctld'), '-f', conf], 'slurmctld', root, env)
        start([which('slurmd'), '-f', conf], 'slurmd', root, env)
        wait_until_idle(root, host, env)
        yield client_env
    finally:
        stop(env)
        shutil.rmtree(munge_dir, ignore_errors=True)
