# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""mmengine's checkpoint loaders replaced, scheme by scheme, through its own
extension point (``CheckpointLoader.register_scheme``): local paths by
:func:`~.checkpoint.load_from_local`, and checkpoints named by a URL or a
model-zoo name downloaded where torch's hub keeps them, then read by it.

mmengine reads ``http(s)://``, ``open-mmlab://``, ``torchvision://`` and
``mmcls://`` checkpoints with torch's ``load_state_dict_from_url``, which
unpickles fully (``weights_only=False``): a downloaded file could run code.
The loaders here resolve the same names with mmengine's own tables, download
the same way (the first process of a distributed run first) and read the
file with :func:`~.checkpoint.load_from_local`, like any local checkpoint.
"""
import os
import os.path as osp
import pickle
from typing import Optional, Union
from urllib.parse import urlparse

import torch
from mmengine.dist import barrier, get_dist_info
from mmengine.logging import print_log
from mmengine.runner import CheckpointLoader
# mmengine's own resolution of its zoo tables and mmcls's keys (the home
# folder and the key mapping have no public accessor)
from mmengine.runner.checkpoint import (_get_mmengine_home,
                                        _process_mmcls_checkpoint,
                                        get_deprecated_model_names,
                                        get_external_models, get_mmcls_models,
                                        get_torchvision_models)

from .checkpoint import load_from_local

MapLocation = Optional[Union[str, torch.device]]


def download(url: str, model_dir: Optional[str] = None) -> str:
    """The local copy of ``url`` in torch hub's ``checkpoints`` folder (or
    ``model_dir``), downloaded if it is not there; in a distributed run the
    first process downloads before the others look."""
    model_dir = model_dir or osp.join(torch.hub.get_dir(), 'checkpoints')
    path = osp.join(model_dir, osp.basename(urlparse(url).path))

    def fetch() -> None:
        if not osp.exists(path):
            print_log(f'downloading {url} to {path}', logger='current')
            os.makedirs(model_dir, exist_ok=True)
            torch.hub.download_url_to_file(url, path, progress=False)

    rank, world_size = get_dist_info()
    if rank == 0:
        fetch()
    if world_size > 1:
        barrier()
        fetch()  # on another node
    return path


def load_from_http(filename: str, map_location: MapLocation = None,
                   model_dir: Optional[str] = None) -> dict:
    """``http(s)://`` checkpoints (a refusal names the URL too, and how to
    download a damaged copy again)."""
    path = download(filename, model_dir)
    try:
        return load_from_local(path, map_location)
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(f'{filename}: {error}') from None
    except RuntimeError as error:
        raise RuntimeError(f'{filename}: {error}; delete {path} to download '
                           'it again') from None


def load_from_zoo_url(url: str, map_location: MapLocation) -> dict:
    """A model zoo's entry: a URL, or a path under mmengine's home folder
    (``open_mmlab.json`` there may give one), as mmengine resolves it."""
    if url.startswith(('http://', 'https://')):
        return load_from_http(url, map_location)
    return load_from_local(osp.join(_get_mmengine_home(), url), map_location)


def zoo_name(filename: str, table: dict) -> str:
    """``scheme://name``'s entry in ``table``, refused by name if absent."""
    name = filename.split('://', 1)[1]
    if name not in table:
        raise ValueError(f'{filename}: no model of that name in mmengine\'s '
                         f'table ({len(table)} names)')
    return table[name]


def load_from_openmmlab(filename: str,
                        map_location: MapLocation = None) -> dict:
    """``open-mmlab://`` and ``openmmlab://`` (deprecated names mapped to
    their successors, as mmengine does)."""
    scheme, name = filename.split('://', 1)
    name = get_deprecated_model_names().get(name, name)
    return load_from_zoo_url(
        zoo_name(f'{scheme}://{name}', get_external_models()), map_location)


def load_from_torchvision(filename: str,
                          map_location: MapLocation = None) -> dict:
    """``torchvision://`` and (deprecated) ``modelzoo://``."""
    return load_from_zoo_url(
        zoo_name(filename, get_torchvision_models()), map_location)


def load_from_mmcls(filename: str, map_location: MapLocation = None) -> dict:
    """``mmcls://``: the backbone's weights, keys as mmengine gives them."""
    return _process_mmcls_checkpoint(
        load_from_zoo_url(zoo_name(filename, get_mmcls_models()),
                          map_location))


def register_checkpoint_loader() -> None:
    """Make :func:`load_from_local` mmengine's loader of local paths (the
    scheme with the empty prefix) and the loaders above its loaders of
    their schemes, for every later load in the process."""
    for prefixes, loader in (
        ('', load_from_local),
        (('http://', 'https://'), load_from_http),
        (('open-mmlab://', 'openmmlab://'), load_from_openmmlab),
        (('torchvision://', 'modelzoo://'), load_from_torchvision),
        ('mmcls://', load_from_mmcls),
    ):
        CheckpointLoader.register_scheme(prefixes, loader=loader, force=True)
