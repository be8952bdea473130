# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The benchmark's records: a run's (``result.json`` in its work dir) and
the suite's (``results.json`` in the out dir, built from the runs'),
typed, versioned and written atomically.

Version 1 (the 800-iteration CamVid benchmark) had no ``version`` key, no
``differs`` or ``claim`` in its pairs, no per-image counts and no record
of the precision; it is read as version 2 with those empty (``amp`` and
``channels_last`` None: not recorded).
"""
import dataclasses
import json
import os
import os.path as osp
import tempfile
from typing import Any, Callable, Dict, List, Optional, Tuple

SCHEMA_VERSION = 2
RESULT = 'result.json'  # a finished run's record, in its work dir
TRAINED = 'trained.json'  # written there once its training has ended


class RecordError(ValueError):
    """A record file that cannot be read; names the file."""


class NewerVersionError(RecordError):
    """A record written by a newer version of the benchmark."""


@dataclasses.dataclass
class Pair:
    """A method and its baseline, the keys of the resolved configs the pair
    is about (``differs``, dotted, e.g. ``model.decode_head``) and the
    paper's claim for it, as text."""
    name: str
    method: str
    baseline: str
    differs: Tuple[str, ...] = ()
    claim: str = ''

    def __post_init__(self) -> None:
        self.differs = tuple(self.differs)


@dataclasses.dataclass
class SplitMetrics:
    """mmseg's ``IoUMetric`` on one split, in %, with each image's
    intersection and union counts (image x class) for the bootstrap."""
    mIoU: float
    mAcc: float
    aAcc: float
    per_class_iou: Dict[str, Optional[float]]
    images: Optional[List[str]] = None
    intersect: Optional[List[List[int]]] = None
    union: Optional[List[List[int]]] = None


@dataclasses.dataclass
class RunRecord:
    """One (config, seed): its metrics, size, schedule and val curve
    ``[[iteration, val mIoU], ...]``."""
    config: str
    seed: int
    val: SplitMetrics
    test: Optional[SplitMetrics]
    iterations: int
    epochs: Optional[int]
    params: int
    flops: int
    flops_input_shape: List[int]
    train_time_s: float
    resumed_from: Optional[str]
    checkpoint: str
    work_dir: str
    curve: List[List[float]]
    amp: Optional[bool] = None  # None: not recorded (version 1)
    channels_last: Optional[bool] = None

    @property
    def job(self) -> Tuple[str, int]:
        return self.config, self.seed

    @classmethod
    def from_dict(cls, data: dict) -> 'RunRecord':
        data = dict(data)
        data['val'] = SplitMetrics(**data['val'])
        if data.get('test') is not None:
            data['test'] = SplitMetrics(**data['test'])
        return cls(**data)


@dataclasses.dataclass
class Timing:
    """The timing pass's medians for one config."""
    train_s_per_iter: float
    test_fps: float
    device: str
    iters: int


@dataclasses.dataclass
class Results:
    """The suite's record: its pairs, seeds, runs and timings."""
    suite: List[Pair]
    seeds: List[int]
    runs: List[RunRecord]
    timing: Dict[str, Timing]
    version: int = SCHEMA_VERSION

    def runs_of(self, key: str) -> List[RunRecord]:
        """The runs of a config."""
        return [run for run in self.runs if run.config == key]

    @classmethod
    def from_dict(cls, data: dict) -> 'Results':
        version = data.get('version', 1)
        if version > SCHEMA_VERSION:
            raise NewerVersionError(
                f'version {version} is newer than this tool reads '
                f'({SCHEMA_VERSION})')
        return cls(
            suite=[Pair(**pair) for pair in data['suite']],
            seeds=list(data['seeds']),
            runs=[RunRecord.from_dict(run) for run in data['runs']],
            timing={
                key: Timing(**value)
                for key, value in data.get('timing', {}).items()
            })

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def atomic_write(path: str, data: bytes) -> None:
    """Write ``path`` whole or not at all: a failure (a full disk, a kill)
    leaves the old file, and no temporary file behind."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open() makes it, not mkstemp
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def write_json(obj: Any, path: str) -> None:
    """``obj`` (a record or plain data) as JSON, atomically."""
    if dataclasses.is_dataclass(obj):
        obj = dataclasses.asdict(obj)
    atomic_write(path, json.dumps(obj, indent=1).encode('utf-8'))


def read_json(path: str) -> Any:
    """A JSON file, or a :class:`RecordError` naming it."""
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError) as error:
        raise RecordError(f'cannot read {path}: {error}') from error


def _typed(build: Callable[[dict], Any], path: str) -> Any:
    data = read_json(path)
    try:
        return build(data)
    except NewerVersionError as error:
        raise NewerVersionError(f'{path}: {error}') from error
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise RecordError(f'{path} is not a benchmark record: '
                          f'{type(error).__name__}: {error}') from error


def read_run(path: str) -> RunRecord:
    """A run's ``result.json``."""
    return _typed(RunRecord.from_dict, path)


def read_results(path: str) -> Results:
    """The suite's ``results.json`` (version 1 or 2)."""
    return _typed(Results.from_dict, path)
