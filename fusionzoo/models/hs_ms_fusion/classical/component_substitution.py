"""GSA-HS: adaptive Gram-Schmidt component substitution extended to HS-MS fusion (Yokoya toolbox).

The toolbox's ``GSA_wrapper.m`` turns HS-MS fusion into several pansharpening problems:

1. each MS band is shrunk to the HS grid (``imresize(..., 'bilinear')``, antialiased) and every HS band is
   assigned to the MS band it correlates best with (Pearson correlation over the LR pixels);
2. each MS band then sharpens its group of HS bands as the PAN of ``GSA.m`` (Aiazzi et al. 2007):

   - ``HSU = imresize(HS, ratio)`` (bicubic; the 23-tap interpolator is commented out in the toolbox),
   - the band means are removed from ``HSU`` and ``HS``; ``PAN0 = PAN - mean(PAN)`` shrunk to the HS grid
     with ``imresize`` (bicubic, antialiased),
   - ``alpha``: least squares of ``PAN0_LR`` on ``[HS0, 1]`` (global), ``I = [HSU0, 1] alpha``,
     ``I0 = I - mean(I)``,
   - gains ``g_k = cov(I0, HSU0_k) / var(I0)``,
   - ``F_k = HSU0_k + g_k (PAN - mean(PAN) - I0)``, then the mean of ``F_k`` is set to ``mean(HSU_k)``;

3. the toolbox's demo then applies its post-fusion denoising (:func:`.spectral_response.toolbox_denoise`),
   switchable here with ``denoise`` (default on, as in the demo).

An MS band to which no HS band is assigned sharpens nothing.  Regressions in float64; the loop runs over
images of the batch and MS bands (groups), never over pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ....builder import build_model
from ....ops import imresize
from ....registry import ArchConfig, register_model
from ..base import HSMSFusionModel
from .spectral_response import toolbox_denoise

__all__ = ["GSAHS", "band_groups"]

_F64 = torch.float64


def band_groups(hs: torch.Tensor, ms: torch.Tensor) -> torch.Tensor:
    """``GSA_wrapper``'s assignment: for each image, the index (0-based) of the MS band each HS band
    correlates best with, (B, C) long.  The MS is shrunk to the HS grid with bilinear ``imresize``.

    Ties go to the first MS band (MATLAB ``max``); undefined correlations (a constant band) count as
    ``-inf`` (MATLAB's ``max`` ignores NaN), so a constant HS band goes to MS band 0.
    """
    h, w = hs.shape[-2:]
    lr = imresize(ms.to(_F64), size=(h, w), method="bilinear").flatten(2)  # (B, c, N)
    x = hs.to(_F64).flatten(2)  # (B, C, N)
    lr = lr - lr.mean(-1, keepdim=True)
    x = x - x.mean(-1, keepdim=True)
    num = lr @ x.transpose(1, 2)  # (B, c, C)
    den = lr.norm(dim=-1)[:, :, None] * x.norm(dim=-1)[:, None, :]
    cc = num / den
    cc = torch.where(torch.isfinite(cc), cc, torch.full_like(cc, -torch.inf))
    return cc.argmax(dim=1)


def _gsa(hs: torch.Tensor, pan: torch.Tensor, ratio: int) -> torch.Tensor:
    """``GSA.m`` on one image: hs (K, h, w), pan (H, W), float64 -> (K, H, W)."""
    K, h, w = hs.shape
    hsu = imresize(hs, scale=ratio)  # (K, H, W), bicubic
    mu_u = hsu.mean(dim=(-2, -1), keepdim=True)
    hsu0 = hsu - mu_u
    hs0 = (hs - hs.mean(dim=(-2, -1), keepdim=True)).reshape(K, -1)  # (K, N)
    pan0 = pan - pan.mean()
    pan0_lr = imresize(pan0, size=(h, w)).reshape(-1)  # bicubic, antialiased
    # least squares of pan0_lr on [hs0, 1]: hs0's columns have zero mean, so the system separates into the
    # offset (the mean of pan0_lr) and a centred regression (minimum-norm when the bands are collinear)
    G = hs0 @ hs0.T
    rhs = hs0 @ (pan0_lr - pan0_lr.mean())
    alpha = torch.linalg.pinv(G, hermitian=True) @ rhs
    I = torch.einsum("k,khw->hw", alpha, hsu0)
    I0 = I - I.mean()  # the regression offset is a constant: it cancels here
    n = I0.numel()
    var_i = I0.pow(2).sum() / (n - 1)
    g = torch.einsum("hw,khw->k", I0, hsu0) / (n - 1) / var_i  # cov(I0, HSU0_k) / var(I0)
    delta = pan0 - I0
    out = hsu0 + g[:, None, None] * delta
    return out - out.mean(dim=(-2, -1), keepdim=True) + mu_u


# --- modules ---------------------------------------------------------------------------------------------
class GSAHS(HSMSFusionModel):
    """GSA-HS of the Yokoya toolbox (``GSA_wrapper`` + ``GSA``), then its denoising step if ``denoise``.

    Any band counts and any integer ratio (taken from the pair when ``ratio`` is None).  Computed in
    float64, returned in the HS's dtype.
    """

    inputs = ("hs", "ms")

    def __init__(self, ratio: int | None = None, denoise: bool = True, hs_bands: int | None = None,
                 ms_bands: int | None = None, wavelengths: Sequence[float] | None = None) -> None:
        super().__init__(hs_bands=hs_bands, ms_bands=ms_bands, ratio=ratio, wavelengths=wavelengths)
        self.denoise = bool(denoise)

    def fuse(self, hs: torch.Tensor, ms: torch.Tensor | None) -> torch.Tensor:
        r = ms.shape[-2] // hs.shape[-2]
        if hs.shape[-2] * hs.shape[-1] < 2:
            raise ValueError("GSA-HS needs an HS image of at least 2 pixels (it regresses over them)")
        hs64, ms64 = hs.to(_F64), ms.to(_F64)
        groups = band_groups(hs64, ms64)
        B, C = hs.shape[:2]
        out = torch.empty(B, C, *ms.shape[-2:], dtype=_F64, device=hs.device)
        for b in range(B):
            for j in range(ms.shape[1]):
                idx = (groups[b] == j).nonzero().flatten()
                if idx.numel() == 0:
                    continue
                out[b, idx] = _gsa(hs64[b, idx], ms64[b, j], r)
        if self.denoise:
            out = toolbox_denoise(out)
        return out.to(hs.dtype)


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "gsa_hs": ArchConfig(
        task="hs_ms_fusion",
        paper="B. Aiazzi, S. Baronti, M. Selva, 'Improving component substitution pansharpening through "
              "multivariate regression of MS+Pan data', IEEE TGRS 45(10), 2007; as adapted to HS-MS fusion in "
              "N. Yokoya, C. Grohnfeldt, J. Chanussot, 'Hyperspectral and multispectral data fusion: a "
              "comparative review of the recent literature', IEEE GRSM 5(2), 2017",
        summary="GSA per MS band on the HS bands it correlates best with, then the toolbox's denoising "
                "(Yokoya HSMSFusionToolbox)",
        url="https://doi.org/10.1109/MGRS.2016.2637824",
        classical=True,
        card="gsa_hs.md",
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def gsa_hs(pretrained: bool = False, **kwargs) -> GSAHS:
    """GSA-HS (Yokoya toolbox ``GSA_wrapper``), ``denoise=True`` as the toolbox's demo."""
    return build_model(GSAHS, "gsa_hs", pretrained, **kwargs)
