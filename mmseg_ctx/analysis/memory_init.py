# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The "clustering" initialisation of MCIBI's feature memory (Jin et al.,
ICCV 2021, Table 2) from a trained model's pixel representations."""
from typing import Dict, Iterable, Iterator, Mapping, Tuple

import torch
from mmengine.model import BaseModel
from torch import Tensor

from ..models.decode_heads import MCIBIHead


def mcibi_head(model: BaseModel) -> MCIBIHead:
    """The MCIBIHead of a segmentor; a clear error if there is none."""
    head = getattr(model, 'decode_head', None)
    if not isinstance(head, MCIBIHead):
        raise ValueError('the model\'s decode_head is '
                         f'{type(head).__name__}, not MCIBIHead')
    return head


def check_trained_weights(model: BaseModel, state_dict: Mapping[str, Tensor],
                          path: str) -> None:
    """Refuse a checkpoint that lacks weights the pixel representations R
    are computed with (the backbone's and the MCIBIHead's, the memory
    aside): with them left at their initialisation, the clustering would
    summarise a random network's features.

    Args:
        model (BaseModel): the segmentor built from the config.
        state_dict (Mapping[str, Tensor]): the checkpoint's weights, keys
            as in ``model.state_dict()``.
        path (str): the checkpoint, for the message.
    """
    needed = [
        key for key in model.state_dict()
        if key.startswith(('backbone.', 'decode_head.'))
        and not key.startswith('decode_head.memory.')
    ]
    missing = [key for key in needed if key not in state_dict]
    if missing:
        raise ValueError(
            f'{path} lacks {len(missing)} of the {len(needed)} backbone and '
            f'MCIBIHead weights the memory is clustered from (e.g. '
            f'{", ".join(missing[:3])}): give the checkpoint of a trained '
            'model of this config')


@torch.no_grad()
def pixel_representations(model: BaseModel, batches: Iterable[Dict],
                          per_class: int,
                          seed: int = 0) -> Iterator[Tuple[Tensor, Tensor]]:
    """MCIBI's pixel representations R (eq. 1) of labelled pixels.

    For each batch of a dataloader, runs the backbone and
    :meth:`MCIBIHead.pixel_features`, brings the labels to R's resolution
    (nearest) and yields
    ``(features N x C, labels N)`` with at most ``per_class`` random pixels
    of each class (ignored pixels left out), in fp32.
    """
    head = mcibi_head(model)
    gen = torch.Generator().manual_seed(seed)
    for data in batches:
        data = model.data_preprocessor(data, False)
        feats = head.pixel_features(model.extract_feat(
            data['inputs'])).float()
        labels = torch.stack([
            s.gt_sem_seg.data for s in data['data_samples']
        ]).to(feats.device).float()
        labels = torch.nn.functional.interpolate(
            labels, size=feats.shape[2:], mode='nearest').long().flatten()
        pixels = feats.permute(0, 2, 3, 1).flatten(0, 2)
        keep = []
        for cls in labels.unique().tolist():
            if cls == head.ignore_index:
                continue
            index = (labels == cls).nonzero()[:, 0].cpu()
            index = index[torch.randperm(len(index), generator=gen)]
            keep.append(index[:per_class])
        if keep:
            keep = torch.cat(keep).to(labels.device)
            yield pixels[keep], labels[keep]


def cosine_cluster_center(feats: Tensor,
                          clusters: int = 3,
                          iters: int = 20,
                          seed: int = 0) -> Tensor:
    """One representative of a class's pixel representations by cosine
    (spherical) k-means, as the MCIBI paper's "clustering" initialisation of
    the memory (Table 2).

    The features (N x C) are clustered by cosine similarity; the centre of
    the largest cluster, scaled to the mean norm of its members, is
    returned (C), so that a few outlying pixels do not pull it away.
    """
    if feats.dim() != 2 or not len(feats):
        raise ValueError('feats must be a non-empty N x C matrix, got shape '
                         f'{tuple(feats.shape)}')
    feats = feats.float()
    unit = torch.nn.functional.normalize(feats, dim=1)
    gen = torch.Generator().manual_seed(seed)
    clusters = min(clusters, len(feats))
    centres = unit[torch.randperm(len(feats), generator=gen)[:clusters].to(
        feats.device)]
    for _ in range(iters):
        assign = (unit @ centres.t()).argmax(1)
        for k in range(clusters):
            members = unit[assign == k]
            if len(members):
                centres[k] = torch.nn.functional.normalize(
                    members.sum(0), dim=0)
    assign = (unit @ centres.t()).argmax(1)
    largest = torch.bincount(assign, minlength=clusters).argmax()
    return centres[largest] * feats[assign == largest].norm(dim=1).mean()
