"""FusionNet: detail injection-based deep convolutional neural networks for pansharpening (Deng, Vivone,
Jin, Chanussot, IEEE TGRS 2021).

The input is the difference between the PAN repeated over the C bands and the MS upsampled by the 23-tap
interpolator; a 3x3 convolution (C -> 32) + ReLU, four residual blocks ``x + conv(ReLU(conv(x)))`` and a 3x3
convolution back to C bands give the details, added to the upsampled MS.  78,632 parameters for 8 bands.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...builder import build_model
from ...ops.interp import interp23tap
from ...registry import ArchConfig, register_model
from ..layers import ResBlock
from .base import PansharpeningModel

__all__ = ["FusionNet", "ResBlock", "checkpoint_filter_fn"]


# --- modules ---------------------------------------------------------------------------------------------
class FusionNet(PansharpeningModel):
    """FusionNet for ``bands`` MS bands at ``ratio`` (a power of two, as the 23-tap interpolator needs)."""

    def __init__(self, bands: int = 8, ratio: int = 4, width: int = 32, num_blocks: int = 4, **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        interp23tap(torch.zeros(1, 1, 1, 1), ratio)  # rejects ratios the interpolator cannot do, now
        self.conv1 = nn.Conv2d(bands, width, 3, padding=1)
        self.blocks = nn.Sequential(*(ResBlock(width) for _ in range(num_blocks)))
        self.conv3 = nn.Conv2d(width, bands, 3, padding=1)

    def network(self, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        """The details: upsampled MS (B, C, H, W) and PAN (B, 1, H, W) -> (B, C, H, W)."""
        x = F.relu(self.conv1(pan.expand_as(lms) - lms), inplace=True)
        return self.conv3(self.blocks(x))

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        lms = interp23tap(ms, self.ratio)
        return self.network(lms, pan).add_(lms)


# --- checkpoint mapping ----------------------------------------------------------------------------------
def checkpoint_filter_fn(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map a DLPan-Toolbox FusionNet ``state_dict``: ``res<i>.conv20`` / ``conv21`` -> ``blocks.<i-1>.conv1``
    / ``conv2``; ``conv1`` and ``conv3`` keep their names; the duplicated ``backbone.*`` aliases are dropped."""
    out = {}
    for k, v in state_dict.items():
        k = k.removeprefix("module.")
        parts = k.split(".")
        if parts[0].startswith("res") and parts[0][3:].isdigit() and len(parts) == 3:
            sub = {"conv20": "conv1", "conv21": "conv2"}.get(parts[1])
            if sub is not None:
                out[f"blocks.{int(parts[0][3:]) - 1}.{sub}.{parts[2]}"] = v
        elif parts[0] in ("conv1", "conv3"):
            out[k] = v
    return out


# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "fusionnet": ArchConfig(
        task="pansharpening",
        paper="L.-J. Deng, G. Vivone, C. Jin, J. Chanussot, 'Detail Injection-Based Deep Convolutional Neural "
              "Networks for Pansharpening', IEEE TGRS 59(8):6995-7010, 2021",
        summary="ResNet (4 blocks, width 32) on PAN minus upsampled MS; details added to the upsampled MS",
        url="https://doi.org/10.1109/TGRS.2020.3031366",
        band_layers={"conv1.weight": 1, "conv3.weight": 0, "conv3.bias": 0},
        card="fusionnet.md",
        weights=(),
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def fusionnet(pretrained: bool = False, **kwargs) -> FusionNet:
    """FusionNet (Deng et al. 2021): residual network on PAN - upsampled MS, added to the upsampled MS."""
    return build_model(FusionNet, "fusionnet", pretrained, **kwargs)
