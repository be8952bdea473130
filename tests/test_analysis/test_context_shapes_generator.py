# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The ContextShapes generator's refusals, folders and smallest size."""
import os

import pytest

from mmseg_ctx.analysis.context_shapes_generator import generate


def test_bad_arguments_are_refused(tmp_path):
    out = tmp_path / 'exists'
    out.mkdir()
    with pytest.raises(FileExistsError, match='exists'):
        generate(str(out), 0, 2, 2, 64, 80)
    with pytest.raises(ValueError, match='at least 48, got 24x80'):
        generate(str(tmp_path / 'small'), 0, 2, 2, 24, 80)
    with pytest.raises(ValueError, match='-5 training'):
        generate(str(tmp_path / 'negative'), 0, -5, 2, 64, 80)
    with pytest.raises(ValueError, match='seed must not be negative, got -1'):
        generate(str(tmp_path / 'seed'), -1, 2, 2, 64, 80)
    assert sorted(os.listdir(tmp_path)) == ['exists']  # nothing written


def test_output_folder_follows_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        generate(str(tmp_path / 'out'), 0, 1, 1, 64, 80)
    finally:
        os.umask(previous)
    assert os.stat(tmp_path / 'out').st_mode & 0o777 == 0o755


def test_smallest_size_draws_every_object(tmp_path):
    generate(str(tmp_path / 'cs'), 0, 50, 0, 48, 48)
    assert len(os.listdir(tmp_path / 'cs' / 'images' / 'training')) == 50
