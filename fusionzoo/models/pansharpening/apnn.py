"""A-PNN (PNN+): target-adaptive CNN-based pansharpening (Scarpa, Vitale, Cozzolino, IEEE TGRS 2018).

PNN with a residual output: three *valid* convolutions, 9x9/``w1``, 5x5/32 and 5x5/C, ReLU after the first
two, on the MS upsampled by the 23-tap interpolator stacked with the PAN, padded by replication ("edge") by
8 pixels; the result is added to the upsampled MS.  The paper uses ``w1 = 48`` (79,880 parameters for 8
bands); the DLPan-Toolbox checkpoints have 48 (WorldView-3) or 64 (QuickBird, WorldView-2, WorldView-4).

The paper's target-adaptive step (fine-tuning on the image to fuse, at reduced resolution, before fusing it)
is a training procedure, not part of the network; it is not run here.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...builder import build_model
from ...ops.interp import interp23tap
from ...registry import ArchConfig, register_model
from .base import FIRST_LAST_CONV_BANDS, PansharpeningModel, select_layers

__all__ = ["APNN", "checkpoint_filter_fn"]


# --- modules ---------------------------------------------------------------------------------------------
class APNN(PansharpeningModel):
    """A-PNN for ``bands`` MS bands at ``ratio`` (a power of two, as the 23-tap interpolator needs)."""

    margin = 8  # (9 - 1) / 2 + (5 - 1) / 2 + (5 - 1) / 2

    def __init__(self, bands: int = 8, ratio: int = 4, width: tuple[int, int] = (48, 32), **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        interp23tap(torch.zeros(1, 1, 1, 1), ratio)  # rejects ratios the interpolator cannot do, now
        c1, c2 = width
        self.conv1 = nn.Conv2d(bands + 1, c1, 9)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.conv3 = nn.Conv2d(c2, bands, 5)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        """The three valid convolutions: (B, C+1, H+16, W+16) -> (B, C, H, W), the residual."""
        x = F.relu(self.conv1(x), inplace=True)  # in place: the convolutions' outputs are not needed again
        x = F.relu(self.conv2(x), inplace=True)
        return self.conv3(x)

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        lms = interp23tap(ms, self.ratio)
        x = F.pad(torch.cat([lms, pan], dim=1), (self.margin,) * 4, mode="replicate")
        return self.network(x).add_(lms)


# --- checkpoint mapping ----------------------------------------------------------------------------------
def checkpoint_filter_fn(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map an A-PNN ``model_state`` (DLPan-Toolbox ``*_PNNplus_model.pth.tar``: keys ``conv1``..``conv3``, the
    same names here).  Pass the ``model_state`` entry, or the whole checkpoint dict holding it."""
    if "model_state" in state_dict and isinstance(state_dict["model_state"], dict):
        state_dict = state_dict["model_state"]
    return select_layers(state_dict, ("conv1", "conv2", "conv3"))


# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "apnn": ArchConfig(
        task="pansharpening",
        paper="G. Scarpa, S. Vitale, D. Cozzolino, 'Target-Adaptive CNN-Based Pansharpening', IEEE TGRS "
              "56(9):5443-5457, 2018",
        summary="PNN+: PNN (9x9/48, 5x5/32, 5x5/C, valid) predicting a residual on the upsampled MS",
        url="https://arxiv.org/abs/1709.06054",
        band_layers=FIRST_LAST_CONV_BANDS,
        card="apnn.md",
        weights=(),
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def apnn(pretrained: bool = False, **kwargs) -> APNN:
    """A-PNN / PNN+ (Scarpa et al. 2018): PNN with a residual on the upsampled MS."""
    return build_model(APNN, "apnn", pretrained, **kwargs)
