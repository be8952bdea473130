# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""export_onnx.py: every method to ONNX with dynamic H and W, checked
against onnxruntime; the PSP ablation's max pooling included."""
import os.path as osp

import cv2
import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F
from config_writers import write_tiny_config
from helpers import ROOT, run_failing, run_script
from mmengine.runner import save_checkpoint
from mmseg.apis import init_model

from mmseg_ctx.models.utils import (ExportableAdaptiveMaxPool2d,
                                    adaptive_max_pool2d_by_slices)

CONFIGS = {
    'mcibi': 'mcibi/mcibi-fcn_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'dupsampling':
    'dupsampling/dupsampling_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'contextnet':
    'contextnet/contextnet_cn14_1xb8-300it_context-shapes-128x128.py',
    'encnet': 'encnet/encnet-se3_r18s-d8_1xb8-300it_context-shapes-128x128.py',
    'psp-max':
    'pspnet/pspnet-b1236-avg-dr_r18s-d8_1xb8-300it_context-shapes-128x128.py',
}
EXTRA = {  # no basis file needed to export; MAX pooling with bins 3 and 6
    'dupsampling': 'model = dict(decode_head=dict(basis_file=None))\n',
    'psp-max': "model = dict(decode_head=dict(pool_type='max'))\n",
}


def model_files(tmp_path, tiny_data, name: str):
    """A tiny config of the method and a checkpoint of its (randomly
    initialised, BN statistics perturbed) weights."""
    config = write_tiny_config(str(tmp_path / f'{name}.py'), tiny_data,
                               base=osp.join(ROOT, 'configs', CONFIGS[name]))
    with open(config, 'a') as f:
        f.write(EXTRA.get(name, ''))
    model = init_model(config, None, device='cpu')
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 2)
    if name == 'dupsampling':  # an orthonormal W, as the PCA gives
        basis = model.decode_head.dupsample.basis
        basis.copy_(torch.linalg.qr(torch.randn(basis.shape))[0])
    checkpoint = str(tmp_path / f'{name}.pth')
    save_checkpoint(dict(state_dict=model.state_dict(), meta=dict()),
                    checkpoint)
    return config, checkpoint


@pytest.mark.parametrize('name', list(CONFIGS))
def test_export_matches_onnxruntime(tmp_path, tiny_data, name):
    config, checkpoint = model_files(tmp_path, tiny_data, name)
    image = str(tmp_path / 'image.png')
    cv2.imwrite(image, np.random.default_rng(0).integers(
        0, 255, (72, 90, 3), dtype=np.uint8))
    out = str(tmp_path / f'{name}.onnx')
    extra = ['--fuse-bn'] if name == 'contextnet' else []
    printed = run_script('tools/deploy/export_onnx.py', config, checkpoint,
                         '--out', out, '--shape', '64', '64', '--image',
                         image, '--atol', '1e-4', *extra)
    # three checks: the export size, another (dynamic axes), a real image
    assert printed.count('largest |onnxruntime - PyTorch|') == 3
    assert f'saved to {out}' in printed
    graph = onnx.load(out).graph
    assert [o.name for o in graph.output] == ['logits']  # SE logits dropped
    dims = graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param for d in dims] == ['batch', '', 'height', 'width']
    assert dims[1].dim_value == 3


def test_torch_export_based_exporter(tmp_path, tiny_data):
    config, checkpoint = model_files(tmp_path, tiny_data, 'contextnet')
    out = str(tmp_path / 'cn14.onnx')
    printed = run_script('tools/deploy/export_onnx.py', config, checkpoint,
                         '--out', out, '--shape', '64', '64', '--dynamo')
    # one image at the export size, a batch of two at another
    assert 'random 1x3x64x64: largest |onnxruntime - PyTorch|' in printed
    assert 'random 2x3x88x104: largest |onnxruntime - PyTorch|' in printed
    dims = onnx.load(out).graph.input[0].type.tensor_type.shape.dim
    assert all(dims[i].dim_param for i in (0, 2, 3))  # N, H, W dynamic
    assert dims[1].dim_value == 3


def test_a_difference_above_atol_is_refused(tmp_path, tiny_data):
    config, checkpoint = model_files(tmp_path, tiny_data, 'mcibi')
    out = str(tmp_path / 'refused.onnx')
    stderr = run_failing('tools/deploy/export_onnx.py', config, checkpoint,
                         '--out', out, '--shape', '64', '64', '--atol', '0')
    assert 'the ONNX model differs from PyTorch by' in stderr
    assert not osp.exists(out)


@pytest.mark.parametrize('size', [1, 2, 3, 6])
@pytest.mark.parametrize('shape', [(8, 8), (7, 10), (13, 5), (6, 6)])
def test_max_pooling_by_slices_is_torchs(size, shape):
    x = torch.randn(2, 3, *shape)
    assert torch.equal(adaptive_max_pool2d_by_slices(x, size),
                       F.adaptive_max_pool2d(x, size))
    assert torch.equal(ExportableAdaptiveMaxPool2d(size)(x),
                       F.adaptive_max_pool2d(x, size))
