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

from .common import power_of_two_levels

__all__ = ["interp23tap", "interp23tap_kernel"]

_HALF = (0.5, 0.305334091185, 0.0, -0.072698593239, 0.0, 0.021809577942, 0.0, -0.005192756653, 0.0,
         0.000807762146, 0.0, -0.000060081482)


def interp23tap_kernel(dtype: torch.dtype = torch.float64, device: torch.device | str | None = None) -> torch.Tensor:
    """The 23 taps, centre at index 11."""
    half = torch.tensor(_HALF, dtype=torch.float64) * 2
    k = torch.cat([half.flip(0), half[1:]])
    return k.to(dtype=dtype, device=device)


def _up2(x: torch.Tensor, dim: int, first: bool) -> torch.Tensor:
    """One doubling pass along ``dim`` (2 or 3), polyphase: the zero-stuffed grid is never built.

    Existing samples keep their value (the kernel's centre tap is 1 and its other even taps are 0); each new
    sample is the odd taps applied to its circular neighbourhood.  First pass: samples at odd positions,
    new ones at even; later passes: samples at even positions, new ones at odd.
    """
    k = interp23tap_kernel(x.dtype, x.device)
    odd = k[0::2]  # taps at offsets -11, -9, ..., 11 (12 of them)
    n = x.shape[dim]
    # new sample j (between the old ones) sees old samples j + m, m = lo .. lo + 11
    lo = -6 if first else -5
    idx = torch.arange(lo, n + lo + 11, device=x.device) % n
    xp = x.index_select(dim, idx)
    new = xp.narrow(dim, 0, n) * odd[0]
    for j in range(1, odd.numel()):
        new.add_(xp.narrow(dim, j, n), alpha=float(odd[j]))
    pair = (new, x) if first else (x, new)
    out = torch.stack(pair, dim=dim + 1)
    shape = list(x.shape)
    shape[dim] *= 2
    return out.reshape(shape)


def interp23tap(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """Upsample ``x`` (B, C, h, w) or (C, h, w) by ``ratio`` (a power of two) with the 23-tap interpolator."""
    power_of_two_levels(ratio, "interp23tap", minimum=1)
    squeeze = x.dim() == 3
    if squeeze:
        x = x[None]
    if x.dim() != 4:
        raise ValueError(f"expected (B, C, h, w) or (C, h, w), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        x = x.double()
    for p in range(int(round(math.log2(ratio)))):
        x = _up2(_up2(x, 2, p == 0), 3, p == 0)
    return x[0] if squeeze else x
