"""Adaptive multiresolution-analysis (MRA) pansharpening: three MRA methods of the 2020 toolbox whose detail
injection adapts to the scene.

They follow the MATLAB toolbox of Vivone et al. (G. Vivone, M. Dalla Mura, A. Garzelli, R. Restaino,
G. Scarpa, M. O. Ulfarsson, L. Alparone, J. Chanussot, "A new benchmark based on recent advances in
multispectral pansharpening", IEEE GRSM 9(1), 2021) operation by operation, with the parameters of its
reduced-resolution demo:

* **MTF-GLP-HPM-H** (``MTF_GLP_HPM_Haze_min(I_MS, I_PAN, sensor, ratio, 1)``, Lolli et al. 2017): MTF-GLP
  high-pass modulation of haze-free radiances.  The haze ``L_b`` of each band is a fraction of its 1st
  percentile (4 bands: 0.95, 0.45, 0.40, 0.05 times ``prctile(band, 1)``) or its minimum (other band counts);
  the PAN's haze ``L_P = w_0 + sum_b w_b L_b`` with ``w`` the regression (with offset) of the
  ``LPfilterGauss``-filtered PAN on the upsampled bands;
  ``fused_b = (ms_up_b - L_b) (P - L_P) / (P^low_b - L_P + eps) + L_b``, ``P^low_b`` the MTF-GLP low-pass
  of the raw (not equalised) PAN.
* **C-MTF-GLP-CBD** (``GS_Segm(I_MS, I_PAN, gen_LP_image('GS2GLP', ...), k_means_clustering(I_MS, 5))``,
  Restaino et al. 2017): the upsampled bands, each divided by its maximum, are clustered by k-means; in
  each cluster ``g_b = cov(P^low_b, ms_up_b) / var(P^low_b)`` and ``fused_b = ms_up_b + g_b (P - P^low_b)``.
* **FE-HPM** (``FE_HPM(I_MS, I_PAN, ratio, max(25, 3 ratio), 1e5, 1e5, 1e-3, 5, 'Basic')``, Vivone et al.
  2015): the PAN's low-pass filter is estimated from the data by regularised deconvolution (``FE``), then
  used in an HPM scheme: ``fused_b = ms_up_b P_b / (interp23tap(decimate(h * P_b)) + eps)``, ``P_b`` the PAN
  equalised to band b by mean and standard deviation.

``ms_up`` is the MS upsampled by the 23-tap interpolator, statistics are per image and band with sample
(N - 1) normalisation, regressions are float64 least squares.  MTF-GLP-HPM-H and C-MTF-GLP-CBD are
scale-equivariant (fusionzoo's [0, 1] inputs give the toolbox's DN results divided by ``2**bits - 1``);
FE's regularisation weights ``lambda`` and ``mu`` are in the toolbox's DN units, so FE-HPM rescales them by
the sensor's full scale.  The model cards (``model_cards/<name>.md``) list each toolbox quirk reproduced.
"""

from __future__ import annotations

import torch

from ....builder import build_model
from ....ops import decimate_nearest, filter_replicate
from ....registry import register_model
from ....sensors import Sensor, get_sensor
from .component_substitution import _combine, _flat, _kmeans, _prctile, _regress
from .multiresolution import (
    _EPS,
    _GLP,
    _MRA,
    _atwt_lowpass,
    _cfg,
    _fast_len,
    _lpfilter_gauss_kernel,
    _match,
    _std,
    interp23,
)

__all__ = ["CMTFGLPCBD", "DERIVATIVES", "FEHPM", "MTFGLPHPMH", "edgetaper"]

_F64 = torch.float64
#: ``MTF_GLP_HPM_Haze_min``'s haze fractions of the 1st percentile for 4 bands (blue, green, red, NIR)
_HAZE4 = (0.95, 0.45, 0.40, 0.05)


# --- MTF-GLP-HPM-H -----------------------------------------------------------------------------------------


class MTFGLPHPMH(_GLP):
    """MTF-GLP-HPM with haze correction (toolbox ``MTF_GLP_HPM_Haze_min``, decimation on).

    ``fused_b = (ms_up_b - L_b) (P - L_P) / (P^low_b - L_P + eps) + L_b``: haze ``L_b`` from the upsampled
    band (4 bands: 0.95, 0.45, 0.40, 0.05 times the 1st percentile, in the order blue, green, red, NIR; other
    band counts: the minimum), PAN haze ``L_P = w_0 + sum_b w_b L_b`` with ``w`` the least-squares fit of
    ``LPfilterGauss(P)`` on ``[1, ms_up]``, ``P^low_b`` the MTF-GLP low-pass of the raw PAN (no
    equalisation)."""

    def haze(self, ms_up: torch.Tensor, pan: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The haze of each band (B, C) and of the PAN (B,), float64."""
        flat = _flat(ms_up)
        if ms_up.shape[1] == 4:
            haze = torch.tensor(_HAZE4, dtype=_F64, device=ms_up.device) * _prctile(flat, 1.0)
        else:
            haze = flat.amin(-1).to(_F64)
        pan_lp = filter_replicate(pan, _lpfilter_gauss_kernel(self.ratio).to(pan))
        beta, beta0 = _regress(flat, _flat(pan_lp), offset=True)  # (B, C, 1), (B, 1, 1)
        return haze, beta0[:, 0, 0] + (beta[..., 0] * haze).sum(1)

    def fuse_up(self, ms_up, pan):
        haze, haze_pan = self.haze(ms_up, pan)
        low = self.glp_lowpass(pan, ms_up.shape[1])
        lb = haze.to(ms_up.dtype)[..., None, None]
        lp = haze_pan.to(pan.dtype).view(-1, 1, 1, 1)
        return (ms_up - lb) * ((pan - lp) / (low - lp + _EPS)) + lb


# --- C-MTF-GLP-CBD -----------------------------------------------------------------------------------------


def _segment_regression(x: torch.Tensor, y: torch.Tensor, labels: torch.Tensor, k: int) -> torch.Tensor:
    """``cov(x_b, y_b) / var(x_b)`` over the pixels of each segment (MATLAB ``cov`` / ``var``: the N - 1
    cancel): x, y (B, C, N), labels (B, N) in 0..k-1 -> (B, C, k) float64, two-pass (segment means first).
    A segment where x is constant (or a single pixel; MATLAB gives NaN) gets 0."""
    B, C, N = y.shape
    flat = (labels + k * torch.arange(B, device=labels.device)[:, None]).reshape(-1)

    def seg_sum(v: torch.Tensor) -> torch.Tensor:  # (B, N) -> (B, k)
        return torch.bincount(flat, weights=v.reshape(-1), minlength=B * k).reshape(B, k)

    n = seg_sum(torch.ones(B, N, dtype=_F64, device=y.device)).clamp_min(1)
    gains = []
    for b in range(C):
        xb, yb = x[:, b].to(_F64), y[:, b].to(_F64)
        dx = xb - (seg_sum(xb) / n).gather(1, labels)
        dy = yb - (seg_sum(yb) / n).gather(1, labels)
        gains.append(seg_sum(dx * dy) / seg_sum(dx * dx))
    return torch.nan_to_num(torch.stack(gains, 1), nan=0.0, posinf=0.0, neginf=0.0)


class CMTFGLPCBD(_GLP):
    """Clustered (context-adaptive) MTF-GLP-CBD (toolbox ``GS_Segm`` + ``gen_LP_image('GS2GLP')`` +
    ``k_means_clustering``).

    ``P^low_b`` as MTF-GLP-CBD (raw PAN, the sensor's MTF filter, nearest decimation, ``interp23tap``); the
    upsampled MS, each band divided by its maximum, is clustered by k-means into ``n_clusters`` segments;
    in segment ``s``: ``fused_b = ms_up_b + g_bs (P - P^low_b)``, ``g_bs = cov(P^low_b, ms_up_b) / var(P^low_b)``
    over the segment's pixels.  k-means follows MATLAB's (k-means++ seeding, batch updates, at most 100
    iterations, an emptied cluster restarted at the farthest point) with torch's generator seeded by ``seed``;
    on images of more than ``kmeans_sample`` pixels it is fitted on that many random pixels and every pixel is
    then assigned to its nearest centroid (``None``: fitted on every pixel)."""

    def __init__(self, ratio: int = 4, sensor: str | Sensor = "generic", n_clusters: int = 5, seed: int = 0,
                 kmeans_sample: int | None = 65536, **kwargs) -> None:
        super().__init__(ratio=ratio, sensor=sensor, **kwargs)
        if int(n_clusters) < 1:
            raise ValueError(f"n_clusters must be >= 1, got {n_clusters}")
        if kmeans_sample is not None and int(kmeans_sample) < int(n_clusters):
            raise ValueError(f"kmeans_sample must be at least n_clusters ({n_clusters}), got {kmeans_sample}")
        self.n_clusters = int(n_clusters)
        self.seed = int(seed)
        self.kmeans_sample = None if kmeans_sample is None else int(kmeans_sample)

    def extra_repr(self) -> str:
        return (f"{super().extra_repr()}, n_clusters={self.n_clusters}, seed={self.seed}, "
                f"kmeans_sample={self.kmeans_sample}")

    def segments(self, ms_up: torch.Tensor) -> torch.Tensor:
        """``k_means_clustering(I_MS, n_clusters)``: labels (B, H, W) in 0..n_clusters-1."""
        B, _, H, W = ms_up.shape
        feats = _flat(ms_up)
        top = feats.amax(-1, keepdim=True)
        feats = feats / torch.where(top != 0, top, torch.ones_like(top))  # an all-zero band stays 0 (MATLAB: NaN)
        return _kmeans(feats, self.n_clusters, self.seed, sample=self.kmeans_sample).reshape(B, H, W)

    def fuse_up(self, ms_up, pan):
        B, C, H, W = ms_up.shape
        low = self.glp_lowpass(pan, C)
        labels = self.segments(ms_up).reshape(B, -1)
        g = _segment_regression(_flat(low), _flat(ms_up), labels, self.n_clusters)  # (B, C, k)
        g = g * self.not_flat(pan).to(_F64).view(B, 1, 1)
        gpix = torch.gather(g, 2, labels[:, None, :].expand(B, C, -1)).reshape(B, C, H, W)
        return ms_up + gpix.to(ms_up.dtype) * (pan - low)


# --- FE-HPM ------------------------------------------------------------------------------------------------

#: The derivative filters of the toolbox's ``FE`` (``filtername``): vertical and horizontal, top-left anchored
DERIVATIVES: dict[str, tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]] = {
    "naive2": (((-1.0,), (1.0,)), ((-1.0, 1.0),)),
    "naive3": (((-1.0,), (0.0,), (1.0,)), ((-1.0, 0.0, 1.0),)),
    "basic": (((-1.0, -1.0), (1.0, 1.0)), ((-1.0, 1.0), (-1.0, 1.0))),
    "prewitt": (((-1.0, -1.0, -1.0), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)),
                ((-1.0, 0.0, 1.0), (-1.0, 0.0, 1.0), (-1.0, 0.0, 1.0))),
    "sobel": (((-1.0, -2.0, -1.0), (0.0, 0.0, 0.0), (1.0, 2.0, 1.0)),
              ((-1.0, 0.0, 1.0), (-2.0, 0.0, 2.0), (-1.0, 0.0, 1.0))),
}


def _taper_weight(n: int, size: int, device) -> torch.Tensor:
    """``edgetaper``'s weight along one dimension of length ``n`` for a ``size``-wide box: the circular
    autocorrelation of the PSF projection at length n - 1, first sample repeated, over its maximum."""
    proj = torch.full((size,), 1.0 / size, dtype=_F64, device=device)
    z = torch.fft.ifft(torch.fft.fft(proj, n=n - 1).abs() ** 2).real
    z = torch.cat([z, z[:1]])
    return z / z.max()


def _taper_operators(H: int, W: int, size: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """``edgetaper``'s weight ``a`` (H, W) and the half spectrum of its box (``psf2otf``: anchored at
    ``floor(size / 2)``)."""
    if size < 2 or min(H, W) <= 2 * size:
        raise ValueError(f"edgetaper needs a box of at least 2 pixels and an image larger than twice it: box "
                         f"{size}, image {H}x{W}")
    alpha = (1 - _taper_weight(H, size, device))[:, None] * (1 - _taper_weight(W, size, device))[None, :]
    psf = torch.zeros(H, W, dtype=_F64, device=device)
    psf[:size, :size] = 1.0 / size**2
    return alpha, torch.fft.rfft2(torch.roll(psf, (-(size // 2), -(size // 2)), (0, 1)))


def _taper(x: torch.Tensor, alpha: torch.Tensor, otf: torch.Tensor, spectrum: torch.Tensor | None = None
           ) -> torch.Tensor:
    """``J = a x + (1 - a) blur(x)`` clipped to the range of x (``spectrum``: ``rfft2(x)`` if known)."""
    spectrum = torch.fft.rfft2(x) if spectrum is None else spectrum
    j = torch.lerp(torch.fft.irfft2(spectrum * otf, s=x.shape[-2:]), x, alpha)
    lo, hi = x.amin((-2, -1), keepdim=True), x.amax((-2, -1), keepdim=True)
    return torch.minimum(torch.maximum(j, lo), hi)


def edgetaper(x: torch.Tensor, size: int) -> torch.Tensor:
    """MATLAB ``edgetaper(x, ones(size) / size**2)`` of each image of x (..., H, W), float64.

    ``J = a x + (1 - a) blur(x)``: ``blur`` the circular convolution with the box (``psf2otf``: anchored at
    ``floor(size / 2)``), ``a = (1 - beta_rows) (1 - beta_cols)^T`` the weight of :func:`_taper_weight`;
    ``J`` is clipped to the range of ``x``.  Needs ``size >= 2`` and images larger than ``2 size``."""
    alpha, otf = _taper_operators(x.shape[-2], x.shape[-1], size, x.device)
    return _taper(x.to(_F64), alpha, otf)


def _filter_each(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """``imfilter(x_i, kernels_i, 'replicate')`` for each image i: x (B, 1, H, W), kernels (B, k, k) -> (B, 1, H, W).

    Replicate padding, then a linear correlation by FFT at a fast length (2^a 3^b 5^c).  An even size is
    anchored as MATLAB (centre ``floor((k + 1) / 2)``, 1-based): ``k / 2 - 1`` pixels before, ``k / 2`` after."""
    H, W = x.shape[-2:]
    k = kernels.shape[-1]
    before, after = (k - 1) // 2, k // 2
    ih = torch.arange(-before, H + after, device=x.device).clamp_(0, H - 1)
    iw = torch.arange(-before, W + after, device=x.device).clamp_(0, W - 1)
    xp = x[:, 0].index_select(1, ih).index_select(2, iw)
    size = (_fast_len(H + k - 1), _fast_len(W + k - 1))
    kf = torch.fft.rfft2(kernels.to(x.dtype).flip(-2, -1), s=size)
    y = torch.fft.irfft2(torch.fft.rfft2(xp, s=size) * kf, s=size)
    return y[:, None, k - 1:k - 1 + H, k - 1:k - 1 + W]


class FEHPM(_MRA):
    """FE-HPM: high-pass modulation with a low-pass filter estimated by regularised deconvolution (toolbox
    ``FE_HPM`` + ``FE``).

    ``FE`` (``iterations`` times): ``P^low`` = the toolbox's ``LPfilter`` of the PAN (first iteration) or the
    PAN filtered by the current estimate; ``I`` = least-squares fit of ``P^low`` on ``[ms_up, 1]``; the PAN
    estimate ``H`` and ``I`` are tapered (``edgetaper`` with a ``floor(tap / 2)`` box, cumulatively for ``H``);
    ``h = real(fftshift(ifft2(conj(F H) F I / (|F H|^2 + lam + mu (|F g_v|^2 + |F g_h|^2)))))``; values below
    ``threshold`` set to 0; the ``tap x tap`` window around the maximum, normalised to unit sum.
    Fusion: ``fused_b = ms_up_b P_b / (interp23tap(decimate(h * P_b)) + eps)``, ``P_b`` the PAN equalised to
    band b (mean, standard deviation).

    ``tap`` (default ``max(25, 3 ratio)``, the demo's), ``iterations`` (5), ``lam`` and ``mu`` (1e5, in DN:
    divided by ``(2**bit_depth - 1)**2`` on fusionzoo's [0, 1] scale, ``bit_depth`` the sensor's, 11 for
    ``"generic"``), ``threshold`` (1e-3), ``derivative`` (one of :data:`DERIVATIVES`, ``"basic"``)."""

    uses_sensor = True

    def __init__(self, ratio: int = 4, sensor: str | Sensor = "generic", tap: int | None = None,
                 iterations: int = 5, lam: float = 1e5, mu: float = 1e5, threshold: float = 1e-3,
                 derivative: str = "basic", bit_depth: int | None = None, **kwargs) -> None:
        super().__init__(ratio=ratio, sensor=sensor, **kwargs)
        tap = max(25, 3 * self.ratio) if tap is None else int(tap)
        if tap < 4:
            raise ValueError(f"tap (the filter support) must be at least 4 (edgetaper uses a floor(tap/2) box), "
                             f"got {tap}")
        if int(iterations) < 1:
            raise ValueError(f"iterations must be >= 1, got {iterations}")
        if lam < 0 or mu < 0:
            raise ValueError(f"lam and mu must be non-negative, got {lam} and {mu}")
        if derivative.lower() not in DERIVATIVES:
            raise ValueError(f"unknown derivative {derivative!r}; choose one of {sorted(DERIVATIVES)}")
        if bit_depth is not None and int(bit_depth) < 1:
            raise ValueError(f"bit_depth must be a positive number of bits, got {bit_depth}")
        self.tap, self.iterations = tap, int(iterations)
        self.lam, self.mu, self.threshold = float(lam), float(mu), float(threshold)
        self.derivative = derivative.lower()
        self.bit_depth = None if bit_depth is None else int(bit_depth)

    def extra_repr(self) -> str:
        return (f"{super().extra_repr()}, tap={self.tap}, iterations={self.iterations}, lam={self.lam:g}, "
                f"mu={self.mu:g}, threshold={self.threshold:g}, derivative={self.derivative!r}"
                + ("" if self.bit_depth is None else f", bit_depth={self.bit_depth}"))

    def full_scale(self, bands: int) -> int:
        """The DN of fusionzoo's 1.0: ``2**bit_depth - 1`` of the sensor (or of ``bit_depth``)."""
        return get_sensor(self.sensor, num_bands=bands, bit_depth=self.bit_depth).max_value

    def _derivative_energy(self, H: int, W: int, device) -> torch.Tensor:
        gv, gh = (torch.tensor(g, dtype=_F64, device=device) for g in DERIVATIVES[self.derivative])
        return (torch.fft.rfft2(gv, s=(H, W)).abs() ** 2 + torch.fft.rfft2(gh, s=(H, W)).abs() ** 2)

    def estimate_filter(self, ms_up: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        """The toolbox's ``FE(I_MS, I_PAN, ...)``: the estimated PAN low-pass filter (B, tap, tap), float64,
        unit sum.  ``ms_up`` is the MS on the PAN grid (B, C, H, W), ``pan`` (B, 1, H, W)."""
        B, C, H, W = ms_up.shape
        t, half, odd = self.tap, self.tap // 2, self.tap % 2
        if min(H, W) <= 2 * half or min(H, W) < t:
            raise ValueError(f"FE-HPM estimates a {t}x{t} filter and tapers the edges with a {half}-pixel box: "
                             f"the PAN must be larger than {max(2 * half, t - 1)} pixels per side, got {H}x{W}; "
                             f"use a larger scene or a smaller tap")
        scale2 = float(self.full_scale(C)) ** 2
        reg = (self.lam + self.mu * self._derivative_energy(H, W, pan.device)) / scale2  # DN units -> [0, 1]
        alpha, otf = _taper_operators(H, W, half, pan.device)
        ms64 = ms_up.to(_F64)
        h_e = pan.to(_F64)[:, 0]
        fh = None  # the spectrum of h_e, kept from one iteration to the next
        rows = torch.arange(-half, half + odd, device=pan.device)
        psf_l = None
        for j in range(self.iterations):
            pan_lp = _atwt_lowpass(h_e[:, None], self.levels) if j == 0 else _filter_each(h_e[:, None], psf_l)
            beta, beta0 = _regress(_flat(ms64), _flat(pan_lp), offset=True)
            it_e = _combine(ms64, beta, beta0)[:, 0]  # (B, H, W)
            h_e = _taper(h_e, alpha, otf, fh)  # cumulative: the tapered PAN is tapered again next time
            it_e = _taper(it_e, alpha, otf)
            fh = torch.fft.rfft2(h_e)
            ratio = fh.conj() * torch.fft.rfft2(it_e) / (fh.abs() ** 2 + reg)
            psf = torch.fft.fftshift(torch.fft.irfft2(ratio, s=(H, W)), dim=(-2, -1))
            psf = torch.where(psf < self.threshold, torch.zeros_like(psf), psf)
            # MATLAB's max(PSF(:)): the first maximum in column-major order
            idx = psf.transpose(-2, -1).reshape(B, -1).argmax(-1)
            rm, cm = idx % H, idx // H
            # the window around it (circular where it would leave the image; the toolbox errors there)
            ri = (rm[:, None] + rows[None, :]) % H  # (B, t)
            ci = (cm[:, None] + rows[None, :]) % W
            crop = psf[torch.arange(B, device=pan.device)[:, None, None], ri[:, :, None], ci[:, None, :]]
            total = crop.sum((-2, -1), keepdim=True)
            impulse = torch.zeros_like(crop)
            impulse[:, (t - 1) // 2, (t - 1) // 2] = 1.0  # nothing above the threshold (toolbox: NaN): no filter
            psf_l = torch.where(total > 0, crop / torch.where(total > 0, total, torch.ones_like(total)), impulse)
        return psf_l

    def fuse_up(self, ms_up, pan):
        psf = self.estimate_filter(ms_up, pan)
        gain, off = _match(pan, ms_up, _std(pan))  # P_b = gain_b P + off_b (mean and std of ms_up_b)
        low = decimate_nearest(_filter_each(pan, psf), self.ratio)  # imfilter is linear: h * P_b = gain h * P + off
        low = interp23(gain * low + off * psf.sum((-2, -1)).to(pan.dtype).view(-1, 1, 1, 1), self.ratio)
        return ms_up * ((gain * pan + off) / (low + _EPS))


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
_VIVONE21 = ("G. Vivone, M. Dalla Mura, A. Garzelli, R. Restaino, G. Scarpa, M. O. Ulfarsson, L. Alparone, "
             "J. Chanussot, 'A new benchmark based on recent advances in multispectral pansharpening', IEEE GRSM "
             "9(1), 2021")

default_cfgs = {
    "mtf_glp_hpm_h": _cfg("mtf_glp_hpm_h", "S. Lolli, L. Alparone, A. Garzelli, G. Vivone, 'Haze correction for "
                          "contrast-based multispectral pansharpening', IEEE GRSL 14(12), 2017; toolbox: " + _VIVONE21,
                          "MTF-GLP high-pass modulation of haze-corrected radiances"),
    "c_mtf_glp_cbd": _cfg("c_mtf_glp_cbd", "R. Restaino, M. Dalla Mura, G. Vivone, J. Chanussot, 'Context-adaptive "
                          "pansharpening based on image segmentation', IEEE TGRS 55(2), 2017; toolbox: " + _VIVONE21,
                          "MTF-GLP-CBD with regression gains per k-means cluster of the MS"),
    "fe_hpm": _cfg("fe_hpm", "G. Vivone, M. Simões, M. Dalla Mura, R. Restaino, J. M. Bioucas-Dias, G. A. Licciardi, "
                   "J. Chanussot, 'Pansharpening based on semiblind deconvolution', IEEE TGRS 53(4), 2015; "
                   "toolbox: " + _VIVONE21,
                   "high-pass modulation with the PAN low-pass filter estimated by regularised deconvolution"),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def mtf_glp_hpm_h(pretrained: bool = False, **kwargs) -> MTFGLPHPMH:
    """MTF-GLP-HPM-H (Lolli et al. 2017): MTF-GLP high-pass modulation with haze correction."""
    return build_model(MTFGLPHPMH, "mtf_glp_hpm_h", pretrained, **kwargs)


@register_model
def c_mtf_glp_cbd(pretrained: bool = False, **kwargs) -> CMTFGLPCBD:
    """C-MTF-GLP-CBD (Restaino et al. 2017): regression gains per k-means segment; ``n_clusters``, ``seed``."""
    return build_model(CMTFGLPCBD, "c_mtf_glp_cbd", pretrained, **kwargs)


@register_model
def fe_hpm(pretrained: bool = False, **kwargs) -> FEHPM:
    """FE-HPM (Vivone et al. 2015): HPM with a PAN low-pass filter estimated by deconvolution."""
    return build_model(FEHPM, "fe_hpm", pretrained, **kwargs)
