# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The launch scripts refuse a process count that is not a whole number of
at least 1 in one line, before torch's launcher or srun would assert."""
import subprocess

import pytest
from helpers import ROOT, tool_env


def refused(args, **env) -> str:
    proc = subprocess.run(['bash', *args], cwd=ROOT, env=tool_env(**env),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ''
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.mark.parametrize('count', ['0', '-1', 'two', ''])
def test_dist_scripts_refuse_a_bad_process_count(count):
    assert refused(['tools/dist_train.sh', 'CONFIG', count]) == (
        'tools/dist_train.sh: the process count (GPUS) must be a whole '
        f"number of at least 1, got '{count}'")
    assert refused(['tools/dist_test.sh', 'CONFIG', 'CKPT', count]).startswith(
        'tools/dist_test.sh: the process count (GPUS)')


@pytest.mark.parametrize('variable', ['GPUS', 'GPUS_PER_NODE',
                                      'CPUS_PER_TASK'])
def test_slurm_scripts_refuse_a_bad_count(variable):
    assert refused(['tools/slurm_train.sh', 'PART', 'JOB', 'CONFIG'],
                   **{variable: '0'}) == (
        f"tools/slurm_train.sh: {variable} must be a whole number of at "
        "least 1, got '0'")
    assert 'tools/slurm_test.sh' in refused(
        ['tools/slurm_test.sh', 'PART', 'JOB', 'CONFIG', 'CKPT'],
        **{variable: 'x'})
