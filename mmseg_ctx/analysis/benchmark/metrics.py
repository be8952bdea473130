# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""The benchmark's evaluation metric."""
import os.path as osp
from typing import Dict

from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class PerClassIoUMetric(IoUMetric):
    """mmseg's ``IoUMetric`` that also returns each class's IoU, in % as
    ``IoU.{class}`` (NaN for a class neither labelled nor predicted), and
    keeps each image's intersection and union counts in ``per_image``."""

    def process(self, data_batch: dict, data_samples: list) -> None:
        start = len(self.results)
        super().process(data_batch, data_samples)
        # nothing was added under format_only
        for index, sample in zip(range(start, len(self.results)),
                                 data_samples):
            name = osp.basename(sample['img_path'])
            self.results[index] = (*self.results[index], name)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        names = [result[4] for result in results]
        results = [result[:4] for result in results]
        metrics = super().compute_metrics(results)
        areas = [sum(area) for area in zip(*results)]
        iou = self.total_area_to_metrics(*areas, ['mIoU'],
                                         self.nan_to_num)['IoU']
        for name, value in zip(self.dataset_meta['classes'], iou):
            metrics[f'IoU.{name}'] = round(float(value) * 100, 2)
        self.per_image = dict(
            images=names,
            intersect=[r[0].long().tolist() for r in results],
            union=[r[1].long().tolist() for r in results])
        return metrics
