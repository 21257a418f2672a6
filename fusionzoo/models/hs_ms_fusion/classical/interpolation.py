"""Bicubic: the low-resolution HS upsampled by bicubic interpolation; the MS is only checked.

The trivial baseline of every HS-MS fusion table: a method that does not beat it on SAM and PSNR adds
nothing from the MS.  The default kernel is MATLAB's ``imresize(hs, ratio)`` (cubic convolution with
a = -0.5, the pixel-centre grid ``x = u / r + (1 - 1 / r) / 2``, symmetric borders), which is what the
Yokoya toolbox's GSA uses as its upsampled HS and what most published "bicubic" rows are.  ``kernel="torch"``
gives ``torch.nn.functional.interpolate(mode="bicubic", align_corners=False)`` instead (a = -0.75,
replicated borders): a different, slightly sharper interpolator.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ....builder import build_model
from ....ops import imresize
from ....registry import ArchConfig, register_model
from ..base import HSMSFusionModel

__all__ = ["Bicubic"]


# --- modules ---------------------------------------------------------------------------------------------
class Bicubic(HSMSFusionModel):
    """Upsample the HS by the ratio of the pair (or ``ratio``) with bicubic interpolation, ignoring the MS.

    ``kernel``: ``"matlab"`` (default, ``fusionzoo.ops.imresize``, a = -0.5, symmetric borders) or
    ``"torch"`` (``F.interpolate`` bicubic, a = -0.75, ``align_corners=False``).  The result keeps the
    HS's dtype; nothing is clipped (bicubic overshoots near edges).
    """

    inputs = ("hs", "ms")

    def __init__(self, ratio: int | None = None, kernel: str = "matlab", hs_bands: int | None = None,
                 ms_bands: int | None = None, wavelengths: Sequence[float] | None = None) -> None:
        super().__init__(hs_bands=hs_bands, ms_bands=ms_bands, ratio=ratio, wavelengths=wavelengths)
        if kernel not in ("matlab", "torch"):
            raise ValueError(f"kernel must be 'matlab' (imresize, a = -0.5) or 'torch' (F.interpolate, "
                             f"a = -0.75), got {kernel!r}")
        self.kernel = kernel

    def fuse(self, hs: torch.Tensor, ms: torch.Tensor | None) -> torch.Tensor:
        size = tuple(ms.shape[-2:])
        if self.kernel == "torch":
            return F.interpolate(hs, size=size, mode="bicubic", align_corners=False)
        r = size[0] // hs.shape[-2]
        return imresize(hs, scale=r)


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "bicubic": ArchConfig(
        task="hs_ms_fusion",
        paper="R. Keys, 'Cubic convolution interpolation for digital image processing', IEEE TASSP 29(6), "
              "1981 (MATLAB imresize bicubic, a = -0.5)",
        summary="LR-HS upsampled bicubically (MATLAB imresize); ignores the MS: the trivial baseline",
        url="https://doi.org/10.1109/TASSP.1981.1163711",
        classical=True,
        card="bicubic.md",
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def bicubic(pretrained: bool = False, **kwargs) -> Bicubic:
    """Bicubic upsampling of the HS (MATLAB ``imresize``; ``kernel="torch"`` for F.interpolate)."""
    return build_model(Bicubic, "bicubic", pretrained, **kwargs)
