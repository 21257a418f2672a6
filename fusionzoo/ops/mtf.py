"""MTF-matched Gaussian filters of the pansharpening toolbox (``genMTF`` / ``MTF``).

For a Nyquist gain ``G`` and a resolution ratio, the toolbox samples a Gaussian frequency response on a
``taps x taps`` grid (``fspecial('gaussian', N, sigma)`` normalised to peak 1) with

    sigma = sqrt(((N - 1) * fcut / 2)**2 / (-2 ln G)),   fcut = 1 / ratio,

so the response equals ``G`` ``(N - 1) fcut / 2`` grid steps from DC (close to the MS Nyquist frequency),
then turns it into a ``taps x taps`` FIR filter with the frequency-sampling window method
(MATLAB ``fwind1(Hd, kaiser(N))``: inverse DFT of the centred response, multiplied by a circularly
symmetric window made by rotating the 1-D Kaiser window, beta 0.5).  The filter is applied band by band
with ``imfilter(..., 'replicate')`` (correlation, replicated borders, same-size output).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import torch

from ..degradation.psf import fspecial_gaussian
from ..sensors import Sensor, get_sensor, is_generic

__all__ = ["fwind1", "mtf_kernel", "mtf_filter", "filter_replicate"]


def fwind1(hd: np.ndarray, window: np.ndarray) -> np.ndarray:
    """2-D FIR filter from the desired frequency response ``hd`` (N x N, DC at the centre, MATLAB
    ``freqspace`` layout) and a 1-D window (length N), as MATLAB ``fwind1(hd, win)`` does.

    The 1-D window is made circularly symmetric (Huang's method): sampled on t = -1..1 it is linearly
    interpolated at radius sqrt(t1^2 + t2^2) and set to 0 beyond radius 1.  The impulse response is the
    centred inverse DFT of ``hd`` (``fsamp2``), returned as a correlation kernel (``rot90(h, 2)``), times
    that window.  Returns the real part.
    """
    hd = np.asarray(hd, dtype=np.float64)
    w1 = np.asarray(window, dtype=np.float64).ravel()
    n = w1.size
    if hd.ndim != 2 or hd.shape != (n, n):
        raise ValueError(f"fwind1 needs a square response matching the window length {n}, got {hd.shape}")
    # circular window
    t = (np.arange(n) - (n - 1) / 2) * (2.0 / (n - 1))
    t12 = np.hypot(t[None, :], t[:, None])
    w = np.interp(t12, t, w1)
    w[t12 > 1.0] = 0.0
    # frequency sampling (fsamp2): undo the centring, inverse DFT, centre the impulse response
    h = np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(hd)))
    h = np.rot90(h, 2)
    return np.real(h * w)


@functools.lru_cache(maxsize=256)
def _mtf_kernel_np(gain: float, ratio: int, taps: int) -> np.ndarray:
    if not 0.0 < gain < 1.0:
        raise ValueError(f"MTF Nyquist gain must be in (0, 1), got {gain}")
    fcut = 1.0 / ratio
    sigma = math.sqrt(((taps - 1) * (fcut / 2)) ** 2 / (-2.0 * math.log(gain)))
    hd = fspecial_gaussian(taps, sigma).numpy()  # float64 numpy inside: the same bits as fspecial
    hd = hd / hd.max()
    h = fwind1(hd, np.kaiser(taps, 0.5))
    h.setflags(write=False)
    return h


def mtf_kernel(gains: float | Sequence[float], ratio: int, taps: int = 41, *,
               dtype: torch.dtype = torch.float64, device: torch.device | str | None = None) -> torch.Tensor:
    """The toolbox ``genMTF`` filters, one per gain: a tensor (C, taps, taps).

    ``gains`` are the Nyquist gains (one per band; a single float gives one filter), ``ratio`` the
    resolution ratio, ``taps`` the (odd) filter size, 41 in the toolbox.  The kernels sum to about 1
    (``fwind1`` does not renormalise) and are symmetric.
    """
    if isinstance(gains, (int, float)):
        gains = [gains]
    gains = [float(g) for g in gains]
    if len(gains) == 0:
        raise ValueError("mtf_kernel needs at least one gain")
    if int(ratio) != ratio or ratio < 1:
        raise ValueError(f"ratio must be a positive integer, got {ratio}")
    if taps < 3 or taps % 2 == 0:
        raise ValueError(f"taps must be an odd integer >= 3, got {taps}")
    k = np.stack([_mtf_kernel_np(g, int(ratio), int(taps)) for g in gains])
    return torch.from_numpy(k.copy()).to(dtype=dtype, device=device)


def filter_replicate(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Depthwise correlation of ``x`` (B, C, H, W) with ``kernel`` (C, k, k) or (k, k), odd ``k``,
    replicated borders, same-size output (MATLAB ``imfilter(x, h, 'replicate')`` per band)."""
    B, C, H, W = x.shape
    if kernel.dim() == 2:
        kernel = kernel.expand(C, *kernel.shape)
    if kernel.shape[0] != C:
        raise ValueError(f"{kernel.shape[0]} kernels for {C} channels")
    kh, kw = kernel.shape[-2:]
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"kernel size must be odd, got {kh}x{kw}")
    ph, pw = kh // 2, kw // 2
    # replicate padding by clamped indices (any pad size, any dtype)
    ih = torch.arange(-ph, H + ph, device=x.device).clamp_(0, H - 1)
    iw = torch.arange(-pw, W + pw, device=x.device).clamp_(0, W - 1)
    xp = x.index_select(2, ih).index_select(3, iw)
    k = kernel.to(dtype=x.dtype, device=x.device)
    # correlation by FFT of the padded image (linear convolution: the padded size covers the support, so
    # no wrap-around reaches the kept window).  Far faster than a depthwise conv2d for 41x41 kernels,
    # especially in float64, and exact up to rounding.
    Hp, Wp = xp.shape[-2:]
    kf = torch.fft.rfft2(k.flip(-2, -1), s=(Hp, Wp))
    y = torch.fft.irfft2(torch.fft.rfft2(xp) * kf, s=(Hp, Wp))
    return y[..., kh - 1:kh - 1 + H, kw - 1:kw - 1 + W].contiguous()


def _resolve_gains(sensor, gains, pan: bool, num_bands: int) -> tuple[float, ...]:
    if gains is not None:
        if isinstance(gains, (int, float)):
            gains = (float(gains),) * num_bands
        gains = tuple(float(g) for g in (gains.tolist() if isinstance(gains, torch.Tensor) else gains))
        if len(gains) == 1:
            gains = gains * num_bands
    else:
        if sensor is None:
            raise ValueError("mtf_filter needs a sensor or explicit gains")
        if pan:
            gains = (get_sensor(sensor, num_bands=None if not is_generic(sensor) else 1).mtf_pan,) * num_bands
        else:
            gains = tuple(get_sensor(sensor, num_bands=num_bands).mtf_ms)
    if len(gains) != num_bands:
        raise ValueError(f"{len(gains)} MTF gains for {num_bands} bands")
    return gains


def mtf_filter(x: torch.Tensor, sensor: str | Sensor | None = None, ratio: int | None = None,
               gains: float | Sequence[float] | None = None, pan: bool = False, taps: int = 41) -> torch.Tensor:
    """Filter ``x`` (B, C, H, W) or (C, H, W) band by band with the sensor's MTF-matched filters.

    Gains come from ``get_sensor(sensor).mtf_ms`` (one per band; ``"generic"`` uses 0.3), or the PAN gain
    for every band when ``pan=True``, or ``gains`` when given (a float is used for every band).  Replicated
    borders, correlation, same size (toolbox ``MTF`` / ``MTF_PAN``).  ``ratio`` defaults to the sensor's
    (4 when only ``gains`` are given).  Integer input is filtered in float64.
    """
    squeeze = x.dim() == 3
    if squeeze:
        x = x[None]
    if x.dim() != 4:
        raise ValueError(f"expected (B, C, H, W) or (C, H, W), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        x = x.double()
    g = _resolve_gains(sensor, gains, pan, x.shape[1])
    if ratio is None:
        ratio = 4 if sensor is None else get_sensor(sensor, num_bands=1 if is_generic(sensor) else None).ratio
    k = mtf_kernel(g, ratio, taps, dtype=x.dtype, device=x.device)
    y = filter_replicate(x, k)
    return y[0] if squeeze else y
