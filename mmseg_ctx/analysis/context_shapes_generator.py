# Copyright (c) mmseg_ctx contributors. All rights reserved.
"""ContextShapes drawn: scenes of water or road under a strip of sky, with
objects whose class depends on the scene (a vehicle is a boat on water, a
car on a road; a marker a buoy or a cone), written in ADE20K's folder
layout, each image from its own generator seeded by ``(seed, split,
index)`` (the data set :class:`mmseg_ctx.datasets.ContextShapesDataset`
reads)."""
import os
import os.path as osp
import shutil
import tempfile
from typing import Tuple

import cv2
import numpy as np

SKY, WATER, ROAD, BOAT, CAR, BUOY, CONE, PERSON, BIRD = range(9)
IGNORE_INDEX = 255
SPLITS = {'training': 0, 'validation': 1}
MIN_SIZE = 48  # the smallest height and width every object fits in

Color = Tuple[int, int, int]  # BGR, as cv2 draws
VEHICLE_COLORS: Tuple[Color, ...] = ((40, 40, 200), (30, 200, 230),
                                     (235, 235, 235), (60, 140, 40),
                                     (150, 60, 120), (30, 30, 30))
SKIN_COLORS: Tuple[Color, ...] = ((140, 170, 220), (90, 120, 170),
                                  (60, 80, 110))


def _sky(img: np.ndarray, label: np.ndarray, horizon: int,
         rng: np.random.Generator) -> None:
    """Blue-to-white gradient with a few clouds above ``horizon``."""
    top = np.array([215, 160, 90]) + rng.integers(-20, 21, 3)
    bottom = np.array([250, 230, 200]) + rng.integers(-10, 6, 3)
    alpha = np.linspace(0, 1, horizon)[:, None, None]
    img[:horizon] = (1 - alpha) * top + alpha * bottom
    width = img.shape[1]
    for _ in range(rng.integers(0, 4)):
        center = (int(rng.integers(0, width)), int(rng.integers(0, horizon)))
        axes = (int(rng.integers(6, 20)), int(rng.integers(3, 7)))
        cv2.ellipse(img, center, axes, 0, 0, 360, (250, 250, 250), -1)
    label[:horizon] = SKY


def _water(img: np.ndarray, label: np.ndarray, horizon: int,
           rng: np.random.Generator) -> None:
    """Blue water with horizontal wave crests below ``horizon``."""
    height, width = label.shape
    base = np.array([150, 90, 20]) + rng.integers(-25, 26, 3)
    img[horizon:] = base
    rows = np.arange(horizon, height)[:, None]
    cols = np.arange(width)[None, :]
    phase = rng.uniform(0, 2 * np.pi)
    crest = np.sin(cols / rng.uniform(4, 9) + rows * 1.7 + phase) > 0.8
    img[horizon:][crest] = np.clip(base + 60, 0, 255)
    label[horizon:] = WATER


def _road(img: np.ndarray, label: np.ndarray, horizon: int,
          rng: np.random.Generator) -> None:
    """Grey asphalt with dashed lane markings below ``horizon``."""
    height, width = label.shape
    img[horizon:] = 95 + int(rng.integers(-20, 21))
    lane_color = (240, 240, 240) if rng.random() < 0.5 else (40, 200, 230)
    for frac in (0.45, 0.8):
        y = horizon + int(frac * (height - horizon))
        offset = int(rng.integers(0, 16))
        for x in range(-offset, width, 16):
            cv2.rectangle(img, (x, y), (x + 8, y + 1), lane_color, -1)
    label[horizon:] = ROAD


def _vehicle(img: np.ndarray, label: np.ndarray, cls: int, horizon: int,
             rng: np.random.Generator) -> None:
    """A large vehicle; its look does not depend on ``cls``."""
    height, width = label.shape
    w = int(rng.uniform(0.4, 0.65) * width)
    h = int(rng.uniform(0.18, 0.28) * height)
    x0 = int(rng.integers(0, width - w))
    y0 = int(rng.integers(horizon + 2, height - h - 2))
    mask = np.zeros_like(label)
    body_top = y0 + h // 3
    cv2.rectangle(mask, (x0, body_top), (x0 + w, y0 + h), 1, -1)
    cabin = (x0 + w // 4, y0, x0 + 3 * w // 4, body_top)
    cv2.rectangle(mask, cabin[:2], cabin[2:], 1, -1)
    color = VEHICLE_COLORS[rng.integers(len(VEHICLE_COLORS))]
    img[mask > 0] = color
    for i in range(3):  # windows
        wx = cabin[0] + 2 + i * (cabin[2] - cabin[0]) // 3
        cv2.rectangle(img, (wx, y0 + 2),
                      (wx + (cabin[2] - cabin[0]) // 3 - 4, body_top - 1),
                      (90, 60, 40), -1)
    cv2.rectangle(img, (x0, y0 + h - 2 - h // 6), (x0 + w, y0 + h - 2),
                  (25, 25, 25), -1)  # dark stripe along the bottom
    label[mask > 0] = cls
    outline = mask - cv2.erode(mask, np.ones((3, 3), np.uint8))
    label[outline > 0] = IGNORE_INDEX


def _marker(img: np.ndarray, label: np.ndarray, cls: int, horizon: int,
            rng: np.random.Generator) -> None:
    """A small orange, white-striped cone; looks the same in every scene."""
    height, width = label.shape
    size = int(rng.integers(8, 14))
    x = int(rng.integers(size, width - size))
    y = int(rng.integers(horizon + size, height - 1))
    tri = np.array([[x - size // 2, y], [x + size // 2, y], [x, y - size]],
                   np.int32)
    mask = np.zeros_like(label)
    cv2.fillPoly(mask, [tri], 1)
    img[mask > 0] = (0, 120, 250)
    img[(mask > 0) & (np.arange(height)[:, None] == y - size // 2)] = 255
    label[mask > 0] = cls


def _person(img: np.ndarray, label: np.ndarray, horizon: int,
            rng: np.random.Generator) -> None:
    """A small standing figure: a head and a body."""
    height, width = label.shape
    h = int(rng.integers(14, 21))
    x = int(rng.integers(4, width - 4))
    y = int(rng.integers(horizon + h, height - 1))
    mask = np.zeros_like(label)
    cv2.rectangle(mask, (x - 2, y - h + 5), (x + 2, y), 1, -1)
    cv2.circle(mask, (x, y - h + 3), 3, 1, -1)
    img[mask > 0] = SKIN_COLORS[rng.integers(len(SKIN_COLORS))]
    shirt = tuple(int(c) for c in rng.integers(0, 256, 3))
    body = (mask > 0) & (np.arange(height)[:, None] > y - h + 6)
    img[body] = shirt
    label[mask > 0] = PERSON


def _bird(img: np.ndarray, label: np.ndarray, horizon: int,
          rng: np.random.Generator) -> None:
    """A small dark 'V' in the sky."""
    width = label.shape[1]
    span = int(rng.integers(5, 9))
    x = int(rng.integers(span, width - span))
    y = int(rng.integers(span, max(span + 1, horizon - span)))
    pts = np.array([[x - span, y - span // 2], [x, y], [x + span,
                                                        y - span // 2]],
                   np.int32)
    mask = np.zeros_like(label)
    cv2.polylines(mask, [pts], False, 1, 3)
    img[mask > 0] = (40, 40, 40)
    label[mask > 0] = BIRD


def draw_scene(height: int, width: int,
               rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """Draw one scene; returns a BGR uint8 image and its uint8 label map."""
    img = np.zeros((height, width, 3), np.float64)
    label = np.zeros((height, width), np.uint8)
    horizon = int(rng.uniform(0.2, 0.4) * height)
    on_water = bool(rng.random() < 0.5)
    _sky(img, label, horizon, rng)
    (_water if on_water else _road)(img, label, horizon, rng)
    img = np.ascontiguousarray(img.astype(np.uint8))
    for _ in range(rng.integers(1, 4)):
        _bird(img, label, horizon, rng)
    _vehicle(img, label, BOAT if on_water else CAR, horizon, rng)
    for _ in range(rng.integers(2, 6)):
        _marker(img, label, BUOY if on_water else CONE, horizon, rng)
    for _ in range(rng.integers(1, 4)):
        _person(img, label, horizon, rng)
    noise = rng.normal(0, 6, img.shape) + rng.uniform(-15, 15)
    img = np.clip(img + noise, 0, 255).astype(np.uint8)
    return img, label


def generate(out: str,
             seed: int = 0,
             num_train: int = 600,
             num_val: int = 150,
             height: int = 128,
             width: int = 160) -> None:
    """Write the data set to ``out``, which must not exist yet (by default
    the demo's: seed 0, 600 training and 150 validation images of 128 x
    160), and say so.

    Files are written to a temporary sibling folder that is renamed at the
    end, so an interrupted run never leaves a half-written ``out`` behind.
    """
    if min(height, width) < MIN_SIZE:
        raise ValueError(f'height and width must be at least {MIN_SIZE}, '
                         f'got {height}x{width}')
    if seed < 0:
        raise ValueError(f'seed must not be negative, got {seed}')
    if min(num_train, num_val) < 0:
        raise ValueError('image counts must not be negative, got '
                         f'{num_train} training and {num_val} validation')
    if osp.exists(out):
        raise FileExistsError(f'{out} exists; remove it to regenerate')
    parent = osp.dirname(osp.abspath(out))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix='.context_shapes-', dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp's 0700, as mkdir would make it
    try:
        for split, num in (('training', num_train), ('validation', num_val)):
            for sub in ('images', 'annotations'):
                os.makedirs(osp.join(tmp, sub, split))
            for index in range(num):
                rng = np.random.default_rng([seed, SPLITS[split], index])
                img, label = draw_scene(height, width, rng)
                name = f'cs_{split}_{index:05d}.png'
                cv2.imwrite(osp.join(tmp, 'images', split, name), img)
                cv2.imwrite(osp.join(tmp, 'annotations', split, name), label)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f'ContextShapes: {num_train} training and {num_val} validation '
          f'images ({height}x{width}) written to {out}')
