# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Version of mmseg_ctx and the OpenMMLab versions it works with.

Imports nothing at module level: ``setup.py`` executes this file to build
its ``install_requires`` from :data:`REQUIREMENTS`, and ``mmseg_ctx``
checks them before it imports mmseg.
"""
from typing import Callable, Dict, Optional, Tuple

__version__ = '0.1.0'

#: distribution name -> (lowest version supported, first version not).
REQUIREMENTS: Dict[str, Tuple[str, str]] = {
    'mmengine': ('0.10.0', '1.0.0'),
    'mmcv': ('2.0.0', '2.2.0'),
    'mmsegmentation': ('1.2.0', '1.3.0'),
}


def _installed_version(name: str) -> Optional[str]:
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def check_versions(
    requirements: Dict[str, Tuple[str, str]] = REQUIREMENTS,
    get_version: Callable[[str], Optional[str]] = _installed_version
) -> None:
    """Raise an ``ImportError`` naming every OpenMMLab package that is
    missing or outside the range mmseg_ctx supports.

    Versions come from the installed distributions' metadata, without
    importing the packages, so this message comes before mmseg's own
    assertion on an incompatible mmcv.

    Args:
        requirements (dict): distribution name -> (min inclusive, max
            exclusive). Defaults to :data:`REQUIREMENTS`.
        get_version (callable): returns the installed version of a
            distribution, or None. Defaults to reading package metadata.
    """
    from packaging.version import Version
    problems = []
    for name, (low, high) in requirements.items():
        found = get_version(name)
        wanted = f'{name}>={low},<{high}'
        if found is None:
            lite = get_version(f'{name}-lite')
            problems.append(
                f'{wanted} is required but not installed' if lite is None
                else f'{wanted} is required but only {name}-lite=={lite} is '
                'installed, which lacks the compiled ops mmseg imports')
        elif not Version(low) <= Version(found) < Version(high):
            problems.append(
                f'{wanted} is required but {name}=={found} is installed')
    if problems:
        raise ImportError(
            'mmseg_ctx cannot be imported: ' + '; '.join(problems) +
            '. See "Install into your own environment" in the mmseg_ctx '
            'README (mmcv must be the full package with compiled ops, e.g. '
            '`mim install mmcv==2.1.0`).')
