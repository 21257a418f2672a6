"""The 23-tap polynomial interpolator of the pansharpening toolbox (``interp23tap``).

The kernel is symmetric, built from the half coefficients
0.5, 0.305334091185, 0, -0.072698593239, 0, 0.021809577942, 0, -0.005192756653, 0, 0.000807762146, 0,
-0.000060081482, times 2.  Each pass doubles the size: samples are placed on a zero grid (the first pass at
odd 0-based indices, later passes at even ones) and the grid is filtered along rows and columns with
circular borders.  ``log2(ratio)`` passes give the ratio.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["interp23tap", "interp23tap_kernel"]

_HALF = (0.5, 0.305334091185, 0.0, -0.072698593239, 0.0, 0.021809577942, 0.0, -0.005192756653, 0.0,
         0.000807762146, 0.0, -0.000060081482)


def interp23tap_kernel(dtype: torch.dtype = torch.float64, device: torch.device | str | None = None) -> torch.Tensor:
    """The 23 taps, centre at index 11."""
    half = torch.tensor(_HALF, dtype=torch.float64) * 2
    k = torch.cat([half.flip(0), half[1:]])
    return k.to(dtype=dtype, device=device)


def _circular_filter(x: torch.Tensor, k: torch.Tensor, dim: int) -> torch.Tensor:
    """Correlate ``x`` (B, C, H, W) with 1-D kernel ``k`` along ``dim`` (2 or 3), circular borders."""
    n = x.shape[dim]
    r = k.numel() // 2
    idx = torch.arange(-r, n + r, device=x.device) % n
    xp = x.index_select(dim, idx)
    B, C = x.shape[:2]
    if dim == 2:
        w = k.view(1, 1, -1, 1)
    else:
        w = k.view(1, 1, 1, -1)
    y = F.conv2d(xp.reshape(B * C, 1, *xp.shape[2:]), w.to(x.dtype))
    return y.reshape(B, C, *y.shape[2:])


def interp23tap(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """Upsample ``x`` (B, C, h, w) or (C, h, w) by ``ratio`` (a power of two) with the 23-tap interpolator."""
    if ratio < 1 or 2 ** round(math.log2(ratio)) != ratio:
        raise ValueError(f"interp23tap needs a power-of-two ratio (2, 4, 8, ...), got {ratio}")
    squeeze = x.dim() == 3
    if squeeze:
        x = x[None]
    if x.dim() != 4:
        raise ValueError(f"expected (B, C, h, w) or (C, h, w), got shape {tuple(x.shape)}")
    k = interp23tap_kernel(x.dtype if x.is_floating_point() else torch.float64, x.device)
    if not x.is_floating_point():
        x = x.double()
    for p in range(int(round(math.log2(ratio)))):
        B, C, h, w = x.shape
        up = x.new_zeros(B, C, 2 * h, 2 * w)
        if p == 0:
            up[..., 1::2, 1::2] = x
        else:
            up[..., 0::2, 0::2] = x
        x = _circular_filter(_circular_filter(up, k, 2), k, 3)
    return x[0] if squeeze else x
