# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""Install mmseg_ctx into an environment that already has torch and mmcv.

torch and mmcv (with its compiled ops) are left out of ``install_requires``
on purpose: pip would pick a torch build by itself and try to compile mmcv
against it. Install them first (see the README), then ``pip install -e .``;
``import mmseg_ctx`` checks the mmcv version and says what is wrong.
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

#: what mim reads from an installed package's ``.mim`` folder: the model
#: index (``mim search``), the configs and the tools (``mim train``)
MIM_FILES = ('model-index.yml', 'configs', 'tools', 'demo')


def read_version_file() -> dict:
    """Execute mmseg_ctx/version.py without importing the package."""
    namespace: dict = {}
    path = osp.join(osp.dirname(osp.abspath(__file__)), 'mmseg_ctx',
                    'version.py')
    with open(path, encoding='utf-8') as f:
        exec(compile(f.read(), path, 'exec'), namespace)
    return namespace


def read_requirements(path: str) -> list:
    """The requirement lines of ``path``, comments left out."""
    with open(path, encoding='utf-8') as f:
        return [line.split('#')[0].strip() for line in f
                if line.split('#')[0].strip()]


def add_mim_extension() -> None:
    """Put :data:`MIM_FILES` into ``mmseg_ctx/.mim``, as mmseg's setup.py
    does: links to the originals for a development install (``setup.py
    develop``, which ``pip install -e . --no-use-pep517`` runs), copies for
    a wheel or an sdist; nothing for other commands."""
    if 'develop' in sys.argv:
        mode = 'symlink'
    elif {'sdist', 'bdist_wheel', 'install'} & set(sys.argv):
        mode = 'copy'
    else:
        return
    repo = osp.dirname(osp.abspath(__file__))
    mim = osp.join(repo, 'mmseg_ctx', '.mim')
    os.makedirs(mim, exist_ok=True)
    for name in MIM_FILES:
        source, target = osp.join(repo, name), osp.join(mim, name)
        if not osp.exists(source):  # in an unpacked sdist: .mim holds it
            continue
        if osp.islink(target) or osp.isfile(target):
            os.remove(target)
        elif osp.isdir(target):
            shutil.rmtree(target)
        if mode == 'symlink':
            os.symlink(osp.relpath(source, mim), target)
        elif osp.isdir(source):
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)


version_info = read_version_file()
with open('README.md', encoding='utf-8') as f:
    readme = f.read()

add_mim_extension()
setup(
    name='mmseg_ctx',
    version=version_info['__version__'],
    description='Context-modelling methods for semantic segmentation '
    '(MCIBI, EncNet, PSPNet, ContextNet, DUpsampling) as an MMSegmentation '
    '1.x plugin',
    long_description=readme,
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(include=['mmseg_ctx', 'mmseg_ctx.*']),
    include_package_data=True,  # mmseg_ctx/.mim, see MANIFEST.in
    python_requires='>=3.8',
    # mmseg 1.2.2 imports ftfy and regex without declaring them
    install_requires=[
        f'{name}>={low},<{high}'
        for name, (low, high) in version_info['REQUIREMENTS'].items()
        if name != 'mmcv'
    ] + ['ftfy', 'regex'],
    extras_require=dict(deploy=read_requirements('requirements-deploy.txt')),
    zip_safe=False)
