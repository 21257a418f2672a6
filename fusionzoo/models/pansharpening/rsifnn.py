"""RSIFNN: remote sensing image fusion with a two-stream deep CNN (Z. Shao, J. Cai, IEEE JSTARS 11(5), 2018).

Two streams of 3x3 "same" convolutions with ReLU: a shallow spectral stream on the MS upsampled by the 23-tap
interpolator (C -> 64 -> 32) and a deep spatial stream on the PAN (1 -> 64, six 64 -> 64, 64 -> 32); their
feature maps are concatenated (32 + 32 = 64 channels) and one 3x3 convolution (64 -> C) gives the residual
added to the upsampled MS.  268,424 parameters for 8 bands (263,812 for 4).  The paper's text was not
available to us: the layer layout follows a public re-implementation (see ``model_cards/rsifnn.md``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...builder import build_model
from ...ops.interp import interp23tap
from ...registry import ArchConfig, register_model
from .base import PansharpeningModel
from .wald_weights import wald_weights

__all__ = ["RSIFNN"]


# --- modules ---------------------------------------------------------------------------------------------
def _conv(cin: int, cout: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, padding=1)


class RSIFNN(PansharpeningModel):
    """RSIFNN for ``bands`` MS bands at ``ratio`` (a power of two, as the 23-tap interpolator needs).

    ``width`` is the width of the hidden layers of both streams, ``stream_out`` the width of each stream's
    last layer, ``pan_depth`` the number of convolutions of the PAN stream (at least 2)."""

    def __init__(self, bands: int = 8, ratio: int = 4, width: int = 64, stream_out: int = 32, pan_depth: int = 8,
                 **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        if pan_depth < 2:
            raise ValueError(f"pan_depth must be at least 2 (first and last PAN convolutions), got {pan_depth}")
        interp23tap(torch.zeros(1, 1, 1, 1), ratio)  # rejects ratios the interpolator cannot do, now
        self.ms_stream = nn.ModuleList([_conv(bands, width), _conv(width, stream_out)])
        pan = [_conv(1, width)] + [_conv(width, width) for _ in range(pan_depth - 2)] + [_conv(width, stream_out)]
        self.pan_stream = nn.ModuleList(pan)
        self.fusion = _conv(2 * stream_out, bands)

    @staticmethod
    def _stream(layers: nn.ModuleList, x: torch.Tensor) -> torch.Tensor:
        for conv in layers:
            x = F.relu(conv(x))
        return x

    def network(self, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        """The residual: upsampled MS (B, C, H, W) and PAN (B, 1, H, W) -> (B, C, H, W)."""
        feats = torch.cat([self._stream(self.ms_stream, lms), self._stream(self.pan_stream, pan)], dim=1)
        return self.fusion(feats)

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        lms = interp23tap(ms, self.ratio)
        return lms + self.network(lms, pan)


# --- checkpoint mapping ----------------------------------------------------------------------------------
# None: the authors published no code or checkpoints.


# --- configs ----------------------------------------------------------------------------------------------
RSIFNN_WEIGHTS = tuple(wald_weights("rsifnn", tag) for tag in ("wv23", "vhr4"))

default_cfgs = {
    "rsifnn": ArchConfig(
        task="pansharpening",
        paper="Z. Shao, J. Cai, 'Remote Sensing Image Fusion With Deep Convolutional Neural Network', IEEE JSTARS "
              "11(5):1656-1669, 2018",
        summary="two-stream CNN (2 convolutions on the upsampled MS, 8 on the PAN, 3x3), concatenated features, "
                "one convolution gives the residual added to the upsampled MS",
        url="https://doi.org/10.1109/JSTARS.2018.2805923",
        band_layers={"ms_stream.0.weight": 1, "fusion.weight": 0, "fusion.bias": 0},
        card="rsifnn.md",
        weights=RSIFNN_WEIGHTS,
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def rsifnn(pretrained: bool = False, **kwargs) -> RSIFNN:
    """RSIFNN (Shao and Cai 2018): MS and PAN streams, concatenated, residual added to the upsampled MS."""
    return build_model(RSIFNN, "rsifnn", pretrained, **kwargs)
