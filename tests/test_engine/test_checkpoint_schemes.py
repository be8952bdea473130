# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Checkpoints named by a URL or a model-zoo name: downloaded, then read
by the safe loader (a local HTTP server on 127.0.0.1 serves them)."""
import functools
import os.path as osp
import pickle
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader, Runner
from mmengine.runner.checkpoint import _load_checkpoint
from mmseg.apis import init_model

from mmseg_ctx.engine import TRUST_ENV, checkpoint_schemes


class RunsCode:
    """A pickle that creates a file when loaded."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return open, (self.marker, 'w')


@pytest.fixture(scope='module')
def served(tmp_path_factory, tiny_data):
    """A folder served over HTTP on 127.0.0.1 holding a training checkpoint
    of a tiny config (``good.pth``) and a malicious one (``evil.pth``);
    its URL, the config and the marker the malicious one would create."""
    from config_writers import write_tiny_config
    root = tmp_path_factory.mktemp('served')
    config = write_tiny_config(str(root / 'tiny.py'), tiny_data)
    cfg = Config.fromfile(config)
    cfg.work_dir = str(root / 'work')
    Runner.from_cfg(cfg).train()
    site = root / 'site'
    site.mkdir()
    shutil.copy(osp.join(cfg.work_dir, 'iter_4.pth'), site / 'good.pth')
    marker = root / 'pwned'
    torch.save(dict(state_dict={}, meta=RunsCode(str(marker))),
               site / 'evil.pth')
    handler = functools.partial(SimpleHTTPRequestHandler, directory=site)
    server = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield dict(url=f'http://127.0.0.1:{server.server_port}', config=config,
               marker=marker, good=site / 'good.pth')
    server.shutdown()


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """torch hub's folder, empty, and no opt-out of the safe loader."""
    monkeypatch.delenv(TRUST_ENV, raising=False)
    monkeypatch.delenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', raising=False)
    monkeypatch.setenv('no_proxy', '127.0.0.1')  # never through a proxy
    before = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / 'hub'))
    yield tmp_path / 'hub' / 'checkpoints'
    torch.hub.set_dir(before)


def test_our_loaders_are_mmengines(served):
    for prefix in ('http://', 'https://', 'open-mmlab://', 'openmmlab://',
                   'torchvision://', 'modelzoo://', 'mmcls://'):
        loader = CheckpointLoader._get_checkpoint_loader(prefix + 'x')
        assert loader.__module__ == checkpoint_schemes.__name__, prefix


def test_a_downloaded_checkpoint_loads_through_load_from_and_init_model(
        served, hub, tmp_path):
    url = f'{served["url"]}/good.pth'
    expected = torch.load(served['good'], weights_only=False)['state_dict']
    cfg = Config.fromfile(served['config'])
    cfg.work_dir = str(tmp_path / 'work')
    cfg.load_from = url
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    assert (hub / 'good.pth').is_file()
    for key, value in runner.model.state_dict().items():
        assert torch.equal(value, expected[key]), key
    model = init_model(served['config'], url, device='cpu')
    for key, value in model.state_dict().items():
        assert torch.equal(value, expected[key]), key


def test_a_malicious_download_is_refused_and_never_runs(
        served, hub, monkeypatch):
    url = f'{served["url"]}/evil.pth'
    with pytest.raises(pickle.UnpicklingError,
                       match=f'^{url}: .*evil\\.pth holds objects .*'
                       r'\((io|builtins)\.open\)'):
        _load_checkpoint(url, map_location='cpu')
    # and through a model-zoo name that mmengine's table maps to it
    monkeypatch.setattr(checkpoint_schemes, 'get_external_models',
                        lambda: dict(evil=url))
    with pytest.raises(pickle.UnpicklingError, match=r'evil\.pth holds'):
        _load_checkpoint('open-mmlab://evil', map_location='cpu')
    with pytest.raises(ValueError, match="open-mmlab://nope: no model of"):
        _load_checkpoint('open-mmlab://nope', map_location='cpu')
    assert not served['marker'].exists()
