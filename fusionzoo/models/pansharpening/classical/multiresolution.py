"""Multiresolution-analysis (MRA) pansharpening: the detail-injection methods of the pansharpening toolbox.

Every method here injects spatial detail extracted from the PAN by a low-pass filter (box, wavelet,
MTF-matched Gaussian pyramid) into the MS upsampled to the PAN grid:

    fused_b = ms_up_b + g_b * (P_b - P_b^low)            (additive, "CBD"-like gains g_b)
    fused_b = ms_up_b * P_b / P_b^low                    (multiplicative, "HPM" / SFIM)

They follow the MATLAB pansharpening toolbox of Vivone et al. (the 2015 "critical comparison" release for
HPF, SFIM, Indusion, ATWT-M2/M3, GS2-GLP; the later 1.4 / 2020 "new benchmark" releases for ATWT, AWLP,
MTF-GLP, MTF-GLP-HPM, MTF-GLP-HPM-R, MTF-GLP-FS), operation by operation:

* ``ms_up`` is the MS upsampled by the 23-tap interpolator (:func:`fusionzoo.ops.interp23tap`);
* ``P_b`` is the PAN "histogram-matched" to band ``b`` by mean and standard deviation, with the reference
  standard deviation of each toolbox function (raw PAN; bicubic-reduced-expanded PAN; PAN low-passed by
  the ``LPfilterGauss`` filter);
* the MTF-GLP low-pass PAN is ``interp23tap(imresize(imfilter(P, MTF_b, 'replicate'), 1/ratio,
  'nearest'))`` with the sensor's MTF-matched filters ``MTF_b`` (``genMTF``), computed at the decimated
  positions only (polyphase FFT), equal to filtering then decimating;
* the "ATWT" low-pass is the toolbox's ``ndwt2_working``/``indwt2_working`` pair: the B3 spline
  ``[1 4 6 4 1]/16`` applied without dilation, with symmetric (half-sample) extension that grows the planes
  by 4 pixels per level, and the approximation-only reconstruction;
* Indusion works on the low-resolution MS with its own CDF 9/7 filters (``deg9tap``, ``upsampling7tap``);
* ``dwt`` and ``udwt`` are not in the toolbox: the classical substitutive wavelet schemes (decimated Mallat and
  stationary transforms, orthonormal Daubechies filters), with the toolbox's PAN matching.

All methods are parameter-free modules working on any band count, batched, on CPU or GPU, in float32
(float64 input is kept in float64).  Standard deviations are sample ones (``std2``), statistics are per
image and band.  A zero denominator (a constant PAN) gives a zero injection gain where the toolbox would
give NaN.  The model cards (``model_cards/<name>.md``) list each method's toolbox details and ambiguities.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import torch

from ....builder import build_model
from ....ops import filter_replicate, fwind1, imresize, mtf_kernel, nearest_indices
from ....ops.common import MATLAB_EPS as _EPS
from ....ops.common import centred_products, power_of_two_levels
from ....ops.interp import interp23tap
from ....registry import ArchConfig, register_model
from ....sensors import Sensor, get_sensor, is_generic
from ..base import PansharpeningModel

__all__ = ["HPF", "SFIM", "Indusion", "ATWT", "ATWTM2", "ATWTM3", "AWLP", "MTFGLP", "MTFGLPHPM",
           "MTFGLPHPMR", "MTFGLPFS", "MTFGLPCBD", "DWT", "UDWT", "WAVELETS", "interp23", "mtf_lowpass_decimated"]


# --- 1-D filtering along one dimension (slices, no per-pixel loops) ---------------------------------------


def _dim(x: torch.Tensor, dim: int) -> int:
    return dim % x.dim()


def _pad(x: torch.Tensor, dim: int, before: int, after: int, mode: str) -> torch.Tensor:
    """Pad along ``dim``: ``'circular'``, ``'replicate'`` or ``'symmetric'`` (half-sample, MATLAB 'sym')."""
    dim = _dim(x, dim)
    n = x.shape[dim]
    if before == 0 and after == 0:
        return x
    if max(before, after) <= n:  # fast path: concatenated slices
        if mode == "circular":
            parts = [x.narrow(dim, n - before, before), x, x.narrow(dim, 0, after)]
        elif mode == "symmetric":
            parts = [x.narrow(dim, 0, before).flip(dim), x, x.narrow(dim, n - after, after).flip(dim)]
        elif mode == "replicate":
            def rep(i, k):
                shape = list(x.shape)
                shape[dim] = k
                return x.narrow(dim, i, 1).expand(shape)
            parts = [rep(0, before), x, rep(n - 1, after)]
        else:
            raise ValueError(f"unknown padding mode {mode!r}")
        return torch.cat([p for p in parts if p.shape[dim] > 0], dim=dim)
    idx = torch.arange(-before, n + after, device=x.device)
    if mode == "circular":
        idx = idx % n
    elif mode == "replicate":
        idx = idx.clamp(0, n - 1)
    elif mode == "symmetric":
        idx = idx % (2 * n)
        idx = torch.where(idx >= n, 2 * n - 1 - idx, idx)
    else:
        raise ValueError(f"unknown padding mode {mode!r}")
    return x.index_select(dim, idx)


def _take(x: torch.Tensor, dim: int, start: int, length: int, step: int = 1) -> torch.Tensor:
    """``x[start : start + step * length : step]`` along ``dim`` (a view)."""
    if step == 1:
        return x.narrow(dim, start, length)
    index = [slice(None)] * x.dim()
    index[_dim(x, dim)] = slice(start, start + step * (length - 1) + 1, step)
    return x[tuple(index)]


def _corr(x: torch.Tensor, dim: int, taps: Sequence[float], step: int = 1, start: int = 0,
          length: int | None = None, dilation: int = 1) -> torch.Tensor:
    """Valid correlation along ``dim``: ``y[j] = sum_t taps[t] x[start + step j + dilation t]``."""
    n = x.shape[_dim(x, dim)]
    span = dilation * (len(taps) - 1)
    if length is None:
        length = (n - start - span - 1) // step + 1
    acc = None
    for t, c in enumerate(taps):
        c = float(c)
        if c == 0.0:
            continue
        s = _take(x, dim, start + dilation * t, length, step)
        if acc is None:
            acc = s * c if c != 1.0 else s.clone()
        else:
            acc.add_(s, alpha=c)
    return acc


def _up2(x: torch.Tensor, dim: int, taps: Sequence[float], first: bool) -> torch.Tensor:
    """Double ``dim``: put the samples on a zero grid (odd 0-based indices when ``first``, else even ones)
    and correlate circularly with the centred odd-length ``taps`` -- computed on the non-zero samples only
    (polyphase), as the toolbox's ``interp23tap`` / ``upsampling7tap`` passes."""
    dim = _dim(x, dim)
    n = x.shape[dim]
    r = len(taps) // 2
    s = 1 if first else 0
    phases = []
    for e in (0, 1):  # output y[2i + e] = sum_d taps[d + r] up[2i + e + d], up[2k + s] = x[k]
        phases.append([(float(taps[d + r]), (e + d - s) // 2) for d in range(-r, r + 1)
                       if (e + d - s) % 2 == 0 and taps[d + r] != 0])
    lo = -min(o for ph in phases for _, o in ph)
    hi = max(o for ph in phases for _, o in ph)
    xp = _pad(x, dim, max(lo, 0), max(hi, 0), "circular")
    base = max(lo, 0)
    ys = []
    for ph in phases:
        if len(ph) == 1 and ph[0] == (1.0, 0):
            ys.append(x)
            continue
        acc = None
        for c, o in ph:
            sl = xp.narrow(dim, base + o, n)
            if acc is None:
                acc = sl * c
            else:
                acc.add_(sl, alpha=c)
        ys.append(acc)
    y = torch.stack(ys, dim=dim + 1)
    shape = list(x.shape)
    shape[dim] = 2 * n
    return y.reshape(shape)


def _check_pow2(ratio: int) -> int:
    return power_of_two_levels(ratio)


def interp23(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """The toolbox's ``interp23tap`` (:func:`fusionzoo.ops.interp23tap`)."""
    _check_pow2(ratio)
    return interp23tap(x, ratio)


# CDF 9/7 filters of Indusion (toolbox deg9tap / upsampling7tap)
_CDF9 = (0.026748757411, -0.016864118443, -0.078223266529, 0.266864118443, 0.602949018236, 0.266864118443,
         -0.078223266529, -0.016864118443, 0.026748757411)
_CDF7 = (-2 * 0.045635881557, -2 * 0.028771763114, 2 * 0.295635881557, 2 * 0.557543526229, 2 * 0.295635881557,
         -2 * 0.028771763114, -2 * 0.045635881557)


def _deg9tap(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """Toolbox ``deg9tap``: per halving, CDF-9 filtering (replicated borders) along both dimensions, then
    the odd 0-based rows/columns on the first halving and the even ones after."""
    for p in range(_check_pow2(ratio)):
        for dim in (-2, -1):
            n = x.shape[_dim(x, dim)]
            start = 1 if p == 0 else 0
            length = (n - start + 1) // 2
            x = _corr(_pad(x, dim, 4, 4, "replicate"), dim, _CDF9, step=2, start=start, length=length)
    return x


def _upsampling7tap(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """Toolbox ``upsampling7tap``: per doubling, zero insertion (odd positions first, even after) and
    circular filtering with the 7-tap CDF synthesis low-pass (times 2)."""
    for p in range(_check_pow2(ratio)):
        x = _up2(_up2(x, -2, _CDF7, p == 0), -1, _CDF7, p == 0)
    return x


def _box_replicate(x: torch.Tensor, size: int) -> torch.Tensor:
    """MATLAB ``imfilter(x, fspecial('average', size), 'replicate')`` for an odd ``size``."""
    taps = [1.0 / size] * size
    for dim in (-2, -1):
        x = _corr(_pad(x, dim, size // 2, size // 2, "replicate"), dim, taps)
    return x


# --- the toolbox's "ATWT" (ndwt2_working / indwt2_working with the B3 spline filters) ----------------------
_B3 = (1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16)
_SQ2 = math.sqrt(2.0)
_H_DEC = tuple(_SQ2 * v for v in _B3)                                       # h
_G_DEC = tuple(_SQ2 * ((1.0 if i == 2 else 0.0) - v) for i, v in enumerate(_B3))   # g = delta - h
_H_REC = _H_DEC                                                             # htilde
_G_REC = tuple(_SQ2 * ((1.0 if i == 2 else 0.0) + v) for i, v in enumerate(_B3))   # gtilde = delta + h


def _atwt_lowpass(x: torch.Tensor, levels: int) -> torch.Tensor:
    """Approximation-only reconstruction of ``levels`` levels of the toolbox's undecimated transform.

    ``ndwt2`` filters each level with the same (undilated) 5 taps after a 4-sample symmetric extension, so
    each level grows by 4 pixels; ``indwt2`` filters back with valid support.  With the details set to
    zero this is: ``levels`` times (extend, filter) then ``levels`` times (filter), per dimension, with
    the B3 spline (the sqrt(2) factors cancel)."""
    for _ in range(levels):
        for dim in (-1, -2):
            x = _corr(_pad(x, dim, 4, 4, "symmetric"), dim, _B3)
    for _ in range(levels):
        for dim in (-2, -1):
            x = _corr(x, dim, _B3)
    return x


def _ndwt_level(x: torch.Tensor, details: bool = True):
    """One level of ``ndwt2_working`` (symmetric extension by 4, undilated sqrt(2)-scaled B3 filters,
    columns first): returns ``LL`` and, if asked, the details ``(d1, d2, d3)`` in the toolbox's order
    (high-pass along the width, along the height, both).  Each output is 4 pixels larger.  The high-pass
    ``g = sqrt(2) delta - h`` is applied as ``sqrt(2) x - h * x`` (one pass fewer per detail)."""
    n, m = x.shape[-2:]
    xw = _pad(x, -1, 4, 4, "symmetric")
    lo = _corr(xw, -1, _H_DEC)
    lo_p = _pad(lo, -2, 4, 4, "symmetric")
    ll = _corr(lo_p, -2, _H_DEC)
    if not details:
        return ll, None
    hi = xw.narrow(-1, 2, m + 4) * _SQ2 - lo
    del xw, lo
    hi_p = _pad(hi, -2, 4, 4, "symmetric")
    del hi
    d1 = _corr(hi_p, -2, _H_DEC)
    d2 = lo_p.narrow(-2, 2, n + 4) * _SQ2 - ll
    d3 = hi_p.narrow(-2, 2, n + 4) * _SQ2 - d1
    return ll, (d1, d2, d3)


# --- statistics (per image and band, over the two spatial dimensions) ----------------------------------------


def _mean(x: torch.Tensor) -> torch.Tensor:
    return x.mean((-2, -1), keepdim=True)


def _cov(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Sample covariance (N - 1) of ``a`` and ``b`` (broadcast), per image and band, in ``a``'s dtype (two
    passes, no centred copy: :func:`~fusionzoo.ops.common.centred_products`)."""
    n = a.shape[-2] * a.shape[-1]
    return (centred_products(a, None if b is a else b) / max(n - 1, 1)).to(a.dtype)


def _std(x: torch.Tensor) -> torch.Tensor:
    """MATLAB ``std2``: sample standard deviation (N - 1)."""
    return _cov(x, x).sqrt()


def _tol(x: torch.Tensor) -> torch.Tensor:
    """The rounding level of a flat image (64 eps |mean|): a standard deviation below it is zero."""
    return 64 * torch.finfo(x.dtype).eps * x.abs().mean((-2, -1), keepdim=True)


def _safe_div(num: torch.Tensor, den: torch.Tensor, tol: torch.Tensor | float = 0.0) -> torch.Tensor:
    """``num / den`` with 0 where ``|den| <= tol`` (no detail to inject: a flat PAN, where the toolbox
    divides by zero)."""
    ok = den.abs() > tol
    return torch.where(ok, num / torch.where(ok, den, torch.ones_like(den)), torch.zeros_like(num))


def _match(pan: torch.Tensor, ms: torch.Tensor, ref_std: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Gain and offset of the toolbox's equalisation ``(P - mean(P)) * std(MS_b) / ref_std + mean(MS_b)``,
    as ``P_b = gain * P + offset``."""
    gain = _safe_div(_std(ms), ref_std, _tol(pan))
    return gain, _mean(ms) - gain * _mean(pan)


# --- MTF-GLP low-pass PAN ----------------------------------------------------------------------------------


def _fast_len(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n (a fast FFT length)."""
    best = 1 << max(n - 1, 0).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            q = p35
            while q < n:
                q *= 2
            best = min(best, q)
            p35 *= 3
        p5 *= 5
    return best


@functools.lru_cache(maxsize=2)  # ~150 MB for 8 bands at a 2048 x 2048 PAN: keep the last two sizes only
def _kernel_phases_fft(gains: tuple[float, ...], ratio: int, taps: int, offsets: tuple[int, int],
                       fft_size: tuple[int, int], dtype: torch.dtype, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Spectra of the polyphase components of the ``genMTF`` kernels, and the kernel sums."""
    k = mtf_kernel(list(gains), ratio, taps, dtype=torch.float64)
    C = k.shape[0]
    (oh, ow), r = offsets, ratio
    qh, qw = (oh + taps - 1) // r, (ow + taps - 1) // r
    kp = torch.zeros(C, r * (qh + 1), r * (qw + 1), dtype=torch.float64)
    kp[:, oh:oh + taps, ow:ow + taps] = k
    kph = kp.reshape(C, qh + 1, r, qw + 1, r).permute(0, 2, 4, 1, 3)  # (C, phase_h, phase_w, qh, qw)
    spec = torch.fft.rfft2(kph.to(dtype=dtype, device=device), s=fft_size).conj()
    return spec, k.sum((1, 2)).to(dtype=dtype, device=device)


def mtf_lowpass_decimated(pan: torch.Tensor, gains: Sequence[float], ratio: int,
                          taps: int = 41) -> tuple[torch.Tensor, torch.Tensor]:
    """``imresize(imfilter(pan, genMTF_b, 'replicate'), 1/ratio, 'nearest')`` for every gain ``b``.

    ``pan`` (B, 1, H, W) -> (B, C, H/ratio, W/ratio), with C = len(gains); also returns the C kernel sums.
    Only the kept samples are computed: the replicate-padded PAN and the kernels are split into their
    ``ratio x ratio`` polyphase components and correlated in the Fourier domain at the low resolution.
    """
    B, _, H, W = pan.shape
    R = taps // 2
    rows = nearest_indices(H, 1.0 / ratio)
    cols = nearest_indices(W, 1.0 / ratio)
    h, w = len(rows), len(cols)
    oh, ow = int(rows[0]), int(cols[0])
    if not (np.array_equal(rows, ratio * np.arange(h) + oh) and np.array_equal(cols, ratio * np.arange(w) + ow)
            and 0 <= oh < ratio and 0 <= ow < ratio):  # pragma: no cover - not for power-of-two ratios
        raise ValueError("unexpected nearest-neighbour decimation grid")
    qh, qw = (oh + taps - 1) // ratio, (ow + taps - 1) // ratio
    mh, mw = h + qh, w + qw  # polyphase lengths needed
    x = _pad(pan, -2, R, max(R, ratio * mh - H - R), "replicate")
    x = _pad(x, -1, R, max(R, ratio * mw - W - R), "replicate")
    x = x[:, 0, :ratio * mh, :ratio * mw].reshape(B, mh, ratio, mw, ratio).permute(0, 2, 4, 1, 3)
    size = (_fast_len(mh), _fast_len(mw))
    kspec, ksum = _kernel_phases_fft(tuple(float(g) for g in gains), int(ratio), int(taps), (oh, ow), size,
                                     pan.dtype, str(pan.device))
    xspec = torch.fft.rfft2(x, s=size)
    y = torch.einsum("bxykl,cxykl->bckl", xspec, kspec)
    return torch.fft.irfft2(y, s=size)[..., :h, :w], ksum


@functools.lru_cache(maxsize=8)
def _lpfilter_gauss_kernel(ratio: int) -> torch.Tensor:
    """The toolbox's ``LPfilterGauss`` filter: Nyquist gain 0.3 with sigma from N (not N - 1), N = 41."""
    n, gnyq = 41, 0.3
    sigma = math.sqrt((n * (1.0 / ratio) / 2) ** 2 / (-2.0 * math.log(gnyq)))
    r = np.arange(n) - (n - 1) / 2
    g = np.exp(-(r[None, :] ** 2 + r[:, None] ** 2) / (2.0 * sigma * sigma))
    g[g < np.finfo(np.float64).eps * g.max()] = 0.0
    g = g / g.sum()
    return torch.from_numpy(fwind1(g / g.max(), np.kaiser(n, 0.5)).copy())


# --- the modules --------------------------------------------------------------------------------------------


class _MRA(PansharpeningModel):
    """Common part: ``ratio`` (a power of two), ``sensor`` (a name of :mod:`fusionzoo.sensors`, ``"generic"``
    or a :class:`~fusionzoo.sensors.Sensor`: the MS MTF gains of the MTF-GLP methods; accepted, checked and
    unused by the others, so that every classical method takes the same arguments), the compute dtype
    (float32, float64 kept) and the upsampled MS."""

    uses_sensor = False

    def __init__(self, ratio: int = 4, sensor: str | Sensor = "generic", bands: int | None = None,
                 **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        self.levels = _check_pow2(self.ratio)
        if not is_generic(sensor):
            get_sensor(sensor)  # rejects unknown names now
        self.sensor = sensor

    def extra_repr(self) -> str:
        s = f"ratio={self.ratio}"
        if self.uses_sensor:
            s += f", sensor={self.sensor.name if isinstance(self.sensor, Sensor) else self.sensor!r}"
        return s

    def mtf_gains(self, bands: int) -> tuple[float, ...]:
        """The MS Nyquist gains of ``self.sensor`` (``genMTF``: 0.3 for an unknown / generic sensor)."""
        return tuple(get_sensor(self.sensor, num_bands=bands).mtf_ms)

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        dt = torch.float64 if torch.float64 in (ms.dtype, pan.dtype) else torch.float32
        return self.fuse_lr(ms.to(dt), pan.to(dt)).to(ms.dtype)

    def fuse_lr(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        """Methods on the low-resolution MS (Indusion) override this; the others see ``interp23tap(ms)``."""
        return self.fuse_up(interp23(ms, self.ratio), pan)

    def fuse_up(self, ms_up: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError


class HPF(_MRA):
    """High-pass filtering: ``ms_up + P_b - box(P_b)``, box of ``ratio`` pixels (``ratio + 1`` when even,
    as the toolbox), PAN equalised to each band by mean and standard deviation."""

    def fuse_up(self, ms_up, pan):
        size = self.ratio + 1 if self.ratio % 2 == 0 else self.ratio
        gain, _ = _match(pan, ms_up, _std(pan))
        return ms_up + gain * (pan - _box_replicate(pan, size))


class SFIM(_MRA):
    """Smoothing-filter-based intensity modulation: ``ms_up * P_b / (box(P_b) + eps)`` (box as HPF)."""

    def fuse_up(self, ms_up, pan):
        size = self.ratio + 1 if self.ratio % 2 == 0 else self.ratio
        gain, off = _match(pan, ms_up, _std(pan))
        low = _box_replicate(pan, size)  # the box sums to 1: box(gain P + off) = gain box(P) + off
        num = torch.addcmul(off, gain, pan)  # (B, C, H, W): P_b
        return num.div_(torch.addcmul(off + _EPS, gain, low)).mul_(ms_up)


class Indusion(_MRA):
    """Indusion (induction scaling): CDF 9/7 decimation of the PAN and 7-tap upsampling, toolbox style."""

    def fuse_lr(self, ms, pan):
        lr = _deg9tap(pan, self.ratio)                           # (B, 1, h, w)
        g_lr, o_lr = _match(lr, ms, _std(lr))                    # equalised to the low-resolution band
        ms_band = _upsampling7tap(ms, self.ratio)
        lr_up = _upsampling7tap(lr, self.ratio)                  # each polyphase of the 7 taps sums to 1
        g_hr, o_hr = _match(pan, ms_band, _std(pan))             # equalised to the upsampled band
        return ms_band + (g_hr * pan + o_hr) - (g_lr * lr_up + o_lr)


def _bicubic_lp_std(pan: torch.Tensor, ratio: int) -> torch.Tensor:
    """``std2(imresize(imresize(P, 1/ratio), ratio))`` (bicubic, antialiased when shrinking)."""
    return _std(imresize(imresize(pan, 1.0 / ratio), float(ratio)))


class ATWT(_MRA):
    """Additive à trous wavelet (toolbox ``ATWT``): ``ms_up + P_b - LP(P_b)``, ``log2(ratio)`` levels."""

    def fuse_up(self, ms_up, pan):
        gain, _ = _match(pan, ms_up, _bicubic_lp_std(pan, self.ratio))
        return ms_up + gain * (pan - _atwt_lowpass(pan, self.levels))


class AWLP(_MRA):
    """Additive wavelet luminance proportional: ATWT details weighted by ``ms_up_b / mean_b(ms_up)``."""

    def fuse_up(self, ms_up, pan):
        gain, _ = _match(pan, ms_up, _bicubic_lp_std(pan, self.ratio))
        weight = ms_up / (ms_up.mean(1, keepdim=True) + _EPS)
        return ms_up + gain * (pan - _atwt_lowpass(pan, self.levels)) * weight


def _ndwt_recon(ll: torch.Tensor | None, details: Sequence[Sequence[torch.Tensor | None]]) -> torch.Tensor:
    """``indwt2_working``: reconstruction from the approximation ``ll`` (None: zero) and the details of each
    level, finest first (``(d1, d2, d3)``, None: zero); each level shrinks by 4 pixels."""
    x = ll
    for d1, d2, d3 in reversed(details):
        w1 = [_corr(t, -2, f) for t, f in ((x, _H_REC), (d2, _G_REC)) if t is not None]
        w2 = [_corr(t, -2, f) for t, f in ((d1, _H_REC), (d3, _G_REC)) if t is not None]
        parts = [_corr(sum(w), -1, f) for w, f in ((w1, _H_REC), (w2, _G_REC)) if w]
        x = sum(parts) / 4
    return x


class _ATWTModel(_MRA):
    """ATWT-M2 / M3 (Ranchin & Wald): the MS details of each level and orientation are an affine map of
    the PAN's, ``a * d_P + b``, fitted on the level below the injected ones (``log2(ratio) + 1``).

    The reconstruction is linear: ``fused_b = LP(ms_up_b) + sum_o a_bo D_o + sum_o b_bo K_o``, with ``LP``
    the approximation-only reconstruction (as ATWT), ``D_o`` the reconstruction of the PAN's orientation-o
    details alone and ``K_o`` that of unit details (a constant), so the band-wise work is the MS
    decomposition only."""

    def _fit(self, dms: torch.Tensor, dp: torch.Tensor, tol: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def fuse_up(self, ms_up, pan):
        L = self.levels
        # PAN details of levels 1..L (injected) and L+1 (fitted); the MS approximation of level L
        dp, p = [], pan
        for _ in range(L + 1):
            p, d = _ndwt_level(p)
            dp.append(d)
        x = ms_up
        for _ in range(L):
            x, _ = _ndwt_level(x, details=False)
        _, dms = _ndwt_level(x)  # level L+1 MS details
        tol = _tol(pan)
        a, b = zip(*(self._fit(dms[o], dp[L][o], tol) for o in range(3)))
        del dms
        fused = _ndwt_recon(x, [(None, None, None)] * L)  # = LP(ms_up)
        for o in range(3):
            sel = lambda lev, o=o: tuple(t if i == o else None for i, t in enumerate(lev))  # noqa: E731
            d_o = _ndwt_recon(None, [sel(lev) for lev in dp[:L]])
            ones = [sel([pan.new_ones(1, 1, 4 * (lev + 1) + 1, 4 * (lev + 1) + 1)] * 3) for lev in range(L)]
            k_o = _ndwt_recon(None, ones).reshape(())
            fused.addcmul_(a[o], d_o).add_(b[o] * k_o)
        return fused


class ATWTM2(_ATWTModel):
    """ATWT-M2: ``a = std(d_MS) / std(d_P)``, ``b = mean(d_MS) - a mean(d_P)``."""

    def _fit(self, dms, dp, tol):
        a = _safe_div(_std(dms), _std(dp), tol)
        return a, _mean(dms) - a * _mean(dp)


class ATWTM3(_ATWTModel):
    """ATWT-M3: ``a = sqrt(cov(d_MS, d_P) / var(d_P))`` (0 for a negative covariance), ``b`` as M2."""

    def _fit(self, dms, dp, tol):
        a = _safe_div(_cov(dms, dp), _std(dp) ** 2, tol**2).clamp(min=0).sqrt()
        return a, _mean(dms) - a * _mean(dp)


class _GLP(_MRA):
    """MTF-GLP family: the low-pass PAN of band b is ``interp23tap(decimate(MTF_b(P)))``."""

    uses_sensor = True

    def glp_lowpass(self, pan: torch.Tensor, bands: int, gain: torch.Tensor | None = None,
                    offset: torch.Tensor | None = None) -> torch.Tensor:
        """Low-pass PAN per band (B, C, H, W), of ``gain * P + offset`` when given (the filter is linear
        and replicates borders, so the affine map commutes with it up to the kernel sum)."""
        low, ksum = mtf_lowpass_decimated(pan, self.mtf_gains(bands), self.ratio)
        if gain is not None:
            # in float64 up to the final rounding: gain * P^low and the offset nearly cancel where the band is
            # dark, and the HPM methods divide by the result
            f64 = torch.float64
            low = gain.to(f64) * low.to(f64) + offset.to(f64) * ksum.view(1, -1, 1, 1).to(f64)
            return interp23(low, self.ratio).to(pan.dtype)
        return interp23(low, self.ratio)

    @staticmethod
    def not_flat(pan: torch.Tensor) -> torch.Tensor:
        """1, or 0 for a flat PAN (std at rounding level): no detail, no regression gain."""
        return (_std(pan) > _tol(pan)).to(pan.dtype)

    def _equalised(self, pan, ms_up):
        """The 2020 toolbox's equalisation: reference std of the PAN filtered by ``LPfilterGauss``.

        Gain and offset are computed in float64 and so is the low-pass PAN up to its final rounding: where a
        band is dark, ``gain * P^low`` and the offset nearly cancel, and the HPM methods divide by the result
        (float32 statistics would leave it a relative error of 1e-4 .. 1e-3 there)."""
        f64 = torch.float64
        n = pan.shape[-2] * pan.shape[-1]
        lp = filter_replicate(pan, _lpfilter_gauss_kernel(self.ratio).to(pan))
        ref = (centred_products(lp) / max(n - 1, 1)).sqrt()
        std_ms = (centred_products(ms_up) / max(n - 1, 1)).sqrt()
        gain = _safe_div(std_ms, ref, _tol(pan).to(f64))
        off = ms_up.sum((-2, -1), keepdim=True, dtype=f64) / n - gain * (pan.sum((-2, -1), keepdim=True, dtype=f64) / n)
        low = self.glp_lowpass(pan, ms_up.shape[1], gain, off)
        return gain.to(pan.dtype), off.to(pan.dtype), low


class MTFGLP(_GLP):
    """MTF-GLP with unit injection gains: ``ms_up + P_b - P_b^low`` (toolbox ``MTF_GLP``)."""

    #: its statistics (global gain and offset of the equalisation) can be taken in a first pass over a scene,
    #: then :meth:`inject` applied tile by tile (:func:`fusionzoo.inference.tile_plan`)
    two_pass_tiling = True

    @staticmethod
    def inject(ms_up, eq_pan, low):
        """The fusion from the upsampled MS, the equalised PAN ``P_b`` and its low-pass ``P_b^low`` (``low``,
        a fresh tensor, is overwritten)."""
        return low.neg_().add_(ms_up).add_(eq_pan)

    def fuse_up(self, ms_up, pan):
        gain, off, low = self._equalised(pan, ms_up)
        return self.inject(ms_up, torch.addcmul(off, gain, pan), low)


class MTFGLPHPM(_GLP):
    """MTF-GLP with high-pass modulation: ``ms_up * P_b / (P_b^low + eps)`` (toolbox ``MTF_GLP_HPM``)."""

    two_pass_tiling = True  # as MTF-GLP

    @staticmethod
    def inject(ms_up, eq_pan, low):
        """``ms_up * P_b / (P_b^low + eps)`` (``eq_pan`` and ``low``, fresh tensors, are overwritten)."""
        return eq_pan.div_(low.add_(_EPS)).mul_(ms_up)

    def fuse_up(self, ms_up, pan):
        gain, off, low = self._equalised(pan, ms_up)
        return self.inject(ms_up, torch.addcmul(off, gain, pan), low)


class MTFGLPHPMR(_GLP):
    """Regression-based HPM (global): ``ms_up (P + c_b) / (P^low_b + c_b + eps)``, ``c_b`` from the
    regression of ``ms_up_b`` on ``P^low_b`` (toolbox ``MTF_GLP_HPM_R``)."""

    def fuse_up(self, ms_up, pan):
        low = self.glp_lowpass(pan, ms_up.shape[1])
        g = _safe_div(_cov(ms_up, low), _std(low) ** 2) * self.not_flat(pan)
        ok = g != 0
        cb = torch.where(ok, _mean(ms_up) / torch.where(ok, g, torch.ones_like(g)), torch.zeros_like(g)) - _mean(pan)
        fused = ms_up * (pan + cb) / (low + cb + _EPS)
        return torch.where(ok, fused, ms_up)  # no correlation: no modulation (c_b -> infinity)


class MTFGLPFS(_GLP):
    """Full-scale regression gains: ``g_b = cov(ms_up_b, P) / cov(P^low_b, P)`` (toolbox ``MTF_GLP_FS``)."""

    def fuse_up(self, ms_up, pan):
        low = self.glp_lowpass(pan, ms_up.shape[1])
        g = _safe_div(_cov(ms_up, pan), _cov(low, pan)) * self.not_flat(pan)
        return ms_up + g * (pan - low)


def _local_sums(x: torch.Tensor, size: int) -> torch.Tensor:
    """Sums over ``size x size`` windows centred on each pixel, truncated at the borders (integral image)."""
    r = size // 2
    for dim in (-2, -1):
        n = x.shape[dim]
        c = torch.cumsum(x, dim=dim)
        c = torch.cat([torch.zeros_like(c.narrow(dim, 0, 1)), c], dim=dim)
        hi = (torch.arange(n, device=x.device) + r + 1).clamp(max=n)
        lo = (torch.arange(n, device=x.device) - r).clamp(min=0)
        x = c.index_select(dim, hi) - c.index_select(dim, lo)
    return x


class MTFGLPCBD(_GLP):
    """MTF-GLP with context-based-decision / regression injection gains.

    Default (``block_size=None``): the global regression gains of the toolbox's ``GS2_GLP``, which the
    toolbox runs as MTF-GLP-CBD, ``g_b = cov(P^low_b, ms_up_b) / var(P^low_b)``.  With ``block_size`` (odd;
    even sizes are increased by one) the local rule of the older ``MTF_GLP_CBD.m``: in a window around each
    pixel (truncated at the borders), ``g = std(ms_up) / std(P^low)`` where their correlation exceeds
    ``threshold`` (default -inf), else 0.
    """

    def __init__(self, ratio: int = 4, sensor: str | Sensor = "generic", block_size: int | None = None,
                 threshold: float = -math.inf, **kwargs) -> None:
        super().__init__(ratio=ratio, sensor=sensor, **kwargs)
        if block_size is not None and block_size % 2 == 0:
            block_size += 1
        if block_size is not None and block_size < 3:
            raise ValueError(f"block_size must be >= 3, got {block_size}")
        self.block_size = block_size
        self.threshold = float(threshold)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.block_size is None else f"{s}, block_size={self.block_size}, threshold={self.threshold}"

    def fuse_up(self, ms_up, pan):
        low = self.glp_lowpass(pan, ms_up.shape[1])
        if self.block_size is None:
            g = _safe_div(_cov(low, ms_up), _std(low) ** 2)
        else:
            g = self._local_gains(ms_up, low).to(ms_up.dtype)
        g = g * self.not_flat(pan)
        return ms_up + g * (pan - low)

    def _local_gains(self, ms_up, low):
        m, p = ms_up.double(), low.double()
        n = _local_sums(torch.ones_like(p[:1, :1]), self.block_size)
        sm, sp = _local_sums(m, self.block_size), _local_sums(p, self.block_size)
        cmm = _local_sums(m * m, self.block_size) - sm * sm / n
        cpp = _local_sums(p * p, self.block_size) - sp * sp / n
        cmp_ = _local_sums(m * p, self.block_size) - sm * sp / n
        cmm, cpp = cmm.clamp(min=0), cpp.clamp(min=0)
        den = torch.sqrt(cmm * cpp)
        corr = _safe_div(cmp_, den)
        ok = (den > 0) & (corr > self.threshold)
        return torch.where(ok, _safe_div(torch.sqrt(cmm), torch.sqrt(cpp)), torch.zeros_like(cmm))


# --- classical substitutive wavelet fusion (decimated Mallat DWT and undecimated SWT) ----------------------
WAVELETS: dict[str, tuple[float, ...]] = {  # orthonormal Daubechies scaling filters (sum sqrt(2))
    "haar": (1 / _SQ2, 1 / _SQ2),
    "db2": ((1 + math.sqrt(3)) / (4 * _SQ2), (3 + math.sqrt(3)) / (4 * _SQ2), (3 - math.sqrt(3)) / (4 * _SQ2),
            (1 - math.sqrt(3)) / (4 * _SQ2)),
    "db4": (0.23037781330885523, 0.7148465705525415, 0.6308807679295904, -0.02798376941698385,
            -0.18703481171888114, 0.030841381835986965, 0.032883011666982945, -0.010597401784997278),
}


def _dwt_approx_projection(x: torch.Tensor, h: Sequence[float], levels: int) -> torch.Tensor:
    """Mallat's periodised orthonormal DWT over ``levels`` levels, details set to zero, inverted: the
    orthogonal projection on the approximation space (sizes must be multiples of 2**levels)."""
    K = len(h)
    for _ in range(levels):  # analysis: a[n] = sum_t h[t] x[(2n + t) mod N]
        for dim in (-2, -1):
            n = x.shape[_dim(x, dim)]
            x = _corr(_pad(x, dim, 0, K - 2, "circular"), dim, h, step=2, length=n // 2)
    U = K // 2 - 1
    for _ in range(levels):  # synthesis: y[2i + e] = sum_u h[e + 2u] a[(i - u) mod N/2]
        for dim in (-2, -1):
            d = _dim(x, dim)
            n = x.shape[d]
            ap = _pad(x, d, U, 0, "circular")
            ys = [_corr(ap, d, [h[e + 2 * u] for u in range(U, -1, -1)], length=n) for e in (0, 1)]
            shape = list(x.shape)
            shape[d] = 2 * n
            x = torch.stack(ys, dim=d + 1).reshape(shape)
    return x


def _swt_approx_projection(x: torch.Tensor, h: Sequence[float], levels: int) -> torch.Tensor:
    """Stationary (undecimated, filters dilated by 2^(j-1)) periodic wavelet transform, details set to zero,
    inverted: per level and dimension the zero-phase filter ``rho[k] = sum_t h[t] h[t + k] / 2``."""
    K = len(h)
    rho = [sum(h[t] * h[t + k] for t in range(K - k)) / 2 for k in range(K)]
    taps = rho[:0:-1] + rho  # k = -(K-1) .. K-1
    for j in range(levels):
        dil = 2 ** j
        for dim in (-2, -1):
            x = _corr(_pad(x, dim, (K - 1) * dil, (K - 1) * dil, "circular"), dim, taps, dilation=dil)
    return x


class _Wavelet(_MRA):
    """Substitutive wavelet fusion: the approximation of the equalised PAN ``P_b`` is replaced by that of
    ``ms_up_b``: ``fused = P_b + Proj(ms_up_b - P_b)``, ``Proj`` the approximation-only reconstruction over
    ``log2(ratio)`` levels (same as transforming both, swapping the approximation, inverting)."""

    def __init__(self, ratio: int = 4, sensor: str | Sensor = "generic", wavelet: str = "db2", **kwargs) -> None:
        super().__init__(ratio=ratio, sensor=sensor, **kwargs)
        if wavelet not in WAVELETS:
            raise ValueError(f"unknown wavelet {wavelet!r}; choose one of {sorted(WAVELETS)}")
        self.wavelet = wavelet

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, wavelet={self.wavelet!r}"

    def projection(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def fuse_up(self, ms_up, pan):
        gain, off = _match(pan, ms_up, _std(pan))
        pb = gain * pan + off
        return pb + self.projection(ms_up - pb)


class DWT(_Wavelet):
    """Decimated (Mallat) orthonormal DWT, periodic borders."""

    def projection(self, x):
        return _dwt_approx_projection(x, WAVELETS[self.wavelet], self.levels)


class UDWT(_Wavelet):
    """Undecimated (stationary, à trous-dilated) orthonormal wavelet transform, periodic borders."""

    def projection(self, x):
        return _swt_approx_projection(x, WAVELETS[self.wavelet], self.levels)


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
_VIVONE15 = ("G. Vivone, L. Alparone, J. Chanussot, M. Dalla Mura, A. Garzelli, G. Licciardi, R. Restaino, "
             "L. Wald, 'A critical comparison among pansharpening algorithms', IEEE TGRS 53(5), 2015")


def _cfg(name: str, paper: str, summary: str) -> ArchConfig:
    return ArchConfig(task="pansharpening", inputs=("ms", "pan"), paper=paper, summary=summary, classical=True,
                      card=f"{name}.md")


default_cfgs = {
    "hpf": _cfg("hpf", "P. S. Chavez, S. C. Sides, J. A. Anderson, 'Comparison of three different methods to "
                "merge multiresolution and multispectral data: Landsat TM and SPOT panchromatic', PE&RS 57(3), "
                "1991; toolbox version: " + _VIVONE15,
                "high-pass filtering: PAN minus its box-filtered version added to the upsampled MS"),
    "sfim": _cfg("sfim", "J. G. Liu, 'Smoothing filter-based intensity modulation: a spectral preserve image "
                 "fusion technique for improving spatial details', IJRS 21(18), 2000",
                 "upsampled MS modulated by PAN / box-filtered PAN"),
    "indusion": _cfg("indusion", "M. M. Khan, J. Chanussot, L. Condat, A. Montanvert, 'Indusion: fusion of "
                     "multispectral and panchromatic images using the induction scaling technique', IEEE GRSL "
                     "5(1), 2008", "induction scaling: CDF 9/7 reduced-expanded PAN detail added to the "
                     "7-tap upsampled MS"),
    "atwt": _cfg("atwt", "J. Nunez, X. Otazu, O. Fors, A. Prades, V. Pala, R. Arbiol, 'Multiresolution-based "
                 "image fusion with additive wavelet decomposition', IEEE TGRS 37(3), 1999",
                 "additive à trous wavelet (B3 spline) PAN detail added to the upsampled MS"),
    "atwt_m2": _cfg("atwt_m2", "T. Ranchin, L. Wald, 'Fusion of high spatial and spectral resolution images: "
                    "the ARSIS concept and its implementation', PE&RS 66(1), 2000",
                    "ARSIS à trous wavelet, model 2: MS details = std-matched affine map of the PAN's"),
    "atwt_m3": _cfg("atwt_m3", "T. Ranchin, L. Wald, 'Fusion of high spatial and spectral resolution images: "
                    "the ARSIS concept and its implementation', PE&RS 66(1), 2000",
                    "ARSIS à trous wavelet, model 3: MS details = covariance-matched affine map of the PAN's"),
    "awlp": _cfg("awlp", "X. Otazu, M. Gonzalez-Audicana, O. Fors, J. Nunez, 'Introduction of sensor spectral "
                 "response into image fusion methods. Application to wavelet-based methods', IEEE TGRS 43(10), "
                 "2005", "additive wavelet luminance proportional: à trous PAN detail weighted by MS_b / mean MS"),
    "mtf_glp": _cfg("mtf_glp", "B. Aiazzi, L. Alparone, S. Baronti, A. Garzelli, M. Selva, 'MTF-tailored "
                    "multiscale fusion of high-resolution MS and Pan imagery', PE&RS 72(5), 2006",
                    "generalized Laplacian pyramid with MTF-matched filters, additive unit gains"),
    "mtf_glp_hpm": _cfg("mtf_glp_hpm", "B. Aiazzi, L. Alparone, S. Baronti, A. Garzelli, M. Selva, 'MTF-tailored "
                        "multiscale fusion of high-resolution MS and Pan imagery', PE&RS 72(5), 2006 (HPM "
                        "injection: Vivone et al., IEEE GRSL 11(5), 2014)",
                        "MTF-GLP with high-pass modulation: MS times PAN / low-pass PAN"),
    "mtf_glp_hpm_r": _cfg("mtf_glp_hpm_r", "G. Vivone, R. Restaino, J. Chanussot, 'A regression-based high-pass "
                          "modulation pansharpening approach', IEEE TGRS 56(2), 2018",
                          "MTF-GLP high-pass modulation with regression-based offsets (global)"),
    "mtf_glp_fs": _cfg("mtf_glp_fs", "G. Vivone, R. Restaino, J. Chanussot, 'Full scale regression-based "
                       "injection coefficients for panchromatic sharpening', IEEE TIP 27(7), 2018",
                       "MTF-GLP with injection gains regressed at full scale"),
    "mtf_glp_cbd": _cfg("mtf_glp_cbd", "B. Aiazzi, L. Alparone, S. Baronti, A. Garzelli, M. Selva, 'MTF-tailored "
                        "multiscale fusion of high-resolution MS and Pan imagery', PE&RS 72(5), 2006; toolbox "
                        "GS2-GLP: " + _VIVONE15,
                        "MTF-GLP with regression (context-based decision) injection gains"),
    "dwt": _cfg("dwt", "M. Gonzalez-Audicana, X. Otazu, O. Fors, A. Seco, 'Comparison between Mallat's and the "
                "à trous discrete wavelet transform based algorithms for the fusion of multispectral and "
                "panchromatic images', IJRS 26(3), 2005 (substitutive Mallat scheme, after D. A. Yocky, PE&RS "
                "62(9), 1996)", "substitutive decimated (Mallat) wavelet fusion: MS approximation + PAN details"),
    "udwt": _cfg("udwt", "M. Gonzalez-Audicana, X. Otazu, O. Fors, A. Seco, 'Comparison between Mallat's and the "
                 "à trous discrete wavelet transform based algorithms for the fusion of multispectral and "
                 "panchromatic images', IJRS 26(3), 2005; SWT: G. P. Nason, B. W. Silverman, 1995",
                 "substitutive undecimated (stationary) wavelet fusion: MS approximation + PAN details"),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def hpf(pretrained: bool = False, **kwargs) -> HPF:
    """HPF: PAN minus its box-filtered version added to the upsampled MS."""
    return build_model(HPF, "hpf", pretrained, **kwargs)


@register_model
def sfim(pretrained: bool = False, **kwargs) -> SFIM:
    """SFIM: upsampled MS times PAN over box-filtered PAN."""
    return build_model(SFIM, "sfim", pretrained, **kwargs)


@register_model
def indusion(pretrained: bool = False, **kwargs) -> Indusion:
    """Indusion (Khan et al. 2008): induction scaling with CDF 9/7 filters."""
    return build_model(Indusion, "indusion", pretrained, **kwargs)


@register_model
def atwt(pretrained: bool = False, **kwargs) -> ATWT:
    """ATWT: additive à trous wavelet detail injection."""
    return build_model(ATWT, "atwt", pretrained, **kwargs)


@register_model
def atwt_m2(pretrained: bool = False, **kwargs) -> ATWTM2:
    """ATWT-M2 (Ranchin & Wald 2000): std-matched wavelet-detail model."""
    return build_model(ATWTM2, "atwt_m2", pretrained, **kwargs)


@register_model
def atwt_m3(pretrained: bool = False, **kwargs) -> ATWTM3:
    """ATWT-M3 (Ranchin & Wald 2000): covariance-matched wavelet-detail model."""
    return build_model(ATWTM3, "atwt_m3", pretrained, **kwargs)


@register_model
def awlp(pretrained: bool = False, **kwargs) -> AWLP:
    """AWLP (Otazu et al. 2005): additive wavelet luminance proportional."""
    return build_model(AWLP, "awlp", pretrained, **kwargs)


@register_model
def mtf_glp(pretrained: bool = False, **kwargs) -> MTFGLP:
    """MTF-GLP (Aiazzi et al. 2006): MTF-matched Laplacian pyramid, unit injection gains."""
    return build_model(MTFGLP, "mtf_glp", pretrained, **kwargs)


@register_model
def mtf_glp_hpm(pretrained: bool = False, **kwargs) -> MTFGLPHPM:
    """MTF-GLP-HPM: MTF-matched Laplacian pyramid, high-pass modulation."""
    return build_model(MTFGLPHPM, "mtf_glp_hpm", pretrained, **kwargs)


@register_model
def mtf_glp_hpm_r(pretrained: bool = False, **kwargs) -> MTFGLPHPMR:
    """MTF-GLP-HPM-R (Vivone et al. 2018): regression-based high-pass modulation."""
    return build_model(MTFGLPHPMR, "mtf_glp_hpm_r", pretrained, **kwargs)


@register_model
def mtf_glp_fs(pretrained: bool = False, **kwargs) -> MTFGLPFS:
    """MTF-GLP-FS (Vivone et al. 2018): full-scale regression injection gains."""
    return build_model(MTFGLPFS, "mtf_glp_fs", pretrained, **kwargs)


@register_model
def mtf_glp_cbd(pretrained: bool = False, **kwargs) -> MTFGLPCBD:
    """MTF-GLP-CBD: regression (GS2-GLP) injection gains; ``block_size`` for the local CBD rule."""
    return build_model(MTFGLPCBD, "mtf_glp_cbd", pretrained, **kwargs)


@register_model
def dwt(pretrained: bool = False, **kwargs) -> DWT:
    """Substitutive decimated (Mallat) wavelet fusion; ``wavelet`` in haar, db2 (default), db4."""
    return build_model(DWT, "dwt", pretrained, **kwargs)


@register_model
def udwt(pretrained: bool = False, **kwargs) -> UDWT:
    """Substitutive undecimated (stationary) wavelet fusion; ``wavelet`` in haar, db2 (default), db4."""
    return build_model(UDWT, "udwt", pretrained, **kwargs)
