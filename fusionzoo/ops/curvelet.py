"""A real-valued, undecimated discrete curvelet transform in the frequency domain (a tight frame).

After E. J. Candès, L. Demanet, D. L. Donoho, L. Ying, "Fast discrete curvelet transforms", Multiscale Model.
Simul. 5(3), 2006, and the tutorial of J. Ma, G. Plonka, "The curvelet transform", IEEE Signal Processing
Magazine 27(2), 2010: the 2-D DFT plane is cut into Cartesian coronae (scales) and each corona into angular
wedges (directions), the number of wedges doubling every second scale towards the fine scales (parabolic
scaling, ``width ~ length^2``); a curvelet subband is the inverse DFT of the image spectrum times one
window.  What differs from the FDCT (CurveLab) and why:

* **undecimated**: every subband keeps the image size (no wrapping of the wedge onto a small rectangle), so
  coefficients are aligned with pixels (what pixel-wise fusion rules need) and the transform is
  shift-invariant; redundancy = 1 + number of wedges;
* **real-valued**: a wedge and its mirror through the origin form one window (an orientation is taken modulo
  pi), so each window is real and even and each subband is a real image (the FDCT's "real" option does the
  same by combining the two complex wedges);
* **tight frame**: the windows satisfy ``lowpass^2 + sum_{scale, wedge} window^2 = 1`` at every DFT frequency,
  so ``sum ||subband||^2 = ||x||^2`` (Parseval) and the inverse is the adjoint:
  ``x = sum_s IDFT(window_s * DFT(subband_s))``.

Windows.  Radius ``r = max(|f_y|, |f_x|)`` (cycles per pixel, 0.5 at Nyquist: the Cartesian coronae of the
FDCT).  Meyer's smooth step ``nu`` (``nu(t) + nu(1 - t) = 1``) gives the low-pass ``Lambda_k(r) = 1`` for
``r <= 2^-k / 3`` and ``0`` for ``r >= 2^(1-k) / 3``, with ``cos(pi/2 nu(.))`` between (Meyer's 2/3-4/3
transition around the Nyquist frequency ``2^-k / 2`` of a grid ``2^k`` times coarser).  Detail scale ``k = 1
.. levels`` (1 finest) is ``R_k = sqrt(Lambda_{k-1}^2 - Lambda_k^2)`` (``Lambda_0 = 1``), the coarse residual
``Lambda_levels``.  Angles: the orientation ``theta = atan2(f_y, f_x)`` modulo pi, cut into ``L`` equal wedges
centred at ``l pi / L`` (``l = 0`` horizontal frequencies, i.e. vertical stripes and edges; ``l = L / 2``
vertical frequencies), adjacent wedges crossing with ``cos``/``sin`` of ``pi/2 nu`` over a whole wedge width
(sum of squares 1).  ``L = angles`` at the coarsest detail scale and doubles every second scale towards the
finest: ``angles * 2^ceil(i / 2)`` for the ``i``-th detail scale counted from the coarsest (CurveLab's rule).
On even sizes the Nyquist row/column is its own mirror: there the angular windows are replaced by
``sqrt((V(f)^2 + V(-f)^2) / 2)`` (still a partition of unity, now exactly even), which keeps subbands real.

Borders are periodic (the DFT): extend non-periodic images (e.g. symmetrically) before the transform when
their borders matter.  Works on any size (odd or even) and any leading dimensions, in the input's floating
dtype, on CPU or GPU.
"""

from __future__ import annotations

import functools
import math

import torch

__all__ = ["curvelet_angles", "curvelet_angular_windows", "curvelet_decompose", "curvelet_radial_windows",
           "curvelet_reconstruct", "curvelet_windows", "meyer_step", "partition_windows", "reflect_index", "symmetric_pad",
           "symmetrise"]


def meyer_step(t: torch.Tensor) -> torch.Tensor:
    """Meyer's auxiliary function ``nu(t) = t^4 (35 - 84 t + 70 t^2 - 20 t^3)`` on [0, 1] (0 below, 1 above):
    smooth (C^3), with ``nu(t) + nu(1 - t) = 1``."""
    t = t.clamp(0.0, 1.0)
    return t ** 4 * (35.0 - 84.0 * t + 70.0 * t * t - 20.0 * t ** 3)


def partition_windows(t: torch.Tensor, count: int, period: float, offset: float = 0.0) -> torch.Tensor:
    """``count`` smooth windows on the periodic coordinate ``t`` (period ``period``) whose squares sum to one.

    Window ``l`` is centred at ``offset + l * period / count`` and crosses each neighbour over a whole window
    width ``w = period / count``: ``cos(pi/2 nu(|d| / w))`` for a (wrapped) distance ``|d| <= w`` to its centre,
    0 beyond.  Returns ``(count, *t.shape)``; one window is identically 1.
    """
    if count < 1:
        raise ValueError(f"need at least one window, got {count}")
    if count == 1:
        return torch.ones((1, *t.shape), dtype=t.dtype, device=t.device)
    w = period / count
    centres = offset + w * torch.arange(count, dtype=t.dtype, device=t.device)
    d = torch.remainder(t[None] - centres.reshape(-1, *([1] * t.dim())) + period / 2, period) - period / 2
    return torch.where(d.abs() < w, torch.cos(0.5 * math.pi * meyer_step(d.abs() / w)), torch.zeros_like(d))


def _freqs(shape: tuple[int, int], dtype: torch.dtype, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Frequency grids (cycles per pixel) of the full DFT, rows ``f_y`` and columns ``f_x``."""
    fy = torch.fft.fftfreq(shape[0], dtype=dtype, device=device)[:, None].expand(shape)
    fx = torch.fft.fftfreq(shape[1], dtype=dtype, device=device)[None, :].expand(shape)
    return fy, fx


def _mirror(v: torch.Tensor) -> torch.Tensor:
    """``v(-f)`` on the full DFT grid (index ``-k mod N`` along the last two dimensions)."""
    return torch.roll(v.flip((-2, -1)), shifts=(1, 1), dims=(-2, -1))


def symmetrise(v: torch.Tensor) -> torch.Tensor:
    """``sqrt((v(f)^2 + v(-f)^2) / 2)``: the even window with the same sum of squares over a partition."""
    return torch.sqrt(0.5 * (v * v + _mirror(v) ** 2))


def curvelet_angles(levels: int, angles: int) -> list[int]:
    """Number of wedges per detail scale, from the coarsest to the finest (``angles`` doubling every second
    scale towards the finest)."""
    _check(levels, angles)
    return [angles * 2 ** math.ceil(i / 2) for i in range(levels)]


def _check(levels: int, angles: int) -> None:
    if int(levels) != levels or levels < 1:
        raise ValueError(f"levels must be an integer >= 1 (detail scales), got {levels}")
    if int(angles) != angles or angles < 1:
        raise ValueError(f"angles must be an integer >= 1 (wedges at the coarsest detail scale), got {angles}")


def _lowpass(r: torch.Tensor, k: int) -> torch.Tensor:
    """``Lambda_k(r)``: 1 up to ``2^-k / 3``, 0 from ``2^(1-k) / 3`` (``Lambda_0 = 1``)."""
    if k == 0:
        return torch.ones_like(r)
    a = 2.0 ** -k / 3.0
    return torch.cos(0.5 * math.pi * meyer_step((r - a) / a))


@functools.lru_cache(maxsize=8)
def _radial_cached(shape: tuple[int, int], levels: int, dtype: torch.dtype, device: str) -> torch.Tensor:
    fy, fx = _freqs(shape, torch.float64, device)
    r = torch.maximum(fy.abs(), fx.abs())
    lows = [_lowpass(r, k) for k in range(levels + 1)]
    out = [lows[levels]]
    for k in range(levels, 0, -1):  # coarsest detail scale first
        out.append(torch.sqrt((lows[k - 1] ** 2 - lows[k] ** 2).clamp(min=0.0)))
    return torch.stack(out).to(dtype)


def curvelet_radial_windows(shape: tuple[int, int], levels: int, dtype: torch.dtype = torch.float64,
                            device: torch.device | str | None = None) -> torch.Tensor:
    """``(levels + 1, H, W)`` radial windows on the full DFT grid: the coarse low-pass, then the detail scales
    from the coarsest to the finest; their squares sum to one."""
    _check(levels, 1)
    return _radial_cached(tuple(int(s) for s in shape), int(levels), dtype, str(torch.device(device or "cpu")))


@functools.lru_cache(maxsize=16)
def _angular_cached(shape: tuple[int, int], count: int, dtype: torch.dtype, device: str) -> torch.Tensor:
    fy, fx = _freqs(shape, torch.float64, device)
    theta = torch.remainder(torch.atan2(fy, fx), math.pi)
    return symmetrise(partition_windows(theta, count, math.pi)).to(dtype)


def curvelet_angular_windows(shape: tuple[int, int], count: int, dtype: torch.dtype = torch.float64,
                             device: torch.device | str | None = None) -> torch.Tensor:
    """``(count, H, W)`` even angular windows centred at ``l pi / count``, squares summing to one."""
    return _angular_cached(tuple(int(s) for s in shape), int(count), dtype, str(torch.device(device or "cpu")))


def curvelet_windows(shape: tuple[int, int], levels: int = 4, angles: int = 8, dtype: torch.dtype = torch.float64,
                     device: torch.device | str | None = None) -> list[torch.Tensor]:
    """The windows of :func:`curvelet_decompose` on the full DFT grid: ``[lowpass (H, W), scale (L_1, H, W),
    ...]``, detail scales from the coarsest to the finest."""
    counts = curvelet_angles(levels, angles)
    radial = curvelet_radial_windows(shape, levels, dtype, device)
    out = [radial[0]]
    for i, n in enumerate(counts):
        out.append(radial[i + 1] * curvelet_angular_windows(shape, n, dtype, device))
    return out


def reflect_index(n: int, before: int, after: int, device=None) -> torch.Tensor:
    """Indices of a whole-sample symmetric extension of a length-``n`` axis (``x[-i] = x[i]``,
    ``x[n - 1 + i] = x[n - 1 - i]``), repeated as far as asked."""
    idx = torch.arange(-before, n + after, device=device)
    if n == 1:
        return torch.zeros_like(idx)
    period = 2 * n - 2
    idx = torch.remainder(idx, period)
    return torch.where(idx >= n, period - idx, idx)


def symmetric_pad(x: torch.Tensor, margin: int) -> torch.Tensor:
    """Whole-sample symmetric extension of ``x`` (..., H, W) by ``margin`` pixels on every side: what the
    DFT-based transforms of this module see as a border without a jump."""
    if margin <= 0:
        return x
    h, w = x.shape[-2:]
    x = x.index_select(-2, reflect_index(h, margin, margin, x.device))
    return x.index_select(-1, reflect_index(w, margin, margin, x.device))


def _half(w: torch.Tensor, width: int) -> torch.Tensor:
    """The ``rfft2`` half of a full-grid window."""
    return w[..., : width // 2 + 1]


def _float(x: torch.Tensor, what: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.dim() < 2:
        raise ValueError(f"{what} must be a tensor (..., H, W), got {getattr(x, 'shape', type(x).__name__)}")
    if not x.is_floating_point():
        raise ValueError(f"{what} must be floating point, got {x.dtype}; convert it with .float()")
    return x


def curvelet_decompose(x: torch.Tensor, levels: int = 4, angles: int = 8) -> list[torch.Tensor]:
    """Undecimated real curvelet transform of ``x`` (..., H, W).

    Returns ``[lowpass (..., H, W), scale_1 (..., L_1, H, W), ..., scale_levels]``, the detail scales from the
    coarsest (``L_1 = angles`` wedges) to the finest (:func:`curvelet_angles`); wedge ``l`` of a scale with
    ``L`` wedges holds the frequencies oriented near ``l pi / L``.  Tight frame: the squared norms of all the
    outputs add up to ``||x||^2``.
    """
    x = _float(x, "x")
    shape = tuple(x.shape[-2:])
    X = torch.fft.rfft2(x)
    out = []
    for w in curvelet_windows(shape, levels, angles, x.dtype, x.device):
        wh = _half(w, shape[1])
        spec = X * wh if w.dim() == 2 else X.unsqueeze(-3) * wh
        out.append(torch.fft.irfft2(spec, s=shape))
    return out


def curvelet_reconstruct(coeffs: list[torch.Tensor]) -> torch.Tensor:
    """Inverse (and adjoint) of :func:`curvelet_decompose`: ``sum_s IDFT(window_s * DFT(subband_s))``."""
    if not isinstance(coeffs, (list, tuple)) or len(coeffs) < 2:
        raise ValueError("coeffs must be the list [lowpass, scale_1, ...] returned by curvelet_decompose")
    low = _float(coeffs[0], "coeffs[0]")
    shape = tuple(low.shape[-2:])
    levels = len(coeffs) - 1
    angles = coeffs[1].shape[-3] if coeffs[1].dim() >= 3 else 0
    counts = curvelet_angles(levels, angles) if angles >= 1 else []
    got = [c.shape[-3] for c in coeffs[1:]]
    if got != counts or any(tuple(c.shape[-2:]) != shape for c in coeffs[1:]):
        raise ValueError(f"coeffs do not come from curvelet_decompose: wedges per scale {got}, expected {counts}, "
                         f"all subbands {shape[0]}x{shape[1]}")
    acc = None
    for c, w in zip(coeffs, curvelet_windows(shape, levels, angles, low.dtype, low.device)):
        wh = _half(w, shape[1])
        spec = torch.fft.rfft2(c) * wh
        if w.dim() == 3:
            spec = spec.sum(-3)
        acc = spec if acc is None else acc + spec
    return torch.fft.irfft2(acc, s=shape)
