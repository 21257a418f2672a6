"""Wald's protocol: the reduced-resolution pair the toolbox (``resize_images``) makes from a full one.

The MS is filtered with the sensor's MTF-matched filters (``MTF``, replicated borders) and decimated with
``imresize(..., 1/ratio, 'nearest')``, which keeps 0-based indices ``ratio * i + ratio // 2`` (2, 6, 10, ...
for ratio 4, the positions where ``interp23tap`` puts the samples back).  The PAN is reduced with
``imresize(pan, 1/ratio)`` (bicubic with antialiasing).  The original MS is then the reference for the
fused product of the reduced pair.
"""

from __future__ import annotations

import torch

from ..sensors import Sensor, get_sensor
from .mtf import mtf_filter
from .resize import imresize, nearest_indices

__all__ = ["degrade", "decimate_nearest"]


def decimate_nearest(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """MATLAB ``imresize(x, 1/ratio, 'nearest')`` on (..., H, W): keeps the same rows and columns."""
    H, W = x.shape[-2:]
    ih = torch.as_tensor(nearest_indices(H, 1.0 / ratio), device=x.device)
    iw = torch.as_tensor(nearest_indices(W, 1.0 / ratio), device=x.device)
    return x.index_select(-2, ih).index_select(-1, iw)


def degrade(ms: torch.Tensor, pan: torch.Tensor, sensor: str | Sensor, ratio: int | None = None
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Reduce a full-resolution pair by ``ratio`` (default: the sensor's) as the toolbox does.

    ``ms`` (B, C, h, w) and ``pan`` (B, 1, ratio*h, ratio*w) (or the same without the batch dimension),
    any scale (the operators are linear; the toolbox works at DN scale).  ``h`` and ``w`` must be
    divisible by ``ratio``.  Returns ``(ms_lr, pan_lr)``: (B, C, h/ratio, w/ratio) and (B, 1, h, w), in the
    input's float dtype (integer input gives float64).  ``sensor`` may be ``"generic"`` (MS gains 0.3).
    """
    squeeze = ms.dim() == 3 and pan.dim() == 3
    if squeeze:
        ms, pan = ms[None], pan[None]
    if ms.dim() != 4 or pan.dim() != 4:
        raise ValueError(f"expected ms (B, C, h, w) and pan (B, 1, H, W), got {tuple(ms.shape)} and "
                         f"{tuple(pan.shape)}")
    if pan.shape[1] != 1:
        raise ValueError(f"pan must have one band, got {pan.shape[1]} (shape {tuple(pan.shape)})")
    if ms.shape[0] != pan.shape[0]:
        raise ValueError(f"batch sizes differ: ms {ms.shape[0]}, pan {pan.shape[0]}")
    s = get_sensor(sensor, num_bands=ms.shape[1])
    ratio = s.ratio if ratio is None else ratio
    if int(ratio) != ratio or ratio < 2:
        raise ValueError(f"ratio must be an integer >= 2, got {ratio}")
    ratio = int(ratio)
    h, w = ms.shape[-2:]
    H, W = pan.shape[-2:]
    if (H, W) != (ratio * h, ratio * w):
        raise ValueError(f"pan size {(H, W)} is not ratio {ratio} times the ms size {(h, w)}")
    if h % ratio or w % ratio:
        raise ValueError(f"ms size {(h, w)} is not divisible by the ratio {ratio}")
    if not ms.is_floating_point():
        ms = ms.double()
    if not pan.is_floating_point():
        pan = pan.double()
    ms_lr = decimate_nearest(mtf_filter(ms, s, ratio), ratio)
    pan_lr = imresize(pan, 1.0 / ratio)
    if squeeze:
        return ms_lr[0], pan_lr[0]
    return ms_lr, pan_lr
