# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The basis file format: one writer, one reader that validates."""
import pytest
import torch
from mmseg.registry import MODELS

import mmseg_ctx  # noqa: F401
from mmseg_ctx.models.utils import (DUpsampling, load_label_basis,
                                    save_label_basis)

R, K, C = 2, 3, 4


def record(device: str = 'cpu', **changes) -> dict:
    size = R * R * K
    out = dict(basis=torch.linalg.qr(torch.randn(size, C))[0].to(device),
               mean=torch.rand(size).to(device), ratio=R, num_classes=K,
               channels=C, classes=['a', 'b', 'c'])
    out.update(changes)
    return out


def test_round_trip_and_expectations(tmp_path, device):
    """A basis estimated on the device is written as is and read back on
    the CPU, where the head's checks and the tools expect it."""
    path = str(tmp_path / 'sub' / 'basis.pth')
    saved = record(device)
    save_label_basis(saved, path)  # creates the folder
    loaded = load_label_basis(path, ratio=R, num_classes=K, channels=C)
    assert loaded['basis'].device.type == loaded['mean'].device.type == 'cpu'
    assert torch.equal(loaded['basis'], saved['basis'].cpu())
    assert torch.equal(loaded['mean'], saved['mean'].cpu())
    assert loaded['classes'] == saved['classes']
    # and moves with a DUpsampling to the device
    up = DUpsampling.from_file(path, R, K, C).to(device)
    assert torch.equal(up.basis, saved['basis'])
    with pytest.raises(ValueError, match=r'basis\.pth has ratio=2 but '
                       'ratio=4 is expected'):
        load_label_basis(path, ratio=4)
    with pytest.raises(ValueError, match='has channels=4 but channels=8'):
        load_label_basis(path, channels=8)


@pytest.mark.parametrize('bad, message', [
    (record(mean=torch.rand(5)), r'mean of shape \(5,\).*make it \(12,\)'),
    (record(basis=torch.rand(12, 5)),
     r'basis of shape \(12, 5\).*make it \(12, 4\)'),
    ({k: v for k, v in record().items()
      if k != 'ratio'}, r"lacks \['ratio'\]"),
    ([1, 2], 'holds a list, not a basis record'),
    (dict(meta=dict(iter=8), state_dict={'w': torch.zeros(1)}),
     r"lacks \['basis', 'mean', 'ratio', 'num_classes', 'channels'\] "
     r"\(it has \['meta', 'state_dict'\]\)"),  # a model checkpoint
])
def test_bad_records_are_refused_on_write_and_read(tmp_path, bad, message):
    path = str(tmp_path / 'bad.pth')
    with pytest.raises(ValueError, match=message):
        save_label_basis(bad, path)
    torch.save(bad, path)  # written by something else
    with pytest.raises(ValueError, match=message) as error:
        load_label_basis(path)
    assert f'the label basis {path} ' in str(error.value)


def test_unreadable_files_are_named(tmp_path):
    junk = tmp_path / 'junk.pth'
    junk.write_bytes(b'\x00not a zip' * 10)
    with pytest.raises(ValueError, match='junk.pth is not a readable basis'):
        load_label_basis(str(junk))
    pickled = tmp_path / 'pickled.pth'  # a legacy pickle of an object
    torch.save(Exception('x'), str(pickled))
    with pytest.raises(ValueError,
                       match='pickled.pth is not a readable basis') as error:
        load_label_basis(str(pickled))
    assert 'weights_only=False' not in str(error.value)  # no unsafe advice
    assert 'tensors, numbers and strings' in str(error.value)
    good = tmp_path / 'good.pth'
    save_label_basis(record(), str(good))
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError, match='cut.pth is not a readable basis'):
        load_label_basis(str(cut))
    with pytest.raises(FileNotFoundError, match='nope.pth does not exist'):
        load_label_basis(str(tmp_path / 'nope.pth'))


def test_the_head_reads_through_the_one_loader(tmp_path):
    """DUpsampling and DUpsamplingHead refuse a bad file with the loader's
    own message."""
    path = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict={}), path)  # a model checkpoint
    with pytest.raises(ValueError, match=r"model.pth lacks \['basis'"):
        DUpsampling.from_file(path, R, K, C)
    with pytest.raises(ValueError, match=r"model.pth lacks \['basis'"):
        MODELS.build(
            dict(type='DUpsamplingHead', in_channels=8, in_index=0,
                 channels=4, dilations=(1, ), ratio=R, basis_channels=C,
                 num_classes=K, basis_file=path))
