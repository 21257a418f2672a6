"""Point spread functions and the spatial degradation of the HS-MS fusion protocols (blur, then decimation).

A :class:`PSF` is a 2-D kernel (float64, normalised to sum 1 unless asked otherwise) with a name and the
parameters that made it.  Constructors: :func:`gaussian_psf` (by ``sigma`` or ``fwhm``, MATLAB
``fspecial('gaussian')`` conventions; the bare kernel is :func:`fspecial_gaussian`, the one Gaussian kernel
of fusionzoo: the HS-MS methods and the pansharpening MTF filters use it too), :func:`box_psf`,
:func:`starck_murtagh_psf` (the B3-spline kernel of HySure's demos) and :func:`measured_psf` (any array).

The operators act on (B, C, H, W) tensors (or (C, H, W)), in the input's dtype and device:

- :func:`blur` filters every band with the PSF (a true convolution: the kernel is flipped, which matters
  for asymmetric measured kernels only) and keeps the size;
- :func:`decimate` keeps the pixels ``phase, phase + ratio, ...`` of each row and column;
- :func:`blur_decimate` does both at once, computing only the kept samples.

**Sampling phase.**  ``phase`` is the position, in high-resolution pixels from the top-left corner of each
``ratio x ratio`` block, of the point where the PSF is centred for that block's low-resolution sample.  An
integer phase picks a pixel (MATLAB ``downsample(x, ratio, phase)``); ``"centre"`` is ``(ratio - 1) / 2``,
the geometric centre of the block, a half-integer for an even ratio.  A kernel of size ``k`` has its centre at
``(k - 1) / 2``, so a kernel can be centred at a phase only if ``phase - (k - 1) / 2`` is a whole number: odd
kernels at integer phases, even kernels at half-integer ones (e.g. CUCaNet's 32 x 32 kernel at x32 sits on
each block exactly, phase 15.5).

**Boundaries** (where a kernel window leaves the image): ``"circular"`` (periodic, what the FFT-based methods
such as HySure and FUSE assume), ``"symmetric"`` (mirror with the edge pixel repeated, MATLAB
``'symmetric'``), ``"reflect"`` (mirror without repeating it), ``"replicate"`` (edge pixel repeated) or
``"zeros"``.  :func:`gaussian_down_sample` is the Yokoya toolbox's own scheme (its border blocks use a
smaller kernel) and needs no padding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "PSF", "fspecial_gaussian", "gaussian_psf", "box_psf", "starck_murtagh_psf", "measured_psf", "fwhm_to_sigma",
    "sigma_to_fwhm",
    "blur", "decimate", "blur_decimate", "gaussian_down_sample", "crop_to_multiple", "resolve_phase",
    "BOUNDARIES",
]

BOUNDARIES = ("circular", "symmetric", "reflect", "replicate", "zeros")
_FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))  # 2.354820045...


def fwhm_to_sigma(fwhm: float) -> float:
    """Standard deviation of the Gaussian whose full width at half maximum is ``fwhm``:
    ``fwhm / (2 sqrt(2 ln 2))`` (the toolboxes write ``fwhm / 2.35482``)."""
    return float(fwhm) / _FWHM_PER_SIGMA


def sigma_to_fwhm(sigma: float) -> float:
    """Full width at half maximum of a Gaussian of standard deviation ``sigma``."""
    return float(sigma) * _FWHM_PER_SIGMA


@dataclass(frozen=True, eq=False)
class PSF:
    """A point spread function: a 2-D float64 ``kernel`` (rows, columns), its ``name`` and the ``params``
    that made it.  ``kernel`` is applied as a convolution; its centre is ``((kh - 1) / 2, (kw - 1) / 2)``."""

    kernel: torch.Tensor
    name: str = "measured"
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        k = torch.as_tensor(self.kernel, dtype=torch.float64)
        if k.dim() != 2 or min(k.shape) < 1:
            raise ValueError(f"a PSF kernel must be a non-empty 2-D array, got shape {tuple(k.shape)}")
        if not torch.isfinite(k).all():
            raise ValueError("the PSF kernel has NaN or Inf values: pass a finite array")
        object.__setattr__(self, "kernel", k)

    @property
    def size(self) -> tuple[int, int]:
        return tuple(self.kernel.shape)

    @property
    def total(self) -> float:
        return float(self.kernel.sum())

    def numpy(self) -> np.ndarray:
        return self.kernel.numpy().copy()

    def __repr__(self) -> str:
        p = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"PSF({self.name}, size={self.size[0]}x{self.size[1]}{', ' + p if p else ''})"


def _pair(v, what: str) -> tuple[int, int]:
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"{what} must be an int or a pair of ints, got {v!r}")
        a, b = v
    else:
        a = b = v
    if int(a) != a or int(b) != b or int(a) < 1 or int(b) < 1:
        raise ValueError(f"{what} must be positive integers, got {v!r}")
    return int(a), int(b)


def fspecial_gaussian(size: int | Sequence[int], sigma: float, dtype: torch.dtype = torch.float64,
                      device: torch.device | str | None = None, normalise: bool = True) -> torch.Tensor:
    """MATLAB ``fspecial('gaussian', size, sigma)``: an isotropic Gaussian on a ``size`` (int or (rows, cols))
    grid centred at ``(size - 1) / 2`` (between pixels for an even size), values below ``eps * max`` set to 0,
    normalised to sum 1 (``normalise=False``: the raw samples of ``exp(-d^2 / (2 sigma^2))``).  Computed in
    float64 numpy (so numpy callers, e.g. the pansharpening MTF filters of :mod:`fusionzoo.ops.mtf`, get the
    same bits through ``.numpy()``), returned as a tensor of ``dtype`` on ``device``.  No argument checks:
    :func:`gaussian_psf` is the checked entry point."""
    kh, kw = (size, size) if not isinstance(size, (tuple, list)) else size
    ry = np.arange(kh, dtype=np.float64) - (kh - 1) / 2.0
    rx = np.arange(kw, dtype=np.float64) - (kw - 1) / 2.0
    g = np.exp(-(rx[None, :] ** 2 + ry[:, None] ** 2) / (2.0 * sigma * sigma))
    g[g < np.finfo(np.float64).eps * g.max()] = 0.0
    return torch.as_tensor(g / g.sum() if normalise else g, dtype=dtype, device=device)


def gaussian_psf(size: int | Sequence[int], sigma: float | None = None, *, fwhm: float | None = None,
                 normalise: bool = True) -> PSF:
    """Isotropic Gaussian on a ``size`` (int or (rows, cols)) grid centred at ``(size - 1) / 2``, given by
    ``sigma`` or by ``fwhm`` (pixels), exactly as MATLAB ``fspecial('gaussian', size, sigma)``
    (:func:`fspecial_gaussian`): values below ``eps * max`` are set to 0, then the kernel is normalised to
    sum 1 (``normalise=False`` keeps the peak 1).
    The kernel is truncated to the grid, so its effective FWHM is smaller than asked when the grid is
    narrower than about 3 sigma either side."""
    if (sigma is None) == (fwhm is None):
        raise ValueError("give exactly one of sigma= or fwhm= for a Gaussian PSF")
    s = float(sigma) if sigma is not None else fwhm_to_sigma(fwhm)
    if not s > 0 or not math.isfinite(s):
        raise ValueError(f"the Gaussian PSF needs a positive finite width, got sigma={s}")
    kh, kw = _pair(size, "the Gaussian PSF size")
    k = fspecial_gaussian((kh, kw), s, normalise=normalise)
    params = {"size": (kh, kw), "sigma": s}
    if fwhm is not None:
        params["fwhm"] = float(fwhm)
    return PSF(k, "gaussian", params)


def box_psf(size: int | Sequence[int]) -> PSF:
    """Uniform average over a ``size`` window (MATLAB ``fspecial('average', size)``): every weight
    ``1 / (rows * cols)``.  At ``size = ratio`` with a block-centred phase this is the mean of each block."""
    kh, kw = _pair(size, "the box PSF size")
    return PSF(torch.full((kh, kw), 1.0 / (kh * kw), dtype=torch.float64), "box", {"size": (kh, kw)})


def starck_murtagh_psf() -> PSF:
    """The 5 x 5 B3-spline kernel of Starck and Murtagh, ``[1 4 6 4 1]^T [1 4 6 4 1] / 256`` (the blur of
    HySure's Pavia and Paris demos)."""
    v = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], dtype=torch.float64) / 16.0
    return PSF(v[:, None] * v[None, :], "starck_murtagh", {"size": (5, 5)})


def measured_psf(kernel, *, normalise: bool = True, name: str = "measured") -> PSF:
    """A PSF from any 2-D array (numpy, torch, nested lists), e.g. an estimated or calibrated kernel;
    normalised to sum 1 unless ``normalise=False``."""
    k = torch.as_tensor(np.asarray(kernel, dtype=np.float64) if not torch.is_tensor(kernel) else kernel,
                        dtype=torch.float64).clone()
    if k.dim() != 2:
        raise ValueError(f"a measured PSF must be a 2-D array, got shape {tuple(k.shape)}")
    if not torch.isfinite(k).all():
        raise ValueError("the measured PSF has NaN or Inf values: pass a finite array")
    if normalise:
        s = float(k.sum())
        if s == 0:
            raise ValueError("the measured PSF sums to 0 and cannot be normalised: pass normalise=False")
        k = k / s
    return PSF(k, name, {"size": tuple(k.shape)})


# ---------------------------------------------------------------------------------------------- operators


def _as4d(x: torch.Tensor, what: str = "x") -> tuple[torch.Tensor, bool]:
    if not torch.is_tensor(x):
        raise TypeError(f"{what} must be a torch tensor of shape (B, C, H, W) or (C, H, W), got {type(x).__name__}")
    if x.dim() == 3:
        return x[None], True
    if x.dim() != 4:
        raise ValueError(f"{what} must have shape (B, C, H, W) or (C, H, W), got {tuple(x.shape)}")
    return x, False


def _check_boundary(boundary: str) -> str:
    if boundary not in BOUNDARIES:
        raise ValueError(f"unknown boundary {boundary!r}: use one of {', '.join(BOUNDARIES)}")
    return boundary


def resolve_phase(phase: float | str, ratio: int) -> float:
    """The numeric phase: ``"centre"``/``"center"`` -> ``(ratio - 1) / 2``; numbers must lie in
    ``[0, ratio - 1]`` and be whole or half-integers."""
    if isinstance(phase, str):
        if phase.lower() not in ("centre", "center"):
            raise ValueError(f"unknown phase {phase!r}: give a number in [0, ratio - 1] or 'centre'")
        return (ratio - 1) / 2.0
    p = float(phase)
    if not 0 <= p <= ratio - 1 or (2 * p) != int(2 * p):
        raise ValueError(f"phase {phase!r} must be a whole or half-integer in [0, {ratio - 1}] for ratio {ratio}")
    return p


def _index(n: int, start: int, stop: int, boundary: str, device) -> torch.Tensor | None:
    """Source indices for positions ``start .. stop - 1`` of an axis of length ``n`` (None: use zeros)."""
    i = torch.arange(start, stop, device=device)
    if boundary == "circular":
        return torch.remainder(i, n)
    if boundary == "replicate":
        return i.clamp(0, n - 1)
    if boundary == "symmetric":
        m = torch.remainder(i, 2 * n)
        return torch.where(m < n, m, 2 * n - 1 - m)
    if boundary == "reflect":
        if n == 1:
            return torch.zeros_like(i)
        m = torch.remainder(i, 2 * n - 2)
        return torch.where(m < n, m, 2 * n - 2 - m)
    return None


def _extend(x: torch.Tensor, top: int, bottom: int, left: int, right: int, boundary: str) -> torch.Tensor:
    """Extend the last two axes by the given (non-negative) amounts with the boundary rule."""
    if top == bottom == left == right == 0:
        return x
    H, W = x.shape[-2:]
    if boundary == "zeros":
        return F.pad(x, (left, right, top, bottom))
    iy = _index(H, -top, H + bottom, boundary, x.device)
    ix = _index(W, -left, W + right, boundary, x.device)
    return x.index_select(-2, iy).index_select(-1, ix)


def _correlate(x: torch.Tensor, psf: PSF, ratio: int, offset_y: int, offset_x: int, out_h: int, out_w: int,
               boundary: str) -> torch.Tensor:
    """out[i, j] = sum_uv x[i r + oy + u, j r + ox + v] * flip(kernel)[u, v] (a convolution centred at
    i r + oy + (kh - 1) / 2), the image extended by ``boundary`` where needed."""
    B, C, H, W = x.shape
    kh, kw = psf.size
    top, left = max(0, -offset_y), max(0, -offset_x)
    bottom = max(0, (out_h - 1) * ratio + offset_y + kh - H)
    right = max(0, (out_w - 1) * ratio + offset_x + kw - W)
    xe = _extend(x, top, bottom, left, right, boundary)
    y0, x0 = offset_y + top, offset_x + left
    xe = xe[..., y0:y0 + (out_h - 1) * ratio + kh, x0:x0 + (out_w - 1) * ratio + kw]
    k = torch.flip(psf.kernel, (0, 1))
    xe = xe.reshape(B * C, 1, *xe.shape[-2:])
    sep = _separable(k)
    if sep is not None:  # two 1-D passes (Gaussian, box, B3-spline): same result, far fewer operations
        out = _pass(_pass(xe, sep[0], -2, ratio, out_h), sep[1], -1, ratio, out_w)
    else:
        out = F.conv2d(xe, k.to(device=x.device, dtype=x.dtype)[None, None], stride=ratio)
    return out.reshape(B, C, out_h, out_w)


def _pass(x: torch.Tensor, w: torch.Tensor, axis: int, stride: int, n_out: int) -> torch.Tensor:
    """1-D correlation along ``axis`` keeping every ``stride``-th output: sum_t w[t] x[i stride + t]
    (a sum of strided slices: no im2col copy, cheap for the short kernels of these protocols)."""
    span = (n_out - 1) * stride + 1
    acc = None
    for t, wt in enumerate(w.tolist()):
        if wt == 0:
            continue
        sl = [slice(None)] * x.dim()
        sl[axis] = slice(t, t + span, stride)
        term = x[tuple(sl)] * wt
        acc = term if acc is None else acc + term
    if acc is None:
        shape = list(x.shape)
        shape[axis] = n_out
        acc = x.new_zeros(shape)
    return acc


def _separable(k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(u, v) with k = u v^T when the kernel has rank 1 (to float64 precision), else None."""
    if min(k.shape) == 1:
        return (k[:, 0], k[0] / k[0, 0]) if k[0, 0] != 0 and k.shape[1] > 1 else \
            ((k[:, 0], torch.ones(1, dtype=k.dtype)) if k.shape[1] == 1 else (torch.ones(1, dtype=k.dtype), k[0]))
    i, j = divmod(int(torch.argmax(k.abs())), k.shape[1])
    piv = k[i, j]
    if piv == 0:
        return None
    u, v = k[:, j], k[i] / piv
    if torch.allclose(u[:, None] * v[None, :], k, rtol=0, atol=1e-14 * float(k.abs().max())):
        return u, v
    return None


def blur(x: torch.Tensor, psf: PSF, boundary: str = "circular") -> torch.Tensor:
    """Convolve every band of ``x`` (B, C, H, W) with ``psf``; same size out.  The output pixel ``i`` is the
    kernel centred at ``i`` (odd kernels) or at ``i + 1/2`` (even kernels, MATLAB ``conv2(.., 'same')``)."""
    x4, sq = _as4d(x)
    _check_boundary(boundary)
    kh, kw = psf.size
    out = _correlate(x4, psf, 1, -((kh - 1) // 2), -((kw - 1) // 2), x4.shape[-2], x4.shape[-1], boundary)
    return out[0] if sq else out


def _check_ratio(ratio) -> int:
    if int(ratio) != ratio or int(ratio) < 1:
        raise ValueError(f"ratio must be a positive integer, got {ratio!r}")
    return int(ratio)


def _check_multiple(H: int, W: int, ratio: int) -> None:
    if H % ratio or W % ratio:
        raise ValueError(f"image size {H} x {W} is not a multiple of the ratio {ratio}: crop it first, "
                         f"e.g. fusionzoo.degradation.crop_to_multiple(x, {ratio})")


def decimate(x: torch.Tensor, ratio: int, phase: int = 0) -> torch.Tensor:
    """Keep rows and columns ``phase, phase + ratio, ...`` (MATLAB ``downsample(x, ratio, phase)`` on both
    axes); H and W must be multiples of ``ratio`` and ``phase`` a whole number in [0, ratio - 1]."""
    x4, sq = _as4d(x)
    r = _check_ratio(ratio)
    p = resolve_phase(phase, r)
    if p != int(p):
        raise ValueError(f"decimate picks pixels: phase must be a whole number, got {phase!r} "
                         "(half-integer phases need an even kernel: use blur_decimate)")
    _check_multiple(*x4.shape[-2:], r)
    out = x4[..., int(p)::r, int(p)::r]
    return out[0] if sq else out


def blur_decimate(x: torch.Tensor, psf: PSF, ratio: int, phase: float | str = "centre",
                  boundary: str = "circular") -> torch.Tensor:
    """Low-resolution samples of ``x`` blurred by ``psf``: output ``(i, j)`` is the PSF centred at
    ``(i * ratio + phase, j * ratio + phase)``; (B, C, H, W) -> (B, C, H / ratio, W / ratio).

    Equal to ``decimate(blur(x, psf, boundary), ratio, phase)`` for an odd kernel and an integer phase, but
    computes only the kept samples.  See the module docstring for ``phase`` and ``boundary``.
    """
    x4, sq = _as4d(x)
    r = _check_ratio(ratio)
    _check_boundary(boundary)
    p = resolve_phase(phase, r)
    H, W = x4.shape[-2:]
    _check_multiple(H, W, r)
    kh, kw = psf.size
    oy, ox = p - (kh - 1) / 2.0, p - (kw - 1) / 2.0
    if oy != int(oy) or ox != int(ox):
        raise ValueError(f"a {kh} x {kw} kernel cannot be centred at phase {p}: use an odd kernel with a whole "
                         f"phase or an even kernel with a half-integer phase (e.g. 'centre' for an even ratio)")
    out = _correlate(x4, psf, r, int(oy), int(ox), H // r, W // r, boundary)
    return out[0] if sq else out


def gaussian_down_sample(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """The Yokoya toolbox's ``gaussian_down_sample(data, w)`` (CNMF, used by its SRF estimate ``estR``, by
    GLP-HS, by HySure's and FUSE's toolbox wrappers and by the demo's simulation): (B, C, H, W) or (C, H, W)
    -> (..., H // ratio, W // ratio), in the input's dtype (integers: float64).

    A Gaussian PSF with FWHM = ``ratio`` (sigma = ratio / 2.35482, the toolbox's constant) centred on each
    disjoint ``ratio x ratio`` block.  Interior blocks use a ``2 ratio`` (even ratio) or ``2 ratio - 1``
    (odd) square kernel over the window centred on the block (it reaches into the neighbouring blocks);
    blocks on the image border use the ``ratio x ratio`` kernel restricted to the block (each
    :func:`fspecial_gaussian` kernel normalised to sum 1), so no padding is involved.  Rows/columns beyond
    ``floor(H / ratio) * ratio`` are ignored, as in the toolbox.  Linear; constants are kept."""
    x4, sq = _as4d(x)
    r = _check_ratio(ratio)
    B, C, H, W = x4.shape
    hy, hx = H // r, W // r
    if hy < 1 or hx < 1:
        raise ValueError(f"image {H} x {W} is smaller than one {r} x {r} block")
    if not x4.is_floating_point():
        x4 = x4.to(torch.float64)
    sigma = r / 2.35482  # the toolbox's constant
    xd = x4.reshape(B * C, 1, H, W)
    k1 = fspecial_gaussian(r, sigma, dtype=x4.dtype, device=x4.device)[None, None]
    out = F.conv2d(xd[..., :hy * r, :hx * r], k1, stride=r)  # every block with the r x r kernel
    if hy > 2 and hx > 2:
        n2 = 2 * r if r % 2 == 0 else 2 * r - 1
        s0 = r // 2 if r % 2 == 0 else (r + 1) // 2  # 0-based start of the window of the second block
        k2 = fspecial_gaussian(n2, sigma, dtype=x4.dtype, device=x4.device)[None, None]
        inner = F.conv2d(xd[..., s0:s0 + (hy - 3) * r + n2, s0:s0 + (hx - 3) * r + n2], k2, stride=r)
        out = out.clone()
        out[..., 1:hy - 1, 1:hx - 1] = inner
    out = out.reshape(B, C, hy, hx)
    return out[0] if sq else out


def crop_to_multiple(x: torch.Tensor, ratio: int, where: str = "centre") -> torch.Tensor:
    """Crop the last two axes to multiples of ``ratio``: ``"centre"`` drops ``floor(extra / 2)`` rows/columns
    at the top/left and the rest at the bottom/right (CUCaNet's ``dataset.py``), ``"end"`` drops them at the
    bottom/right only."""
    r = _check_ratio(ratio)
    H, W = x.shape[-2:]
    eh, ew = H % r, W % r
    if where == "centre" or where == "center":
        top, left = eh // 2, ew // 2
    elif where == "end":
        top = left = 0
    else:
        raise ValueError(f"unknown crop {where!r}: use 'centre' or 'end'")
    if H - eh < r or W - ew < r:
        raise ValueError(f"image {H} x {W} is smaller than one {r} x {r} block")
    return x[..., top:top + H - eh, left:left + W - ew]
