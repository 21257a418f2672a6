"""The 23-tap polynomial interpolator of the pansharpening toolbox (``interp23tap``).

The kernel is symmetric, built from the half coefficients
0.5, 0.305334091185, 0, -0.072698593239, 0, 0.021809577942, 0, -0.005192756653, 0, 0.000807762146, 0,
-0.000060081482, times 2.  Each pass doubles the size: samples are placed on a zero grid (the first pass at
odd 0-based indices, later passes at even ones) and the grid is filtered along rows and columns with
circular borders.  ``log2(ratio)`` passes give the ratio.

Computation: the ``log2(ratio)`` passes along one dimension are one linear, shift-invariant map from ``n``
samples to ``ratio * n``: output ``ratio * i + p`` is ``sum_t f[p, t] x[(i + lo + t) mod n]``, with ``ratio``
polyphase filters ``f`` (17 taps each at ratio 4) derived once, in float64, from the pass-by-pass definition
(:func:`_passes_1d`).  Each dimension is then upsampled by one matrix product: the input is cut into tiles
of ``m`` samples plus the filter's margin (one gather, circular indices) and every tile is multiplied by the
same small ``(ratio * m, m + K - 1)`` matrix, whose result rows are already in output order.  Columns are done
first, at low resolution, rows last, so the only full-size work is one gather of whole rows and one batched
product writing the output; the result agrees with the pass-by-pass filtering to rounding (float32: ~1e-7
on [0, 1] data).
"""

from __future__ import annotations

import functools

import torch

from .common import power_of_two_levels

__all__ = ["interp23tap", "interp23tap_kernel"]

_HALF = (0.5, 0.305334091185, 0.0, -0.072698593239, 0.0, 0.021809577942, 0.0, -0.005192756653, 0.0,
         0.000807762146, 0.0, -0.000060081482)
_TILE = 32  # low-resolution samples per tile (the matrix products are then ~3x the minimal work, in cache)


def interp23tap_kernel(dtype: torch.dtype = torch.float64, device: torch.device | str | None = None) -> torch.Tensor:
    """The 23 taps, centre at index 11."""
    half = torch.tensor(_HALF, dtype=torch.float64) * 2
    k = torch.cat([half.flip(0), half[1:]])
    return k.to(dtype=dtype, device=device)


def _up2(x: torch.Tensor, first: bool) -> torch.Tensor:
    """One doubling pass along the last dimension of ``x`` (float64), by the definition: the samples keep
    their value (the kernel's centre tap is 1, its other even taps 0) and each new sample is the odd taps
    applied to its circular neighbourhood.  First pass: samples at odd positions, new ones at even; later
    passes: samples at even positions, new ones at odd."""
    odd = interp23tap_kernel()[0::2]  # taps at offsets -11, -9, ..., 11 (12 of them)
    n = x.shape[-1]
    lo = -6 if first else -5  # new sample j (between the old ones) sees old samples j + m, m = lo .. lo + 11
    xp = x[..., torch.arange(lo, n + lo + 11) % n]
    new = sum(float(odd[j]) * xp[..., j:j + n] for j in range(odd.numel()))
    pair = (new, x) if first else (x, new)
    return torch.stack(pair, dim=-1).reshape(*x.shape[:-1], 2 * n)


def _passes_1d(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """The toolbox's ``log2(ratio)`` passes along the last dimension, one by one (the definition)."""
    for p in range(int(ratio).bit_length() - 1):
        x = _up2(x, p == 0)
    return x


@functools.lru_cache(maxsize=8)
def _polyphase(ratio: int) -> tuple[torch.Tensor, int]:
    """``(f, lo)``: output ``ratio * i + p`` = ``sum_t f[p, t] x[i + lo + t]`` (float64 (ratio, K)), read off
    the response of :func:`_passes_1d` to unit impulses on a circle long enough not to wrap."""
    n = 128
    resp = _passes_1d(torch.eye(n, dtype=torch.float64), ratio)  # (impulse j, output)
    i0 = n // 2
    f = resp[:, ratio * i0:ratio * i0 + ratio].T  # (p, j): weight of x[j] in output ratio * i0 + p
    used = (f != 0).any(0).nonzero()[:, 0]
    a, b = int(used.min()), int(used.max())
    return f[:, a:b + 1].contiguous(), a - i0


@functools.lru_cache(maxsize=32)
def _tile_matrix(ratio: int, m: int, dtype: torch.dtype, device: str) -> torch.Tensor:
    """``(ratio * m, m + K - 1)``: the outputs of one tile of ``m`` samples from its ``m + K - 1`` inputs."""
    f, _ = _polyphase(ratio)
    K = f.shape[1]
    A = torch.zeros(ratio * m, m + K - 1, dtype=torch.float64)
    for i in range(m):
        A[ratio * i:ratio * (i + 1), i:i + K] = f
    return A.to(dtype=dtype, device=device)


@functools.lru_cache(maxsize=64)
def _tile_index(n: int, m: int, lo: int, K: int, device: str) -> torch.Tensor:
    """Circular indices of the ``ceil(n / m)`` overlapping input tiles, concatenated."""
    tiles = -(-n // m)
    idx = (torch.arange(tiles)[:, None] * m + torch.arange(m + K - 1)[None, :] + lo) % n
    return idx.reshape(-1).to(device)


def interp23tap(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """Upsample ``x`` (B, C, h, w) or (C, h, w) by ``ratio`` (a power of two) with the 23-tap interpolator.

    Float input keeps its dtype (and device); integer input is upsampled in float64."""
    power_of_two_levels(ratio, "interp23tap", minimum=1)
    squeeze = x.dim() == 3
    if squeeze:
        x = x[None]
    if x.dim() != 4:
        raise ValueError(f"expected (B, C, h, w) or (C, h, w), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        x = x.double()
    if ratio == 1:
        return (x[0] if squeeze else x).clone()
    B, C, h, w = x.shape
    f, lo = _polyphase(ratio)
    K = f.shape[1]
    dev = str(x.device)
    # columns, at low resolution: (B C h, tiles * (m + K - 1)) @ -> (B C h, tiles * ratio m)
    m = min(_TILE, w)
    tiles = -(-w // m)
    t = x.reshape(B * C * h, w).index_select(1, _tile_index(w, m, lo, K, dev))
    y = torch.mm(t.view(-1, m + K - 1), _tile_matrix(ratio, m, x.dtype, dev).T).view(B * C, h, tiles * ratio * m)
    W = ratio * w
    if tiles * m != w:
        y = y[..., :W]
    # rows: whole rows gathered into tiles, one batched product writes the output in order
    m = min(_TILE, h)
    tiles = -(-h // m)
    t = y.index_select(1, _tile_index(h, m, lo, K, dev)).view(B * C * tiles, m + K - 1, W)
    y = torch.matmul(_tile_matrix(ratio, m, x.dtype, dev), t).view(B, C, tiles * ratio * m, W)
    if tiles * m != h:
        y = y[:, :, :ratio * h].contiguous()
    return y[0] if squeeze else y
