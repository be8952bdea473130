# Copyright (c) mmseg_ctx contributors. All rights reserved.
from importlib import metadata

import pytest
from packaging.version import Version

import mmseg_ctx
from mmseg_ctx.version import REQUIREMENTS, check_versions

GOOD = {'mmengine': '0.10.7', 'mmcv': '2.1.0', 'mmsegmentation': '1.2.2'}


def test_version_matches_installed_package():
    assert Version(mmseg_ctx.__version__) == Version(
        metadata.version('mmseg_ctx'))
    assert set(REQUIREMENTS) == set(GOOD)


def test_supported_versions_pass():
    check_versions(REQUIREMENTS, GOOD.get)
    check_versions()  # what is installed here


@pytest.mark.parametrize('name,version', [('mmcv', '2.2.0'),
                                          ('mmcv', '1.7.2'),
                                          ('mmsegmentation', '0.30.0'),
                                          ('mmengine', '1.0.0')])
def test_unsupported_version_names_package_and_range(name, version):
    low, high = REQUIREMENTS[name]
    with pytest.raises(ImportError) as err:
        check_versions(REQUIREMENTS, {**GOOD, name: version}.get)
    assert f'{name}>={low},<{high} is required but {name}=={version}' in str(
        err.value)


def test_missing_and_lite_packages():
    versions = {'mmengine': '0.10.7', 'mmcv-lite': '2.1.0'}
    with pytest.raises(ImportError) as err:
        check_versions(REQUIREMENTS, versions.get)
    message = str(err.value)
    assert 'only mmcv-lite==2.1.0 is installed' in message
    assert 'mmsegmentation>=1.2.0,<1.3.0 is required but not installed' in (
        message)
    assert 'mmengine>=' not in message  # its version is fine
