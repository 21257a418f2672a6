"""PanNet: a deep network architecture for pan-sharpening (Yang, Fu, Hu, Huang, Ding, Paisley, ICCV 2017).

PanNet works on high-pass inputs: each image minus its 5x5 mean (a normalised box filter with
reflect-101 borders, ``cv2.boxFilter`` / ``np.pad(mode='reflect')``), the MS at its own low resolution.  The
high-passed MS is upsampled by a learned transposed convolution (kernel ``2 * ratio``, stride ``ratio``,
padding ``ratio / 2``), stacked with the high-passed PAN, and goes through a 3x3 convolution + ReLU, four
residual blocks ``x + conv(ReLU(conv(x)))`` (no ReLU after the sum) and a last 3x3 convolution; the result is
added to the MS upsampled by the 23-tap interpolator.  83,024 parameters for 8 bands.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...builder import build_model
from ...ops.common import power_of_two_levels
from ...ops.interp import interp23tap
from ...registry import ArchConfig, register_model
from ..layers import ResBlock
from .base import PansharpeningModel
from .wald_weights import wald_weights

__all__ = ["PanNet", "ResBlock", "high_pass", "checkpoint_filter_fn"]


def high_pass(x: torch.Tensor, size: int = 5) -> torch.Tensor:
    """``x`` minus its ``size`` x ``size`` mean, reflect-101 borders (the reference's ``cv2.boxFilter``)."""
    r = size // 2
    if min(x.shape[-2:]) <= r:
        raise ValueError(f"the {size}x{size} high-pass filter needs images of at least {r + 1}x{r + 1} pixels, "
                         f"got {x.shape[-2]}x{x.shape[-1]}")
    return x - F.avg_pool2d(F.pad(x, (r, r, r, r), mode="reflect"), size, stride=1)


# --- modules ---------------------------------------------------------------------------------------------
class PanNet(PansharpeningModel):
    """PanNet for ``bands`` MS bands at ``ratio`` (a power of two >= 2: the transposed convolution needs an
    even ratio and the 23-tap interpolator a power of two)."""

    def __init__(self, bands: int = 8, ratio: int = 4, width: int = 32, num_blocks: int = 4, **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        power_of_two_levels(ratio, "PanNet", "its transposed convolution has stride = ratio and padding = ratio / 2")
        self.deconv = nn.ConvTranspose2d(bands, bands, 2 * ratio, stride=ratio, padding=ratio // 2)
        self.conv1 = nn.Conv2d(bands + 1, width, 3, padding=1)
        self.blocks = nn.Sequential(*(ResBlock(width) for _ in range(num_blocks)))
        self.conv3 = nn.Conv2d(width, bands, 3, padding=1)

    def network(self, ms_hp: torch.Tensor, pan_hp: torch.Tensor) -> torch.Tensor:
        """The detail the network adds: high-passed MS (low resolution) and PAN -> (B, C, H, W)."""
        x = torch.cat([self.deconv(ms_hp), pan_hp], dim=1)
        x = F.relu(self.conv1(x), inplace=True)
        return self.conv3(self.blocks(x))

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        return self.network(high_pass(ms), high_pass(pan)).add_(interp23tap(ms, self.ratio))


# --- checkpoint mapping ----------------------------------------------------------------------------------
def checkpoint_filter_fn(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map a DLPan-Toolbox PanNet ``state_dict``: ``res<i>.conv20`` / ``conv21`` -> ``blocks.<i-1>.conv1`` /
    ``conv2``; ``deconv``, ``conv1``, ``conv3`` keep their names.  The ``backbone.<i>.*`` keys are aliases of
    the ``res<i+1>.*`` ones (the same modules registered twice) and are dropped."""
    out = {}
    for k, v in state_dict.items():
        k = k.removeprefix("module.")
        parts = k.split(".")
        if parts[0].startswith("res") and parts[0][3:].isdigit() and len(parts) == 3:
            i = int(parts[0][3:]) - 1
            sub = {"conv20": "conv1", "conv21": "conv2"}.get(parts[1])
            if sub is not None:
                out[f"blocks.{i}.{sub}.{parts[2]}"] = v
        elif parts[0] in ("deconv", "conv1", "conv3"):
            out[k] = v
    return out


# --- configs ----------------------------------------------------------------------------------------------
PANNET_WEIGHTS = tuple(wald_weights("pannet", tag) for tag in ("wv23", "vhr4"))

default_cfgs = {
    "pannet": ArchConfig(
        task="pansharpening",
        paper="J. Yang, X. Fu, Y. Hu, Y. Huang, X. Ding, J. Paisley, 'PanNet: A Deep Network Architecture for "
              "Pan-Sharpening', ICCV 2017, pp. 5449-5457",
        summary="ResNet (4 blocks, width 32) on high-passed inputs; learned MS upsampling; + upsampled MS",
        url="https://openaccess.thecvf.com/content_iccv_2017/html/Yang_PanNet_A_Deep_ICCV_2017_paper.html",
        # deconv.weight (C_in, C_out, 2r, 2r) of the transposed convolution: inputs along 0, outputs along 1
        band_layers={"deconv.weight": ("in:0", "out:1"), "deconv.bias": 0, "conv1.weight": 1, "conv3.weight": 0,
                     "conv3.bias": 0},
        card="pannet.md",
        weights=PANNET_WEIGHTS,
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def pannet(pretrained: bool = False, **kwargs) -> PanNet:
    """PanNet (Yang et al. 2017): residual network on high-passed MS and PAN, added to the upsampled MS."""
    return build_model(PanNet, "pannet", pretrained, **kwargs)
