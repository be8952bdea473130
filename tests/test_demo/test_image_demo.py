# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""demo/image_demo.py with mmseg's interface, on a tiny trained MCIBI."""
import glob
import os.path as osp

import cv2
import numpy as np
from config_writers import MCIBI_FCN, write_tiny_config
from helpers import run_failing, run_script


def test_image_demo_paints_the_prediction(tmp_path, tiny_data):
    config = write_tiny_config(str(tmp_path / 'tiny.py'), tiny_data,
                               base=MCIBI_FCN)
    run_script('tools/train.py', config, '--work-dir', str(tmp_path / 'w'))
    image = sorted(glob.glob(osp.join(tiny_data, 'images', 'validation',
                                      '*.png')))[0]
    out = str(tmp_path / 'result.png')
    run_script('demo/image_demo.py', image, config,
               str(tmp_path / 'w' / 'iter_4.pth'), '--out-file', out,
               '--device', 'cpu', '--opacity', '0.7')
    painted, original = cv2.imread(out), cv2.imread(image)
    assert painted.shape == original.shape
    assert not np.array_equal(painted, original)  # the map is drawn on it

    stderr = run_failing('demo/image_demo.py', image, config,
                         str(tmp_path / 'w' / 'iter_4.pth'), '--opacity',
                         '0')
    assert '--opacity must be in (0, 1], got 0.0' in stderr
