"""MSDCNN: a multiscale and multidepth convolutional neural network for remote sensing imagery
pan-sharpening (Yuan, Wei, Meng, Shen, Zhang, IEEE JSTARS 2018).

Two branches on the MS upsampled by the 23-tap interpolator stacked with the PAN, all convolutions "same":

* deep: 7x7 (C+1 -> 60) + ReLU = o1; three parallel 3x3 / 5x5 / 7x7 convolutions (20 each), concatenated,
  plus o1, ReLU = o2; 3x3 (60 -> 30) + ReLU = o3; three parallel 3x3 / 5x5 / 7x7 (10 each), concatenated,
  plus o3, ReLU = o4; 5x5 (30 -> C);
* shallow: 9x9 (C+1 -> 64) + ReLU, 1x1 (64 -> 32) + ReLU, 5x5 (32 -> C).

The output is ReLU(deep + shallow), without a residual on the upsampled MS.  228,556 parameters for 8 bands.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...builder import build_model
from ...ops.interp import interp23tap
from ...registry import ArchConfig, register_model
from ..layers import apply_init, pass_through_init_
from .base import PansharpeningModel, select_layers
from .wald_weights import wald_weights

__all__ = ["MSDCNN", "checkpoint_filter_fn"]


def _conv(cin: int, cout: int, k: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, padding=k // 2)


# --- modules ---------------------------------------------------------------------------------------------
class MSDCNN(PansharpeningModel):
    """MSDCNN for ``bands`` MS bands at ``ratio`` (a power of two, as the 23-tap interpolator needs)."""

    def __init__(self, bands: int = 8, ratio: int = 4, init: str = "default", **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        interp23tap(torch.zeros(1, 1, 1, 1), ratio)  # rejects ratios the interpolator cannot do, now
        c = bands + 1
        self.conv1 = _conv(c, 60, 7)
        self.conv2_1, self.conv2_2, self.conv2_3 = _conv(60, 20, 3), _conv(60, 20, 5), _conv(60, 20, 7)
        self.conv3 = _conv(60, 30, 3)
        self.conv4_1, self.conv4_2, self.conv4_3 = _conv(30, 10, 3), _conv(30, 10, 5), _conv(30, 10, 7)
        self.conv5 = _conv(30, bands, 5)
        self.shallow1 = _conv(c, 64, 9)
        self.shallow2 = _conv(64, 32, 1)
        self.shallow3 = _conv(32, bands, 5)
        apply_init(self, init)

    @torch.no_grad()
    def identity_init_(self, noise: float = 0.1) -> None:
        """Start from the upsampled MS: the shallow branch passes the MS bands through its centre taps and the
        deep branch's weights are scaled by ``noise`` (see :func:`~fusionzoo.models.layers.pass_through_init_`),
        so the untrained network outputs (nearly) the upsampled MS.  The architecture is the paper's."""
        c = self.num_bands
        pass_through_init_([(self.shallow1, c + 1), (self.shallow2, c + 1), (self.shallow3, c)], noise)
        pass_through_init_([(m, 0) for m in (self.conv1, self.conv2_1, self.conv2_2, self.conv2_3, self.conv3,
                                             self.conv4_1, self.conv4_2, self.conv4_3, self.conv5)], noise)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C+1, H, W) [upsampled MS, PAN] -> (B, C, H, W)."""
        # ReLUs and sums in place on fresh convolution outputs (never needed again, also by autograd)
        o1 = F.relu(self.conv1(x), inplace=True)
        o2 = F.relu(torch.cat([self.conv2_1(o1), self.conv2_2(o1), self.conv2_3(o1)], dim=1).add_(o1), inplace=True)
        o3 = F.relu(self.conv3(o2), inplace=True)
        o4 = F.relu(torch.cat([self.conv4_1(o3), self.conv4_2(o3), self.conv4_3(o3)], dim=1).add_(o3), inplace=True)
        deep = self.conv5(o4)
        shallow = self.shallow3(F.relu(self.shallow2(F.relu(self.shallow1(x), inplace=True)), inplace=True))
        return F.relu(deep.add_(shallow), inplace=True)

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        lms = interp23tap(ms, self.ratio)
        return self.network(torch.cat([lms, pan], dim=1))


# --- checkpoint mapping ----------------------------------------------------------------------------------
_KEYS = ("conv1", "conv2_1", "conv2_2", "conv2_3", "conv3", "conv4_1", "conv4_2", "conv4_3", "conv5",
         "shallow1", "shallow2", "shallow3")


def checkpoint_filter_fn(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map a DLPan-Toolbox MSDCNN ``state_dict`` (the layer names are the same here)."""
    return select_layers(state_dict, _KEYS)


# --- configs ----------------------------------------------------------------------------------------------
MSDCNN_WEIGHTS = (
    wald_weights("msdcnn", "vhr4"),
    wald_weights("msdcnn", "wv23"),
)

default_cfgs = {
    "msdcnn": ArchConfig(
        task="pansharpening",
        paper="Q. Yuan, Y. Wei, X. Meng, H. Shen, L. Zhang, 'A Multiscale and Multidepth Convolutional Neural "
              "Network for Remote Sensing Imagery Pan-Sharpening', IEEE JSTARS 11(3):978-989, 2018",
        summary="deep multiscale branch (3/5/7 kernels) + shallow 3-layer branch on [upsampled MS, PAN]",
        url="https://doi.org/10.1109/JSTARS.2018.2794888",
        band_layers={"conv1.weight": 1, "shallow1.weight": 1, "conv5.weight": 0, "conv5.bias": 0,
                     "shallow3.weight": 0, "shallow3.bias": 0},
        card="msdcnn.md",
        weights=MSDCNN_WEIGHTS,
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def msdcnn(pretrained: bool = False, **kwargs) -> MSDCNN:
    """MSDCNN (Yuan et al. 2018): multiscale deep branch + shallow branch on [upsampled MS, PAN]."""
    return build_model(MSDCNN, "msdcnn", pretrained, **kwargs)
