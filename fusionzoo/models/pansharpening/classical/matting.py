"""Matting-model pansharpening: X. Kang, S. Li, J. A. Benediktsson, "Pansharpening with matting model", IEEE TGRS
52(8), 5088-5099, 2014 (early access October 2013, doi 10.1109/TGRS.2013.2286827).

The MS image is read as a composite of an alpha channel and two spectral images, band by band:

    MS_k = alpha * F_k + (1 - alpha) * B_k,

with alpha the intensity of the MS (here the band mean, min-max normalised to [0, 1]).  Given alpha, the spectral
foreground F and background B are estimated at the MS resolution with the closed-form matting's
foreground/background solver (A. Levin, D. Lischinski, Y. Weiss, "A closed-form solution to natural image
matting", IEEE TPAMI 30(2), 2008, Sec. 7, as in its authors' ``solveFB.m``): a sparse least-squares problem whose
terms are the composition above, smoothness of F and B along the four neighbour directions weighted by the
alpha gradient, and weak priors that pin B (F) to the image where alpha is near 0 (1).  F and B are smooth, so
they are upsampled (``interp23tap``) and recomposed with the PAN, matched to alpha by mean and standard
deviation, as the new alpha:

    fused_k = P' F_k + (1 - P') B_k,

a component substitution whose injection gain is ``F_k - B_k``: ``fused_k - comp_k = (P' - alpha_up)(F_k - B_k)``
with ``comp_k = alpha_up F_k + (1 - alpha_up) B_k`` the upsampled MS composite.

The linear system is solved exactly (sparse LU, SciPy, on the CPU), one factorisation per image for all bands.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spl
import torch

from ....builder import build_model
from ....ops import interp23tap
from ....ops.common import power_of_two_levels
from ....registry import ArchConfig, register_model
from ....sensors import Sensor, get_sensor, is_generic
from ..base import PansharpeningModel

__all__ = ["Matting", "solve_foreground_background"]

_F64 = torch.float64
#: ``solveFB``'s constants: alpha margin of the "known" pixels, prior weights, gradient-weight floor
_MARGIN = 0.02
_RIDGE = 1e-10  # ours: makes the system definite where alpha is constant (F = c, B = -c directions)


def _edges(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel pairs (first, second) of the horizontal, vertical, diagonal and anti-diagonal neighbours (flat
    row-major indices); the gradient of x along an edge is ``x[second] - x[first]``."""
    idx = np.arange(h * w).reshape(h, w)
    first = [idx[:, :-1], idx[:-1, :], idx[:-1, :-1], idx[:-1, 1:]]
    second = [idx[:, 1:], idx[1:, :], idx[1:, 1:], idx[1:, :-1]]
    return np.concatenate([a.ravel() for a in first]), np.concatenate([b.ravel() for b in second])


def _prior_weights(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``solveFB``'s colour priors for the image whose opacity is ``a``: weight and whether its target is the
    observed image (else 0)."""
    wgt = (a < _MARGIN) * 100.0 + 0.03 * (1.0 - a) * (a < 0.3) + 0.01 * (a > 1.0 - _MARGIN)
    return wgt, a < 1.0 - _MARGIN


def solve_foreground_background(image: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Foreground and background of ``image`` (C, h, w) given its ``alpha`` (h, w) in [0, 1] (Levin et al. 2008,
    Sec. 7, the terms of their ``solveFB.m``).  Minimises, for every band at once (one factorisation),

        |alpha F + (1 - alpha) B - I|^2 + |w_F (D F)|^2 + |w_B (D B)|^2 + |p_F (F - t_F)|^2 + |p_B (B - t_B)|^2

    over the neighbour differences D (4 directions, only where one end is not "known", i.e. alpha in
    [0.02, 0.98] there), with ``w = |D alpha|^(1/2) + 0.003 (1 - alpha)`` (F) / ``0.003 alpha`` (B) at the second
    pixel, and the priors of :func:`_prior_weights` (B pinned to I where alpha < 0.3, F where alpha > 0.7).
    Returns (F, B), float64, same shape as ``image``."""
    C, h, w = image.shape
    n = h * w
    a = alpha.astype(np.float64).ravel()
    known = (a < _MARGIN) | (a > 1.0 - _MARGIN)
    i, j = _edges(h, w)
    keep = ~(known[i] & known[j])
    i, j = i[keep], j[keep]
    m = len(i)
    D = sp.csr_matrix((np.r_[-np.ones(m), np.ones(m)], (np.r_[np.arange(m), np.arange(m)], np.r_[i, j])),
                      shape=(m, n))
    g = np.sqrt(np.abs(a[j] - a[i]))
    wf, wb = g + 0.003 * (1.0 - a[j]), g + 0.003 * a[j]
    pf, tf = _prior_weights(1.0 - a)
    pb, tb = _prior_weights(a)
    Sf = D.T @ sp.diags(wf * wf) @ D
    Sb = D.T @ sp.diags(wb * wb) @ D
    A = sp.bmat([[sp.diags(a * a + pf * pf + _RIDGE) + Sf, sp.diags(a * (1.0 - a))],
                 [sp.diags(a * (1.0 - a)), sp.diags((1.0 - a) ** 2 + pb * pb + _RIDGE) + Sb]], format="csc")
    x = image.reshape(C, n).astype(np.float64).T  # (n, C)
    rhs = np.vstack([a[:, None] * x + (pf * pf * tf)[:, None] * x, (1.0 - a)[:, None] * x + (pb * pb * tb)[:, None] * x])
    sol = spl.splu(A).solve(rhs)
    return sol[:n].T.reshape(C, h, w), sol[n:].T.reshape(C, h, w)


# ---------------------------------------------------------------------------------------------- modules
class Matting(PansharpeningModel):
    """Pansharpening with the matting model (Kang, Li, Benediktsson 2014).

    ``alpha = (I - min I) / (max I - min I)`` with ``I`` the mean of the MS bands (the intensity; the min-max
    normalisation is ours: the matting model needs an opacity in [0, 1], and it makes the method independent
    of the data scale); F and B from :func:`solve_foreground_background` on the MS; the PAN matched to the
    upsampled alpha by mean and standard deviation (``P'``); ``fused = P' F_up + (1 - P') B_up``, F and B
    upsampled by ``interp23tap``.  ``sensor`` is accepted and unused (every classical method takes it)."""

    def __init__(self, ratio: int = 4, bands: int | None = None, sensor: str | Sensor | None = None,
                 **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        power_of_two_levels(self.ratio, "the matting model", "F and B are upsampled by interp23tap")
        if not is_generic(sensor):
            get_sensor(sensor)  # unknown names raise here
        self.sensor = sensor

    def extra_repr(self) -> str:
        return f"ratio={self.ratio}"

    @staticmethod
    def alpha(ms: torch.Tensor) -> torch.Tensor:
        """The alpha channel of the MS (B, C, h, w) -> (B, 1, h, w): the band mean, min-max normalised (0.5 where
        the intensity is constant)."""
        i = ms.mean(1, keepdim=True)
        lo = i.amin((2, 3), keepdim=True)
        span = i.amax((2, 3), keepdim=True) - lo
        return torch.where(span > 0, (i - lo) / torch.where(span > 0, span, torch.ones_like(span)),
                           torch.full_like(i, 0.5))

    def decompose(self, ms: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(alpha, F, B) of the MS at its own resolution, float64."""
        ms = ms.to(_F64)
        alpha = self.alpha(ms)
        fs, bs = [], []
        for b in range(ms.shape[0]):
            f, bg = solve_foreground_background(ms[b].cpu().numpy(), alpha[b, 0].cpu().numpy())
            fs.append(torch.from_numpy(f))
            bs.append(torch.from_numpy(bg))
        return alpha, torch.stack(fs).to(ms.device), torch.stack(bs).to(ms.device)

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        dtype = ms.dtype
        alpha, F, B = self.decompose(ms)
        r = self.ratio
        a_up, F_up, B_up = interp23tap(alpha, r), interp23tap(F, r), interp23tap(B, r)
        p = pan.to(_F64)
        sd_p = p.std((2, 3), keepdim=True)
        gain = torch.where(sd_p > 0, a_up.std((2, 3), keepdim=True) / torch.where(sd_p > 0, sd_p, torch.ones_like(sd_p)),
                           torch.zeros_like(sd_p))
        p = (p - p.mean((2, 3), keepdim=True)) * gain + a_up.mean((2, 3), keepdim=True)
        return (p * F_up + (1.0 - p) * B_up).to(dtype)


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "matting": ArchConfig(
        task="pansharpening", inputs=("ms", "pan"), classical=True, card="matting.md",
        paper="X. Kang, S. Li, J. A. Benediktsson, 'Pansharpening with matting model', IEEE TGRS 52(8), 2014",
        summary="matting model: MS = alpha F + (1 - alpha) B with the MS intensity as alpha, F and B by Levin's "
                "closed-form solver, recomposed with the PAN as the new alpha (CS)"),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def matting(pretrained: bool = False, **kwargs) -> Matting:
    """Matting-model pansharpening (Kang et al. 2014); any number of bands, ``ratio`` a power of two."""
    return build_model(Matting, "matting", pretrained, **kwargs)
