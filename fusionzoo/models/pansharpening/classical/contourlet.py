"""Contourlet pansharpening: adaptive PCA with contourlet detail substitution (Shah, Younan and King 2008).

V. P. Shah, N. H. Younan, R. L. King, "An efficient pan-sharpening method via a combined adaptive PCA approach
and contourlets", IEEE TGRS 46(5), 2008, on the contourlet transform of M. N. Do, M. Vetterli, IEEE TIP
14(12), 2005 (:mod:`fusionzoo.ops.contourlet`).  The MS upsampled to the PAN grid (23-tap interpolator, as the
other classical methods here) is decorrelated by PCA; instead of always the first component, *adaptive* PCA
takes the principal component most correlated with the PAN.  The PAN is histogram-matched (mean and standard
deviation) to that component, both are decomposed by the contourlet transform over ``log2(ratio)`` levels
(the scales the MS lacks), the component's directional detail subbands are replaced by the PAN's (or, with
``rule="max_abs"``, each coefficient by the larger in magnitude of the two), its coarse image is kept, and the
inverse contourlet and inverse PCA give the fused bands:

    fused = ms_up + v (PC_fused - PC),          v the selected eigenvector.

Shah et al. use the nonsubsampled contourlet (the default here, ``subsampled=False``); ``subsampled=True``
uses Do and Vetterli's decimated Laplacian pyramid.  Borders: symmetric extension by ``4 ratio`` pixels
before the transform.  No parameters; any band count, batched, CPU or GPU, float32 (float64 kept).  The model
card (``model_cards/contourlet.md``) lists what the paper leaves open and what we chose.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ....builder import build_model
from ....ops.contourlet import (
    _check_dfb_levels,
    contourlet_decompose,
    contourlet_reconstruct,
    laplacian_decompose,
    laplacian_reconstruct,
)
from ....ops.curvelet import symmetric_pad
from ....registry import ArchConfig, register_model
from ....sensors import Sensor
from .multiresolution import _MRA

__all__ = ["Contourlet", "adaptive_pca"]

RULES = ("substitute", "max_abs")


def _centred_stats(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and sample standard deviation of (B, C, H, W) per image and band."""
    mean = x.mean((-2, -1), keepdim=True)
    n = x.shape[-2] * x.shape[-1]
    return mean, ((x - mean) ** 2).sum((-2, -1), keepdim=True).div(max(n - 1, 1)).sqrt()


def adaptive_pca(ms_up: torch.Tensor, pan: torch.Tensor, adaptive: bool = True
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Principal components of ``ms_up`` (B, C, H, W) and the one to sharpen.

    Returns ``(v, pc, corr)``: the chosen eigenvector ``v`` (B, C), signed so that its component correlates
    positively with the PAN, the component ``pc = v^T (ms_up - mean)`` (B, 1, H, W), and the correlation of
    every component with the PAN (B, C), in ascending eigenvalue order.  ``adaptive=True`` (Shah et al.): the
    component with the largest absolute correlation with ``pan``; ``False``: the first (largest variance)
    component, as classical PCA.  Components of (numerically) zero variance are never chosen.
    """
    B, C, H, W = ms_up.shape
    xc = (ms_up - ms_up.mean((-2, -1), keepdim=True)).reshape(B, C, H * W)
    cov = xc @ xc.transpose(1, 2) / max(H * W - 1, 1)
    vals, vecs = torch.linalg.eigh(cov.double())          # ascending eigenvalues
    vecs = vecs.to(ms_up.dtype)
    pcs = vecs.transpose(1, 2) @ xc                        # (B, C, N)
    p = (pan - pan.mean((-2, -1), keepdim=True)).reshape(B, 1, H * W)
    num = (pcs * p).sum(-1)
    den = torch.sqrt((pcs * pcs).sum(-1) * (p * p).sum(-1))
    corr = torch.where(den > 0, num / torch.where(den > 0, den, torch.ones_like(den)), torch.zeros_like(num))
    alive = vals > vals[:, -1:].clamp(min=0) * (1e3 * torch.finfo(ms_up.dtype).eps)
    if adaptive:
        idx = torch.where(alive, corr.abs().double(), torch.full_like(vals, -1.0)).argmax(1)
    else:
        idx = torch.full((B,), C - 1, dtype=torch.long, device=ms_up.device)
    sign = torch.gather(corr, 1, idx[:, None]).sign()
    sign = torch.where(sign == 0, torch.ones_like(sign), sign)
    v = torch.gather(vecs, 2, idx[:, None, None].expand(B, C, 1))[..., 0] * sign
    pc = torch.einsum("bcn,bc->bn", xc, v).reshape(B, 1, H, W)
    return v, pc, corr


def _default_dfb_levels(levels: int) -> tuple[int, ...]:
    """8 directions at the finest level, one DFB level fewer per coarser level, at least 4 directions."""
    return tuple(max(2, 3 - (levels - 1 - j)) for j in range(levels))


class Contourlet(_MRA):
    """Adaptive-PCA contourlet pansharpening (Shah et al. 2008).

    ``dfb_levels``: DFB levels per pyramid level, coarsest first (``2^k`` directions each); its length is the
    number of pyramid levels, ``log2(ratio)`` by default, with 4 directions at the coarser levels and 8 at the
    finest.  ``subsampled``: Do and Vetterli's decimated pyramid instead of the nonsubsampled one.  ``rule``:
    ``"substitute"`` (the PAN's detail coefficients replace the component's) or ``"max_abs"`` (per
    coefficient, the larger magnitude).  ``adaptive``: pick the component most correlated with the PAN
    (``False``: the first principal component).
    """

    def __init__(self, ratio: int = 4, sensor: str | Sensor = "generic", dfb_levels: Sequence[int] | None = None,
                 subsampled: bool = False, rule: str = "substitute", adaptive: bool = True, **kwargs) -> None:
        super().__init__(ratio=ratio, sensor=sensor, **kwargs)
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}; choose one of {RULES}")
        if dfb_levels is None:
            dfb_levels = _default_dfb_levels(self.levels)
        self.dfb_levels = tuple(_check_dfb_levels(dfb_levels))
        self.subsampled = bool(subsampled)
        self.rule = rule
        self.adaptive = bool(adaptive)

    def extra_repr(self) -> str:
        return (f"{super().extra_repr()}, dfb_levels={self.dfb_levels}, subsampled={self.subsampled}, "
                f"rule={self.rule!r}, adaptive={self.adaptive}")

    def fuse_component(self, pc: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        """The sharpened component: contourlet coarse image of ``pc``, details of the matched ``pan``.

        With ``rule="substitute"`` every directional subband of a pyramid level is replaced, and the DFB
        reconstructs exactly, so the substitution is done on the pyramid's band-pass images (same result,
        without the DFB's transforms)."""
        m = 4 * self.ratio
        H, W = pc.shape[-2:]
        x = symmetric_pad(torch.cat([pc, pan], 1), m)
        if self.rule == "substitute":
            coarse, details = laplacian_decompose(x, len(self.dfb_levels), self.subsampled)
            out = laplacian_reconstruct(coarse[:, :1], [d[:, 1:] for d in details], self.subsampled)
        else:
            coarse, bands = contourlet_decompose(x, self.dfb_levels, self.subsampled)
            fused = [torch.where(b[:, 1:].abs() >= b[:, :1].abs(), b[:, 1:], b[:, :1]) for b in bands]
            out = contourlet_reconstruct(coarse[:, :1], fused, self.subsampled)
        return out[..., m:m + H, m:m + W]

    def fuse_up(self, ms_up, pan):
        v, pc, _ = adaptive_pca(ms_up, pan, self.adaptive)
        mean_p, std_p = _centred_stats(pan)
        _, std_c = _centred_stats(pc)
        tol = 64 * torch.finfo(pan.dtype).eps * mean_p.abs()
        gain = torch.where(std_p > tol, std_c / torch.where(std_p > tol, std_p, torch.ones_like(std_p)),
                           torch.zeros_like(std_p))
        matched = (pan - mean_p) * gain                     # the component has zero mean
        return ms_up + v[..., None, None] * (self.fuse_component(pc, matched) - pc)


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "contourlet": ArchConfig(
        task="pansharpening", inputs=("ms", "pan"), classical=True, card="contourlet.md",
        paper="V. P. Shah, N. H. Younan, R. L. King, 'An efficient pan-sharpening method via a combined adaptive "
              "PCA approach and contourlets', IEEE TGRS 46(5), 2008; contourlet: M. N. Do, M. Vetterli, 'The "
              "contourlet transform: an efficient directional multiresolution image representation', IEEE TIP "
              "14(12), 2005",
        summary="adaptive PCA: the component most correlated with the PAN gets the matched PAN's contourlet "
                "details"),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def contourlet(pretrained: bool = False, **kwargs) -> Contourlet:
    """Contourlet pansharpening (Shah et al. 2008): adaptive PCA, nonsubsampled contourlet detail substitution."""
    return build_model(Contourlet, "contourlet", pretrained, **kwargs)
