"""MATLAB-compatible ``imresize`` (bicubic, bilinear, nearest), batched torch, CPU or GPU.

MATLAB resizes one dimension at a time.  For an input length ``n``, output length ``m`` and scale ``s``
(``m = ceil(s * n)`` when a scale is given, ``s = m / n`` when a size is given), output pixel ``u``
(1-based) maps to the input coordinate ``x = u / s + 0.5 * (1 - 1 / s)``.  It takes the input pixels
``floor(x - width / 2) + (0 .. ceil(width) + 1)``, weights them with the kernel evaluated at the distance
(when shrinking with antialiasing the kernel is stretched: ``s * k(s * d)``, width ``width / s``),
normalises the weights to sum 1 and mirrors indices falling outside ``1..n`` (``[1..n, n..1]`` repeated,
i.e. symmetric padding).  The dimension with the smaller scale is resized first (rows on a tie).
Kernels: cubic with a = -0.5 (width 4), triangle (width 2), box on [-0.5, 0.5) (width 1, never
antialiased: MATLAB's default for ``'nearest'``).

Here each 1-D pass is a small dense (m x n) matrix built once (float64, cached) and applied with a
matrix product, so any batch / band count / device / float dtype works.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["imresize", "resize_matrix", "nearest_indices"]


def _cubic(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    return ((1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1)
            + (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1) & (ax <= 2)))


def _triangle(x: np.ndarray) -> np.ndarray:
    return (x + 1.0) * ((x >= -1) & (x < 0)) + (1.0 - x) * ((x >= 0) & (x <= 1))


def _box(x: np.ndarray) -> np.ndarray:
    return ((x >= -0.5) & (x < 0.5)).astype(np.float64)


_KERNELS = {"bicubic": (_cubic, 4.0), "cubic": (_cubic, 4.0), "bilinear": (_triangle, 2.0),
            "linear": (_triangle, 2.0), "triangle": (_triangle, 2.0), "nearest": (_box, 1.0),
            "box": (_box, 1.0)}


def _contributions(in_len: int, out_len: int, scale: float, method: str, antialias: bool):
    """MATLAB's ``contributions``: (indices 0-based (m, P), weights (m, P))."""
    kernel, width = _KERNELS[method]
    if method == "nearest":
        antialias = False  # MATLAB never antialiases 'nearest'
    if scale < 1 and antialias:
        h = lambda d: scale * kernel(scale * d)  # noqa: E731
        width = width / scale
    else:
        h = kernel
    u = np.arange(1, out_len + 1, dtype=np.float64)
    x = u / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(x - width / 2)
    P = int(math.ceil(width)) + 2
    idx = left[:, None] + np.arange(P, dtype=np.float64)[None, :]
    w = h(x[:, None] - idx)
    s = w.sum(axis=1, keepdims=True)
    w = w / s
    aux = np.concatenate([np.arange(in_len), np.arange(in_len)[::-1]])
    idx = aux[np.mod(idx.astype(np.int64) - 1, 2 * in_len)]
    return idx, w


@functools.lru_cache(maxsize=128)
def _matrix_np(in_len: int, out_len: int, scale: float, method: str, antialias: bool) -> np.ndarray:
    idx, w = _contributions(in_len, out_len, scale, method, antialias)
    m = np.zeros((out_len, in_len), dtype=np.float64)
    np.add.at(m, (np.repeat(np.arange(out_len), idx.shape[1]), idx.ravel()), w.ravel())
    m.setflags(write=False)
    return m


def resize_matrix(in_len: int, out_len: int, scale: float | None = None, method: str = "bicubic",
                  antialias: bool = True) -> torch.Tensor:
    """The (out_len, in_len) float64 matrix of one MATLAB ``imresize`` pass (``scale`` defaults to
    ``out_len / in_len``)."""
    method = method.lower()
    if method not in _KERNELS:
        raise ValueError(f"unknown imresize method {method!r}; use one of {sorted(_KERNELS)}")
    if scale is None:
        scale = out_len / in_len
    return torch.from_numpy(_matrix_np(int(in_len), int(out_len), float(scale), method, bool(antialias)).copy())


def nearest_indices(in_len: int, scale: float) -> np.ndarray:
    """0-based input indices MATLAB ``imresize(..., scale, 'nearest')`` keeps along a dimension of
    length ``in_len`` (for ``scale = 1 / r`` with ``r`` a power of two: ``r * i + r // 2``)."""
    out_len = int(math.ceil(scale * in_len))
    idx, w = _contributions(int(in_len), out_len, float(scale), "nearest", False)
    return idx[np.arange(out_len), np.argmax(w, axis=1)]


def _pair(v, name):
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return (v, v)
    v = tuple(v)
    if len(v) != 2:
        raise ValueError(f"{name} must be a number or a pair (H, W), got {v}")
    return v


def imresize(x: torch.Tensor, scale: float | Sequence[float] | None = None,
             size: Sequence[int | None] | None = None, method: str = "bicubic",
             antialias: bool = True) -> torch.Tensor:
    """MATLAB ``imresize(x, scale)`` / ``imresize(x, [H W])`` on (B, C, H, W), (C, H, W) or (H, W).

    ``method`` is ``'bicubic'`` (default, cubic a = -0.5), ``'bilinear'`` or ``'nearest'``; ``antialias``
    (default True, as MATLAB) stretches the kernel when shrinking (ignored for ``'nearest'``).  Exactly one
    of ``scale`` (a number or (sH, sW); output ``ceil(s * n)``) and ``size`` ((H, W); one entry may be
    None to keep the aspect ratio, like MATLAB's NaN) must be given.  Float input keeps its dtype
    (computed in that dtype; use float64 for MATLAB-level agreement), integer input gives float64; no
    rounding or clamping is applied.
    """
    if (scale is None) == (size is None):
        raise ValueError("imresize needs exactly one of scale or size")
    method = method.lower()
    if method not in _KERNELS:
        raise ValueError(f"unknown imresize method {method!r}; use one of {sorted(_KERNELS)}")
    nd = x.dim()
    if nd == 2:
        x = x[None, None]
    elif nd == 3:
        x = x[None]
    elif nd != 4:
        raise ValueError(f"expected (B, C, H, W), (C, H, W) or (H, W), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        x = x.double()
    H, W = x.shape[-2:]
    if scale is not None:
        sh, sw = (float(s) for s in _pair(scale, "scale"))
        if sh <= 0 or sw <= 0:
            raise ValueError(f"scale must be positive, got {scale}")
        oh, ow = int(math.ceil(sh * H)), int(math.ceil(sw * W))
    else:
        oh, ow = _pair(size, "size")
        if oh is None and ow is None:
            raise ValueError("size cannot be (None, None)")
        if oh is None:
            sh = sw = ow / W
            oh = int(math.ceil(sh * H))
        elif ow is None:
            sh = sw = oh / H
            ow = int(math.ceil(sw * W))
        else:
            sh, sw = oh / H, ow / W
        oh, ow = int(oh), int(ow)
    if oh < 1 or ow < 1:
        raise ValueError(f"output size must be positive, got {(oh, ow)}")
    order = (2, 3) if sh <= sw else (3, 2)
    for dim in order:
        if dim == 2:
            m = resize_matrix(H, oh, sh, method, antialias).to(dtype=x.dtype, device=x.device)
            x = torch.matmul(m, x)
        else:
            m = resize_matrix(W, ow, sw, method, antialias).to(dtype=x.dtype, device=x.device)
            x = torch.matmul(x, m.T)
    if nd == 2:
        return x[0, 0]
    if nd == 3:
        return x[0]
    return x
