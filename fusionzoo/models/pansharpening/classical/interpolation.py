"""EXP: the MS image upsampled by the 23-tap interpolator; the reference every method must beat.

EXP injects no PAN detail at all.  It is the ``I_MS`` input of the pansharpening toolbox and the baseline row
of every published table.
"""

from __future__ import annotations

import torch

from ....builder import build_model
from ....ops.interp import interp23tap
from ....registry import ArchConfig, register_model
from ..base import PansharpeningModel

__all__ = ["EXP"]


# --- modules ---------------------------------------------------------------------------------------------
class EXP(PansharpeningModel):
    """Upsample the MS by ``ratio`` (2, 4 or 8) with the 23-tap interpolator; the PAN is only checked."""

    def __init__(self, ratio: int = 4, bands: int | None = None, sensor: str | None = None, **kwargs) -> None:
        """``sensor`` is accepted, like every classical method's, and unused: EXP needs no sensor facts."""
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        interp23tap(torch.zeros(1, 1, 1, 1), ratio)  # rejects ratios the interpolator cannot do, now

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        return interp23tap(ms, self.ratio)


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "exp": ArchConfig(
        task="pansharpening",
        paper="Aiazzi et al., 'Context-driven fusion of high spatial and spectral resolution images based on "
              "oversampled multiresolution analysis', IEEE TGRS 40(10), 2002 (23-tap interpolator)",
        summary="MS upsampled with the 23-tap interpolator (no PAN detail); the baseline of every table",
        classical=True,
        card="exp.md",
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def exp(pretrained: bool = False, **kwargs) -> EXP:
    """EXP: MS upsampled by the 23-tap interpolator (ratio 2, 4 or 8)."""
    return build_model(EXP, "exp", pretrained, **kwargs)
