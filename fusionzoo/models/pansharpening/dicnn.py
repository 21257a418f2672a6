"""DiCNN: pansharpening via detail injection based convolutional neural networks (He, Rao, Li, Chanussot,
Plaza, Zhu, Li, IEEE JSTARS 2019), the DiCNN1 variant.

Three 3x3 "same" convolutions (C+1 -> 64 -> 64 -> C, ReLU after the first two) on the MS upsampled by the
23-tap interpolator stacked with the PAN; the output is added to the upsampled MS.  46,792 parameters for 8
bands.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...builder import build_model
from ...ops.interp import interp23tap
from ...registry import ArchConfig, register_model
from .base import FIRST_LAST_CONV_BANDS, PansharpeningModel, select_layers
from .wald_weights import wald_weights

__all__ = ["DiCNN", "checkpoint_filter_fn"]


# --- modules ---------------------------------------------------------------------------------------------
class DiCNN(PansharpeningModel):
    """DiCNN1 for ``bands`` MS bands at ``ratio`` (a power of two, as the 23-tap interpolator needs)."""

    def __init__(self, bands: int = 8, ratio: int = 4, width: int = 64, **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        interp23tap(torch.zeros(1, 1, 1, 1), ratio)  # rejects ratios the interpolator cannot do, now
        self.conv1 = nn.Conv2d(bands + 1, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)
        self.conv3 = nn.Conv2d(width, bands, 3, padding=1)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        """The details: (B, C+1, H, W) [upsampled MS, PAN] -> (B, C, H, W)."""
        x = F.relu(self.conv1(x), inplace=True)  # in place: the convolutions' outputs are not needed again
        x = F.relu(self.conv2(x), inplace=True)
        return self.conv3(x)

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        lms = interp23tap(ms, self.ratio)
        return self.network(torch.cat([lms, pan], dim=1)).add_(lms)


# --- checkpoint mapping ----------------------------------------------------------------------------------
def checkpoint_filter_fn(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map a DLPan-Toolbox DiCNN1 ``state_dict`` (``conv1``..``conv3``, the same names here)."""
    return select_layers(state_dict, ("conv1", "conv2", "conv3"))


# --- configs ----------------------------------------------------------------------------------------------
DICNN_WEIGHTS = tuple(wald_weights("dicnn", tag) for tag in ("wv23", "vhr4"))

default_cfgs = {
    "dicnn": ArchConfig(
        task="pansharpening",
        paper="L. He, Y. Rao, J. Li, J. Chanussot, A. Plaza, J. Zhu, B. Li, 'Pansharpening via Detail Injection "
              "Based Convolutional Neural Networks', IEEE JSTARS 12(4):1188-1204, 2019",
        summary="3-layer CNN (3x3, width 64) on [upsampled MS, PAN]; details added to the upsampled MS",
        url="https://doi.org/10.1109/JSTARS.2019.2898574",
        band_layers=FIRST_LAST_CONV_BANDS,
        card="dicnn.md",
        weights=DICNN_WEIGHTS,
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def dicnn(pretrained: bool = False, **kwargs) -> DiCNN:
    """DiCNN1 (He et al. 2019): three convolutions, details added to the upsampled MS."""
    return build_model(DiCNN, "dicnn", pretrained, **kwargs)
