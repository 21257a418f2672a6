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

from ..builder import build_model
from ..ops.interp import interp23tap
from ..registry import ArchConfig, register_model
from .base import PansharpeningModel, select_layers
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
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        return self.conv3(x)

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        lms = interp23tap(ms, self.ratio)
        return lms + self.network(torch.cat([lms, pan], dim=1))


# --- checkpoint mapping ----------------------------------------------------------------------------------
def checkpoint_filter_fn(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map a DLPan-Toolbox DiCNN1 ``state_dict`` (``conv1``..``conv3``, the same names here)."""
    return select_layers(state_dict, ("conv1", "conv2", "conv3"))


# --- configs ----------------------------------------------------------------------------------------------
DICNN_WEIGHTS = (
    # weights: wv23
    wald_weights(
        "dicnn", "wv23", epochs=40, best="epoch 39 of 40", lr="5e-4",
        sha256="523e8d935ca446e0f6cbf319f46d1de2e9c977b97a8047863a54a6d11520ecb6",
        num_params=46792,
        metrics={
            "wv3_cdif": {
                "reduced_resolution": {"Q2n": 0.8604, "SAM": 5.7248, "ERGAS": 5.0007, "SCC": 0.9341},
                "full_resolution": {"D_lambda": 0.1323, "D_s": 0.035, "HQNR": 0.8373},
            },
        },
    ),
    # weights: wv23 end
    # weights: vhr4
    wald_weights(
        "dicnn", "vhr4", epochs=40, best="epoch 39 of 40", lr="5e-4",
        sha256="e3edbe65d6d9fc8ae559b7f3b96487a0dcaa513bc2a4402f17bb0c36ccb98c14",
        num_params=42180,
        metrics={
            "qb_abfnet_test": {
                "reduced_resolution": {"Q2n": 0.8501, "SAM": 2.0613, "ERGAS": 1.3178, "SCC": 0.9595},
                "full_resolution": {"D_lambda": 0.1414, "D_s": 0.0749, "HQNR": 0.7944},
            },
            "pleiades_cdif": {
                "reduced_resolution": {"Q2n": 0.965, "SAM": 3.817, "ERGAS": 2.6756, "SCC": 0.9585},
                "full_resolution": {"D_lambda": 0.0183, "D_s": 0.0422, "HQNR": 0.9402},
            },
        },
    ),
    # weights: vhr4 end
)

default_cfgs = {
    "dicnn": ArchConfig(
        task="pansharpening",
        inputs=("ms", "pan"),
        paper="L. He, Y. Rao, J. Li, J. Chanussot, A. Plaza, J. Zhu, B. Li, 'Pansharpening via Detail Injection "
              "Based Convolutional Neural Networks', IEEE JSTARS 12(4):1188-1204, 2019",
        summary="3-layer CNN (3x3, width 64) on [upsampled MS, PAN]; details added to the upsampled MS",
        url="https://doi.org/10.1109/JSTARS.2019.2898574",
        band_layers={"conv1.weight": 1, "conv3.weight": 0, "conv3.bias": 0},
        card="dicnn.md",
        weights=DICNN_WEIGHTS,
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def dicnn(pretrained: bool = False, **kwargs) -> DiCNN:
    """DiCNN1 (He et al. 2019): three convolutions, details added to the upsampled MS."""
    return build_model(DiCNN, "dicnn", pretrained, **kwargs)
