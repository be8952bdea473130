# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The benchmark's records: typed, versioned, read back from version 1,
refused with the file's name when broken, written whole or not at all
(the report too)."""
import errno
import json
import os
import os.path as osp

import pytest
from helpers import ROOT

from mmseg_ctx.analysis.benchmark import (SCHEMA_VERSION, Pair, RecordError,
                                          Results, RunRecord, SplitMetrics,
                                          Timing, read_results, read_run)
from mmseg_ctx.analysis.benchmark import records as records_module
from mmseg_ctx.analysis.benchmark.records import atomic_write, write_json
from mmseg_ctx.analysis.benchmark.report import write_report

V1 = osp.join(ROOT, 'benchmarks', 'camvid', 'results.json')


def results() -> Results:
    val = SplitMetrics(50., 60., 70., {'a': 50., 'b': None}, ['x.png'],
                       [[1, 0]], [[2, 0]])
    run = RunRecord('m.py', 0, val, None, 4, None, 10, 20, [1, 3, 8, 8],
                    1.5, 'iter_2.pth', 'iter_4.pth', 'w/m/seed0',
                    [[2, 40.], [4, 50.]], amp=True)
    base = RunRecord(**dict(run.__dict__, config='b.py', amp=False))
    return Results([Pair('p', 'm.py', 'b.py', ('model', ), 'paper: +1')],
                   [0], [run, base], {'m.py': Timing(0.5, 10., 'cpu', 20)})


def test_round_trip(tmp_path):
    path = str(tmp_path / 'results.json')
    write_json(results(), path)
    data = json.loads(open(path).read())
    assert data['version'] == SCHEMA_VERSION
    assert data['suite'][0]['differs'] == ['model']
    assert read_results(path) == results()
    write_json(results().runs[0], str(tmp_path / 'result.json'))
    assert read_run(str(tmp_path / 'result.json')) == results().runs[0]


def test_version_1_reads_as_version_2():
    """The 800-iteration benchmark's results: no version, no per-image
    counts, pairs without differs."""
    old = json.load(open(V1))
    assert 'version' not in old
    read = read_results(V1)
    assert read.version == SCHEMA_VERSION
    assert len(read.runs) == len(old['runs'])
    assert read.runs[0].val.mIoU == old['runs'][0]['val']['mIoU']
    assert read.runs[0].val.intersect is None
    assert read.runs[0].amp is None  # not recorded
    assert read.suite[0].differs == ()
    assert read.timing[read.runs[0].config].iters == 20


@pytest.mark.parametrize('text, error', [
    ('{"suite": [', 'cannot read'),
    ('{"suite": []}', "is not a benchmark record: KeyError: 'seeds'"),
    ('{"version": 99, "suite": [], "seeds": [], "runs": []}',
     'version 99 is newer'),
    ('[1, 2]', 'is not a benchmark record'),
])
def test_broken_records_name_the_file(tmp_path, text, error):
    path = tmp_path / 'results.json'
    path.write_text(text)
    with pytest.raises(RecordError, match=error) as info:
        read_results(str(path))
    assert str(path) in str(info.value)
    with pytest.raises(RecordError, match='cannot read'):
        read_run(str(tmp_path / 'missing.json'))


def full_disk(monkeypatch):
    """Every write of a record fails half-way, as on a full disk."""
    fdopen = os.fdopen

    class FullFile:

        def __init__(self, fd, mode):
            self.f = fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[:len(data) // 2])
            raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(records_module.os, 'fdopen', FullFile)


def test_writes_are_whole_or_nothing(tmp_path, monkeypatch):
    path = tmp_path / 'results.json'
    atomic_write(str(path), b'old')
    full_disk(monkeypatch)
    with pytest.raises(OSError, match='No space left'):
        write_json(results(), str(path))
    assert path.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['results.json']  # no temporary left


def test_report_is_whole_or_nothing(tmp_path, monkeypatch):
    out = tmp_path / 'out'
    report = write_report(results(), str(out))
    assert (out / 'report.md').read_text() == report
    before = {p: (out / p).read_bytes() for p in os.listdir(out)}
    assert sorted(before) == ['curves.png', 'per_class.png', 'report.md']
    edited = results()
    edited.runs[0].val.mIoU = 99.
    full_disk(monkeypatch)
    with pytest.raises(OSError, match='No space left'):
        write_report(edited, str(out))
    assert {p: (out / p).read_bytes() for p in os.listdir(out)} == before
