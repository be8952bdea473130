# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The footnotes' device label: a CPU's model, threads and bf16."""
import torch

from mmseg_ctx.analysis import timing


def test_cpu_label_names_model_threads_and_bf16(monkeypatch):
    monkeypatch.setattr(timing, 'cpu_name', lambda: 'AMD EPYC')
    monkeypatch.setattr(timing, 'cpu_supports_bf16', lambda: False)
    threads = torch.get_num_threads()
    assert timing.device_label('cpu') == (
        f'cpu (AMD EPYC, {threads} threads, no bf16)')
    monkeypatch.setattr(timing, 'cpu_supports_bf16', lambda: True)
    monkeypatch.setattr(timing, 'cpu_name', lambda: '')
    assert timing.device_label('cpu') == (
        f'cpu ({threads} threads, native bf16)')


def test_cpu_name_is_this_machines():
    name = timing.cpu_name()
    assert isinstance(name, str) and '\n' not in name
    try:
        with open('/proc/cpuinfo') as f:
            assert name in f.read()
    except OSError:  # not Linux
        pass
