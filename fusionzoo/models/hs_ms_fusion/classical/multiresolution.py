"""SFIM-HS and GLP-HS: multiresolution analysis with hypersharpening (Yokoya toolbox, mode 2).

Both methods first make one synthetic PAN per HS band from the MS ("hypersharpening", Selva et al. 2015):
the MS is shrunk to the HS grid with bilinear ``imresize`` and each HS band is regressed on ``[LR-MS, 1]``
by least squares (:func:`.spectral_response.hypersharpening_regression`); the same coefficients applied to
the full-resolution MS give the band's PAN ``P_k``, and applied to the LR-MS its low-resolution version.

- **SFIM-HS** (``SFIM.m``, mode 2): ``F_k = P_k * NN(HS_k) / NN(P_k^LR)``, with ``NN`` the nearest-neighbour
  upsampling by the ratio (``imresize(..., ratio, 'nearest')``: each LR pixel copied to its block).
- **GLP-HS** (``MTF_GLP_wrapper.m`` mode 2 -> ``MTF_GLP.m`` with sensor ``'GaussKernel'``):
  ``F_k = HSU_k + g_k (P_k - P_k^LP)`` where ``HSU_k = interp(HS_k)``, ``P_k^LP = interp(
  gaussian_down_sample(P_k))``, ``g_k = cov(HSU_k, P_k^LP) / var(P_k^LP)`` (one global gain per band) and
  ``interp`` is the toolbox's ``interp23tapGeneral``: zeros inserted with the samples at 1-based offset
  ``posi`` of each block, then separable circular filtering with the 45-tap ``ratio * fir1(44, 1/ratio)``
  (Hamming-windowed sinc).  Odd ratios use ``posi = round(ratio/2)``; even ratios average the results of
  ``posi = ratio/2`` and ``ratio/2 + 1``.  Each result is clipped to ``[0, 2**L]`` with
  ``L = sqrt(max(HS))`` (the toolbox's bound: ``n = max(hs(:))^0.5`` passed as ``L``) before averaging.

The toolbox's demo then applies its post-fusion denoising to both (:func:`.spectral_response.toolbox_denoise`);
``denoise`` switches it (default on, as the demo).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import torch

from ....builder import build_model
from ....registry import ArchConfig, register_model
from ..base import HSMSFusionModel
from .spectral_response import (
    apply_regression,
    gaussian_down_sample,
    hypersharpening_regression,
    toolbox_denoise,
)

__all__ = ["GLPHS", "SFIMHS", "fir1_lowpass", "interp_general", "interp_matrix"]

_F64 = torch.float64
_TINY = float(np.finfo(np.float64).tiny)


# ----------------------------------------------------------------------------------------- helpers


def fir1_lowpass(order: int, cutoff: float) -> np.ndarray:
    """MATLAB ``fir1(order, cutoff)``: ``order + 1`` taps of the Hamming-windowed ideal low-pass with
    cut-off ``cutoff`` (relative to Nyquist), scaled to unit gain at DC."""
    n = np.arange(order + 1, dtype=np.float64) - order / 2.0
    ideal = cutoff * np.sinc(cutoff * n)
    window = 0.54 - 0.46 * np.cos(2.0 * np.pi * np.arange(order + 1) / order)
    h = ideal * window
    return h / h.sum()


@functools.lru_cache(maxsize=64)
def _interp_matrix_np(n: int, ratio: int, posi: int) -> np.ndarray:
    taps = ratio * fir1_lowpass(44, 1.0 / ratio)  # 45 taps, centre index 22 (0-based)
    N = n * ratio
    m = np.zeros((N, n), dtype=np.float64)
    p0 = posi - 1
    i = np.arange(N)[:, None]
    t = np.arange(taps.size)[None, :]
    j = np.mod(i + t - taps.size // 2, N)  # input position read by tap t for output i (circular)
    hit = np.mod(j - p0, ratio) == 0
    rows, cols = np.nonzero(hit)
    src = (j[rows, cols] - p0) // ratio
    np.add.at(m, (rows, src), taps[cols])
    m.setflags(write=False)
    return m


def interp_matrix(n: int, ratio: int, posi: int) -> torch.Tensor:
    """The (n * ratio, n) float64 matrix of one pass of ``interp23tapGeneral`` along a dimension of
    length ``n``: samples placed at 0-based ``posi - 1 + ratio * m``, then circular correlation with
    ``ratio * fir1(44, 1 / ratio)`` (MATLAB ``imfilter(..., 'circular')``; kernels longer than the image
    wrap around as often as needed)."""
    if not 1 <= posi <= ratio:
        raise ValueError(f"posi must be in 1..ratio ({ratio}), got {posi}")
    return torch.from_numpy(_interp_matrix_np(int(n), int(ratio), int(posi)).copy())


def interp_general(x: torch.Tensor, ratio: int, posi: int) -> torch.Tensor:
    """The toolbox's ``interp23tapGeneral(x, ratio, [posi posi])`` on (B, C, h, w) -> (B, C, rh, rw)."""
    h, w = x.shape[-2:]
    mh = interp_matrix(h, ratio, posi).to(dtype=x.dtype, device=x.device)
    mw = interp_matrix(w, ratio, posi).to(dtype=x.dtype, device=x.device)
    return torch.matmul(torch.matmul(mh, x), mw.T)


def _posis(ratio: int) -> tuple[int, ...]:
    """The toolbox's sampling offsets (1-based): even ratios average two runs."""
    if ratio % 2 == 0:
        return (ratio // 2, ratio // 2 + 1)
    return (int(np.floor(ratio / 2 + 0.5)),)  # MATLAB round(ratio / 2)


def _upsample_nearest(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """MATLAB ``imresize(x, ratio, 'nearest')`` for an integer ratio: each pixel copied to its block."""
    return x.repeat_interleave(ratio, dim=-2).repeat_interleave(ratio, dim=-1)


def _check_two_pixels(hs: torch.Tensor, ms: torch.Tensor, name: str) -> None:
    n = hs.shape[-2] * hs.shape[-1]
    if n < ms.shape[1] + 1:
        raise ValueError(f"{name} regresses each HS band on [LR-MS, 1]: it needs at least ms_bands + 1 = "
                         f"{ms.shape[1] + 1} HS pixels, got {n}")


# --- modules ---------------------------------------------------------------------------------------------
class SFIMHS(HSMSFusionModel):
    """SFIM-HS of the Yokoya toolbox (``SFIM.m``, mode 2), then its denoising step if ``denoise``.

    ``F_k = P_k * NN(HS_k) / NN(P_k^LR)``.  A zero denominator (a synthetic LR PAN exactly 0) is replaced
    by the smallest positive float64 (the toolbox would give Inf / NaN there).  Float64 inside, the HS's
    dtype out.  Any integer ratio.
    """

    inputs = ("hs", "ms")

    def __init__(self, ratio: int | None = None, denoise: bool = True, hs_bands: int | None = None,
                 ms_bands: int | None = None, wavelengths: Sequence[float] | None = None) -> None:
        super().__init__(hs_bands=hs_bands, ms_bands=ms_bands, ratio=ratio, wavelengths=wavelengths)
        self.denoise = bool(denoise)

    def fuse(self, hs: torch.Tensor, ms: torch.Tensor | None) -> torch.Tensor:
        _check_two_pixels(hs, ms, "SFIM-HS")
        r = ms.shape[-2] // hs.shape[-2]
        X, lr_ms = hypersharpening_regression(hs, ms)
        pan = apply_regression(ms, X)  # (B, C, H, W)
        pan_lr = apply_regression(lr_ms, X)  # (B, C, h, w)
        den = torch.where(pan_lr == 0, torch.full_like(pan_lr, _TINY), pan_lr)
        out = pan * _upsample_nearest(hs.to(_F64) / den, r)
        if self.denoise:
            out = toolbox_denoise(out)
        return out.to(hs.dtype)


class GLPHS(HSMSFusionModel):
    """GLP-HS of the Yokoya toolbox (``MTF_GLP_wrapper`` mode 2, ``MTF_GLP`` with ``'GaussKernel'``), then
    its denoising step if ``denoise``.

    Any integer ratio >= 2.  The toolbox's clipping to ``[0, 2**sqrt(max(HS))]`` is kept (``clip=False``
    switches it off).  Float64 inside, the HS's dtype out.
    """

    inputs = ("hs", "ms")

    def __init__(self, ratio: int | None = None, denoise: bool = True, clip: bool = True,
                 hs_bands: int | None = None, ms_bands: int | None = None,
                 wavelengths: Sequence[float] | None = None) -> None:
        super().__init__(hs_bands=hs_bands, ms_bands=ms_bands, ratio=ratio, wavelengths=wavelengths)
        if ratio is not None and int(ratio) < 2:
            raise ValueError(f"GLP-HS needs a ratio >= 2, got {ratio}")
        self.denoise = bool(denoise)
        self.clip = bool(clip)

    def fuse(self, hs: torch.Tensor, ms: torch.Tensor | None) -> torch.Tensor:
        _check_two_pixels(hs, ms, "GLP-HS")
        r = ms.shape[-2] // hs.shape[-2]
        if r < 2:
            raise ValueError(f"GLP-HS needs a ratio >= 2 between ms and hs, got {r}")
        hs64 = hs.to(_F64)
        X, _ = hypersharpening_regression(hs, ms)
        pan = apply_regression(ms, X)  # (B, C, H, W)
        pan_lr = gaussian_down_sample(pan, r)  # (B, C, h, w)
        # per-image bound, as the toolbox computes it from the whole HS cube
        upper = torch.pow(2.0, hs64.flatten(1).amax(1).clamp_min(0).sqrt())[:, None, None, None]
        out = None
        posis = _posis(r)
        for posi in posis:
            hsu = interp_general(hs64, r, posi)
            plp = interp_general(pan_lr, r, posi)
            hc = hsu - hsu.mean(dim=(-2, -1), keepdim=True)
            pc = plp - plp.mean(dim=(-2, -1), keepdim=True)
            g = (hc * pc).sum(dim=(-2, -1), keepdim=True) / pc.pow(2).sum(dim=(-2, -1), keepdim=True)
            f = hsu + g * (pan - plp)
            if self.clip:
                f = torch.minimum(f.clamp_min(0.0), upper)
            out = f if out is None else out + f
        out = out / len(posis)
        if self.denoise:
            out = toolbox_denoise(out)
        return out.to(hs.dtype)


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
_REVIEW = ("N. Yokoya, C. Grohnfeldt, J. Chanussot, 'Hyperspectral and multispectral data fusion: a comparative "
           "review of the recent literature', IEEE GRSM 5(2), 2017")
_HYPERSHARPENING = ("M. Selva, B. Aiazzi, F. Butera, L. Chiarantini, S. Baronti, 'Hyper-sharpening: a first "
                    "approach on SIM-GA data', IEEE JSTARS 8(6), 2015")

default_cfgs = {
    "sfim_hs": ArchConfig(
        task="hs_ms_fusion",
        paper="J. G. Liu, 'Smoothing filter-based intensity modulation: a spectral preserve image fusion "
              f"technique for improving spatial details', IJRS 21(18), 2000; {_HYPERSHARPENING}; {_REVIEW}",
        summary="SFIM with one regression-synthesised PAN per HS band (hypersharpening), then the toolbox's "
                "denoising (Yokoya HSMSFusionToolbox)",
        url="https://doi.org/10.1109/MGRS.2016.2637824",
        classical=True,
        card="sfim_hs.md",
    ),
    "glp_hs": ArchConfig(
        task="hs_ms_fusion",
        paper="B. Aiazzi, L. Alparone, S. Baronti, A. Garzelli, M. Selva, 'MTF-tailored multiscale fusion of "
              f"high-resolution MS and Pan imagery', PE&RS 72(5), 2006; {_HYPERSHARPENING}; {_REVIEW}",
        summary="Generalized Laplacian pyramid with a Gaussian (FWHM = ratio) low-pass and one synthetic PAN "
                "per HS band, then the toolbox's denoising (Yokoya HSMSFusionToolbox)",
        url="https://doi.org/10.1109/MGRS.2016.2637824",
        classical=True,
        card="glp_hs.md",
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def sfim_hs(pretrained: bool = False, **kwargs) -> SFIMHS:
    """SFIM-HS (Yokoya toolbox ``SFIM``, mode 2), ``denoise=True`` as the toolbox's demo."""
    return build_model(SFIMHS, "sfim_hs", pretrained, **kwargs)


@register_model
def glp_hs(pretrained: bool = False, **kwargs) -> GLPHS:
    """GLP-HS (Yokoya toolbox ``MTF_GLP_wrapper``, mode 2), ``denoise=True`` as the toolbox's demo."""
    return build_model(GLPHS, "glp_hs", pretrained, **kwargs)
