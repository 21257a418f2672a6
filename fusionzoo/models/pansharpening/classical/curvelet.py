"""Curvelet pansharpening: the PAN's fine-scale curvelet coefficients, times a gain, replace each MS band's.

After F. Nencini, A. Garzelli, S. Baronti, L. Alparone, "Remote sensing image fusion using the curvelet
transform", Information Fusion 8(2), 2007, with the curvelet transform of J. Ma, G. Plonka, "The curvelet
transform", IEEE SPM 27(2), 2010 (:mod:`fusionzoo.ops.curvelet`: undecimated, real, tight frame).  The MS is
upsampled to the PAN grid (23-tap interpolator); each band and the PAN are decomposed over ``levels`` detail
scales.  The ``log2(ratio)`` finest scales (those the MS lacks) of band ``b`` become the PAN's coefficients
times a gain, the rest of the band's coefficients (coarser scales and low-pass: its approximation at the MS
scale) are kept, and the inverse transform gives the fused band:

    c_fused[b, k, l] = alpha[b, (l)] * c_pan[k, l]   (k <= log2(ratio)),     c_fused[b, k, l] = c_ms[b, k, l] else.

Gains (``gain=``): ``"approximation"`` (default), Nencini et al.'s injection model -- the ratio of the standard
deviations of the MS band's and the PAN's approximations at the MS scale -- taken over the whole image (they
compute it in local windows); ``"directional"``, one gain per band and direction, the same ratio measured on
the wedges of the first scale coarser than the injected ones and carried to the finer wedges of the same
orientation.  With a global gain per band the injection is linear, so the result equals a substitution of
the PAN's Meyer-filtered fine scales (the directional split cancels); it is the directional gains, or a
nonlinear rule, that make the directions act (the card compares both).  The transform is applied through its
windows in the DFT domain, ``F_b = X_b (1 - sum_inj W^2) + X_pan sum_inj alpha W^2``, equal to decomposing,
substituting and reconstructing (tight frame); the standard deviations come from the same spectra
(Parseval).  Borders: symmetric extension by ``8 ratio`` pixels before the DFT (the statistics include that
margin).  No parameters; any band count, batched, CPU or GPU, float32 (float64 kept).
"""

from __future__ import annotations

import torch

from ....builder import build_model
from ....ops.curvelet import (
    _half,
    curvelet_angles,
    curvelet_angular_windows,
    curvelet_radial_windows,
    symmetric_pad,
)
from ....registry import ArchConfig, register_model
from ....sensors import Sensor
from .multiresolution import _MRA

__all__ = ["GAINS", "Curvelet", "interpolate_gains"]


def interpolate_gains(gains: torch.Tensor, count: int) -> torch.Tensor:
    """Gains (..., L) of wedges centred at ``m pi / L`` read at ``count`` wedges centred at ``l pi / count``
    (a multiple of ``L``): linear interpolation in angle, periodic over pi."""
    L = gains.shape[-1]
    if count % L:
        raise ValueError(f"{count} wedges do not refine {L}")
    pos = torch.arange(count, dtype=gains.dtype, device=gains.device) * (L / count)
    lo = pos.floor().long()
    frac = pos - lo
    return gains[..., lo % L] * (1 - frac) + gains[..., (lo + 1) % L] * frac


GAINS = ("approximation", "directional")


def _half_weights(shape: tuple[int, int], X: torch.Tensor) -> torch.Tensor:
    """Weights of an ``rfft2`` half spectrum in a full-spectrum sum (columns other than 0 and Nyquist twice)."""
    w = torch.full((X.shape[-1],), 2.0, dtype=X.real.dtype, device=X.device)
    w[0] = 1.0
    if shape[1] % 2 == 0:
        w[-1] = 1.0
    return w


def _std_ratio(energy: torch.Tensor, C: int) -> torch.Tensor:
    """``sqrt(E_band / E_pan)`` from energies (B, C + 1, ...) of zero-mean images, 0 where the PAN's is nil."""
    e_ms, e_pan = energy[:, :C], energy[:, C:]
    pan_total = e_pan.flatten(1).sum(1).view(-1, *[1] * (energy.dim() - 1))
    tol = (64 * torch.finfo(energy.dtype).eps) ** 2 * pan_total
    ok = e_pan > tol
    return torch.where(ok, e_ms / torch.where(ok, e_pan, torch.ones_like(e_pan)), torch.zeros_like(e_ms)).sqrt()


class Curvelet(_MRA):
    """Curvelet detail substitution (after Nencini et al. 2007).

    ``gain``: ``"approximation"`` (default): one gain per band, the ratio of the standard deviations of the
    band's and the PAN's curvelet approximations at the MS scale (what survives the injected scales, mean
    removed), Nencini et al.'s injection model taken globally; ``"directional"``: one gain per band and
    direction, the ratio of the standard deviations of the band's and the PAN's wedges at the first scale
    coarser than the injected ones, carried to the finer scales (the nearest two reference wedges
    interpolated).  ``levels``: detail scales (at least ``log2(ratio) + 1``, default that; only the
    directional gains use more than the injected ones).  ``angles``: wedges at the coarsest detail scale,
    doubling every second scale towards the finest.
    """

    def __init__(self, ratio: int = 4, sensor: str | Sensor = "generic", levels: int | None = None,
                 angles: int = 8, gain: str = "approximation", **kwargs) -> None:
        super().__init__(ratio=ratio, sensor=sensor, **kwargs)
        need = self.levels + 1
        levels = need if levels is None else levels
        if int(levels) != levels or levels < need:
            raise ValueError(f"levels must be an integer >= log2(ratio) + 1 = {need} (the injected scales and "
                             f"one reference scale), got {levels}")
        if int(angles) != angles or angles < 1:
            raise ValueError(f"angles must be an integer >= 1, got {angles}")
        if gain not in GAINS:
            raise ValueError(f"unknown gain {gain!r}; choose one of {GAINS}")
        self.scales = int(levels)
        self.angles = int(angles)
        self.gain = gain

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, levels={self.scales}, angles={self.angles}, gain={self.gain!r}"

    def fuse_up(self, ms_up, pan):
        C, (H, W) = ms_up.shape[1], ms_up.shape[-2:]
        m = 8 * self.ratio
        x = symmetric_pad(torch.cat([ms_up, pan], 1), m)
        shape = tuple(x.shape[-2:])
        X = torch.fft.rfft2(x)
        power = (X.real ** 2 + X.imag ** 2) * _half_weights(shape, X)   # Parseval: energies from the spectrum
        counts = curvelet_angles(self.scales, self.angles)
        radial = _half(curvelet_radial_windows(shape, self.scales, x.dtype, x.device), shape[1])
        first = self.scales - self.levels               # first injected scale (detail scales coarsest first)
        keep = 1.0 - (radial[first + 1:] ** 2).sum(0)   # squared windows of everything not injected
        if self.gain == "approximation":
            approx = keep.clone()
            approx[0, 0] = 0.0                          # mean removed
            alpha = _std_ratio((power * approx).sum((-2, -1)), C)[..., None]         # (B, C, 1)
        else:
            ref = _half(curvelet_angular_windows(shape, counts[first - 1], x.dtype, x.device), shape[1])
            w2 = (radial[first] * ref) ** 2             # the reference scale's wedges (zero at DC)
            alpha = _std_ratio(torch.einsum("bchw,lhw->bcl", power, w2), C)          # (B, C, L_ref)
        inj = torch.zeros_like(X[:, :C].real)
        for i in range(first, self.scales):
            v2 = _half(curvelet_angular_windows(shape, counts[i], x.dtype, x.device), shape[1]) ** 2
            g = alpha.expand(-1, -1, counts[i]) if alpha.shape[-1] == 1 else interpolate_gains(alpha, counts[i])
            inj = inj + radial[i + 1] ** 2 * torch.einsum("bcl,lhw->bchw", g, v2)
        fused = X[:, :C] * keep + X[:, C:] * inj
        return torch.fft.irfft2(fused, s=shape)[..., m:m + H, m:m + W]


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "curvelet": ArchConfig(
        task="pansharpening", inputs=("ms", "pan"), classical=True, card="curvelet.md",
        paper="F. Nencini, A. Garzelli, S. Baronti, L. Alparone, 'Remote sensing image fusion using the curvelet "
              "transform', Information Fusion 8(2), 2007; curvelet transform: J. Ma, G. Plonka, 'The curvelet "
              "transform', IEEE Signal Processing Magazine 27(2), 2010",
        summary="the PAN's fine-scale curvelet coefficients, with per-direction inter-scale gains, replace the "
                "MS's"),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def curvelet(pretrained: bool = False, **kwargs) -> Curvelet:
    """Curvelet pansharpening (after Nencini et al. 2007): per-direction gains, fine-scale substitution."""
    return build_model(Curvelet, "curvelet", pretrained, **kwargs)

