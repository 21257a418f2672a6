"""DRPNN: boosting the accuracy of multispectral image pansharpening by learning a deep residual network
(Wei, Yuan, Shen, Zhang, IEEE GRSL 2017).

Eleven 7x7 "same" convolutions on the upsampled MS (23-tap interpolator) stacked with the PAN, ``x``:
``conv1`` (C+1 -> 32) and eight more 32 -> 32, each followed by a ReLU, then ``conv2`` back to C+1 channels
added to ``x`` (the residual), then ``conv3`` (C+1 -> C).  There is no residual on the upsampled MS beyond
that.  433,465 parameters for 8 bands.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...builder import build_model
from ...ops.interp import interp23tap
from ...registry import ArchConfig, register_model
from ..layers import apply_init, pass_through_init_
from .base import PansharpeningModel
from .wald_weights import wald_weights

__all__ = ["DRPNN", "checkpoint_filter_fn"]


# --- modules ---------------------------------------------------------------------------------------------
class DRPNN(PansharpeningModel):
    """DRPNN for ``bands`` MS bands at ``ratio`` (a power of two, as the 23-tap interpolator needs)."""

    def __init__(self, bands: int = 8, ratio: int = 4, width: int = 32, depth: int = 8, kernel_size: int = 7,
                 init: str = "default", **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        interp23tap(torch.zeros(1, 1, 1, 1), ratio)  # rejects ratios the interpolator cannot do, now
        k, p = kernel_size, kernel_size // 2
        self.conv1 = nn.Conv2d(bands + 1, width, k, padding=p)
        self.blocks = nn.ModuleList(nn.Conv2d(width, width, k, padding=p) for _ in range(depth))
        self.conv2 = nn.Conv2d(width, bands + 1, k, padding=p)
        self.conv3 = nn.Conv2d(bands + 1, bands, k, padding=p)
        apply_init(self, init)

    @torch.no_grad()
    def identity_init_(self, noise: float = 0.1) -> None:
        """Start from the upsampled MS: ``conv3`` passes the MS bands of ``x + conv2(y)`` through its centre taps
        and ``conv2``, the end of the residual branch, is scaled by ``noise`` (see
        :func:`~fusionzoo.models.layers.pass_through_init_`).  The architecture is the paper's."""
        pass_through_init_([(self.conv3, self.num_bands), (self.conv2, 0)], noise)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C+1, H, W) [upsampled MS, PAN] -> (B, C, H, W)."""
        y = F.relu(self.conv1(x), inplace=True)  # in place: the convolutions' outputs are not needed again
        for conv in self.blocks:
            y = F.relu(conv(y), inplace=True)
        return self.conv3(self.conv2(y).add_(x))

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        lms = interp23tap(ms, self.ratio)
        return self.network(torch.cat([lms, pan], dim=1))


# --- checkpoint mapping ----------------------------------------------------------------------------------
def checkpoint_filter_fn(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map a DLPan-Toolbox DRPNN ``state_dict``: ``backbone.<i>.conv2`` -> ``blocks.<i>``; ``conv1``,
    ``conv2``, ``conv3`` keep their names (an optional ``module.`` prefix is removed)."""
    out = {}
    for k, v in state_dict.items():
        k = k.removeprefix("module.")
        parts = k.split(".")
        if parts[0] == "backbone" and len(parts) == 4 and parts[2] == "conv2":
            out[f"blocks.{parts[1]}.{parts[3]}"] = v
        elif parts[0] in ("conv1", "conv2", "conv3"):
            out[k] = v
    return out


# --- configs ----------------------------------------------------------------------------------------------
DRPNN_WEIGHTS = tuple(wald_weights("drpnn", tag) for tag in ("wv23", "vhr4"))

default_cfgs = {
    "drpnn": ArchConfig(
        task="pansharpening",
        paper="Y. Wei, Q. Yuan, H. Shen, L. Zhang, 'Boosting the Accuracy of Multispectral Image Pansharpening "
              "by Learning a Deep Residual Network', IEEE GRSL 14(10):1795-1799, 2017",
        summary="11-layer residual CNN (7x7, width 32) on [upsampled MS, PAN]; residual on the C+1 input",
        url="https://doi.org/10.1109/LGRS.2017.2736020",
        # conv3.weight (C, C+1, 7, 7) depends on the bands along both dimensions
        band_layers={"conv1.weight": 1, "conv2.weight": 0, "conv2.bias": 0, "conv3.weight": ("out:0", "in:1"),
                     "conv3.bias": 0},
        card="drpnn.md",
        weights=DRPNN_WEIGHTS,
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def drpnn(pretrained: bool = False, **kwargs) -> DRPNN:
    """DRPNN (Wei et al. 2017): deep residual CNN on the upsampled MS stacked with the PAN."""
    return build_model(DRPNN, "drpnn", pretrained, **kwargs)
