"""One function that turns a reference HS image into a simulated fusion problem: :func:`make_pair`."""

from __future__ import annotations

import numpy as np
import torch

from .noise import add_noise
from .presets import Degradation, get_preset
from .psf import blur, blur_decimate, crop_to_multiple, decimate, gaussian_down_sample, resolve_phase
from .srf import SRF, apply_srf, load_srf, normalise_matrix

__all__ = ["make_pair", "srf_matrix_for"]


def srf_matrix_for(srf, num_hs_bands: int, hs_wavelengths=None, bands=None, normalise: str = "sum",
                   root=None) -> torch.Tensor:
    """The (c, C) float64 band-mixing matrix for ``srf``: a library name (:func:`~.srf.load_srf`), an
    :class:`~.srf.SRF` (both need ``hs_wavelengths`` in nm), or a ready matrix ((c, C), or (C, c) which is
    transposed), normalised by ``normalise`` (ready matrices too)."""
    if isinstance(srf, str):
        srf = load_srf(srf, root)
    if isinstance(srf, SRF):
        if bands is not None:
            srf = srf.select(bands)
        if hs_wavelengths is None:
            raise ValueError(f"SRF {srf.name!r} is a table: give hs_wavelengths= (nm, one per HS band), e.g. "
                             "fusionzoo.degradation.srf.cave_wavelengths() for CAVE")
        if len(np.asarray(hs_wavelengths).reshape(-1)) != num_hs_bands:
            raise ValueError(f"{len(np.asarray(hs_wavelengths).reshape(-1))} hs_wavelengths for an HS image with "
                             f"{num_hs_bands} bands")
        return srf.matrix(hs_wavelengths, normalise)
    R = torch.as_tensor(np.asarray(srf, dtype=np.float64) if not torch.is_tensor(srf) else srf).double().cpu()
    if R.dim() != 2:
        raise ValueError(f"an SRF matrix must be 2-D, got shape {tuple(R.shape)}")
    if R.shape[1] != num_hs_bands and R.shape[0] == num_hs_bands:
        R = R.T
    if R.shape[1] != num_hs_bands:
        raise ValueError(f"SRF matrix {tuple(R.shape)} does not fit an HS image with {num_hs_bands} bands")
    if bands is not None:
        R = R[list(bands)]
    return normalise_matrix(R, normalise)


def _spatial(x: torch.Tensor, d: Degradation, generator) -> torch.Tensor:
    r = int(d.ratio)
    if d.spatial == "gaussian_down_sample":
        if d.hs_noise_before_decimation and d.snr_hs is not None:
            raise ValueError(f"{d.name}: noise before decimation is not defined for gaussian_down_sample")
        return gaussian_down_sample(x, r)
    psf = d.kernel()
    if not (d.hs_noise_before_decimation and d.snr_hs is not None):
        return blur_decimate(x, psf, r, d.phase, d.boundary)
    # blur at full resolution, add the noise there, then pick the samples (HySure's demos)
    p = resolve_phase(d.phase, r)
    kh, kw = psf.size
    dy, dx = (kh - 1) / 2 - (kh - 1) // 2, (kw - 1) / 2 - (kw - 1) // 2
    if dy != dx or p - dy != int(p - dy):
        raise ValueError(f"{d.name}: a {kh} x {kw} kernel cannot be centred at phase {p}")
    full = add_noise(blur(x, psf, d.boundary), d.snr_hs, d.noise_mode, generator=generator)
    return decimate(full, r, int(p - dy))


def make_pair(hs: torch.Tensor, degradation: str | Degradation = "cucanet_cave_x32", *, srf=None,
              hs_wavelengths=None, ms: torch.Tensor | None = None, seed: int | None = 0, ratio: int | None = None,
              srf_root=None) -> dict:
    """Simulate a fusion problem from a reference HS image by Wald's protocol.

    Args:
        hs: the reference, (B, C, H, W) or (C, H, W), floating point, finite.
        degradation: a preset name (:data:`~.presets.PRESETS`) or a :class:`~.presets.Degradation`.
        srf: overrides the degradation's SRF: a library name, an :class:`~.srf.SRF` or a (c, C) matrix.
        hs_wavelengths: the HS band centres in nm, needed when the SRF is a table (name or SRF object).
        ms: a real high-resolution MS image of the same scene (B, c, H, W) to use instead of simulating one
            (e.g. the Paris ALI image); it is cropped like the reference and gets no added noise.
        seed: seeds the noise (one CPU ``torch.Generator``: HS noise drawn first, then MS noise); None uses
            torch's global generator.
        ratio: overrides the degradation's ratio (ratio-dependent PSFs follow).
        srf_root: folder of the SRF library (default :func:`~.srf.srf_root`).

    Returns:
        ``{"hs": LR-HS (B, C, H/r, W/r), "ms": HR-MS (B, c, H, W), "gt": the (cropped) reference (B, C, H, W),
        "srf": the (c, C) matrix used (None for a real MS), "ratio": r, "degradation": the Degradation}``, images
        in ``hs``'s dtype (computed in float64), unbatched if ``hs`` was (C, H, W).

    Order of operations: crop the reference to a multiple of the ratio (``degradation.crop``); LR-HS = the
    spatial degradation of the reference (plus HS noise, before or after decimation); HR-MS = SRF applied to the
    reference (then per-band max normalisation if the degradation says so, then MS noise).
    """
    d = get_preset(degradation)
    if ratio is not None:
        d = d.with_(ratio=int(ratio))
    if not torch.is_tensor(hs) or not hs.is_floating_point():
        raise TypeError("hs must be a floating-point torch tensor (B, C, H, W) or (C, H, W); convert with "
                        "torch.as_tensor(array).float() (numpy (H, W, C) arrays need .permute(2, 0, 1))")
    squeeze = hs.dim() == 3
    x = hs[None] if squeeze else hs
    if x.dim() != 4:
        raise ValueError(f"hs must have shape (B, C, H, W) or (C, H, W), got {tuple(hs.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError("hs has NaN or Inf values: fill or mask them before simulating")
    r = int(d.ratio)
    if ms is not None:
        m = ms[None] if ms.dim() == 3 else ms
        if m.shape[0] != x.shape[0] or m.shape[-2:] != x.shape[-2:]:
            raise ValueError(f"the real ms {tuple(ms.shape)} must match hs {tuple(hs.shape)} in batch and size")
    if d.crop is not None:
        x = crop_to_multiple(x, r, d.crop)
        if ms is not None:
            m = crop_to_multiple(m, r, d.crop)
    elif x.shape[-2] % r or x.shape[-1] % r:
        raise ValueError(f"hs size {tuple(x.shape[-2:])} is not a multiple of the ratio {r}: crop it or use a "
                         "degradation with crop='centre'")
    gen = None
    if seed is not None:
        gen = torch.Generator().manual_seed(int(seed))
    gt = x.double()

    lr = _spatial(gt, d, gen)
    if not (d.hs_noise_before_decimation and d.spatial == "blur_decimate"):
        lr = add_noise(lr, d.snr_hs, d.noise_mode, generator=gen)

    R = None
    if ms is not None:
        hr_ms = m.double().to(gt.device)
    else:
        source = srf if srf is not None else d.srf
        if source is None:
            raise ValueError(f"degradation {d.name!r} has no SRF: pass srf= (a name, an SRF or a matrix) or a real ms=")
        R = srf_matrix_for(source, gt.shape[1], hs_wavelengths, d.srf_bands if srf is None else None,
                           d.srf_normalise, srf_root)
        hr_ms = apply_srf(gt, R.to(gt.device))
        if d.ms_band_max_normalise:
            peak = hr_ms.amax((2, 3), keepdim=True)
            if (peak <= 0).any():
                raise ValueError("a simulated MS band has no positive value: cannot normalise it by its maximum")
            hr_ms = hr_ms / peak
        hr_ms = add_noise(hr_ms, d.snr_ms, d.noise_mode, generator=gen)

    out = {"hs": lr.to(hs.dtype), "ms": hr_ms.to(hs.dtype), "gt": gt.to(hs.dtype)}
    if squeeze:
        out = {k: v[0] for k, v in out.items()}
    out.update(srf=R, ratio=r, degradation=d)
    return out
