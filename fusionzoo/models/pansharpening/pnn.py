"""PNN: pansharpening by convolutional neural networks (Masi, Cozzolino, Verdoliva, Scarpa, 2016).

Three convolutions, 9x9/64, 5x5/32 and 5x5/C, with ReLU after the first two, on the upsampled MS (23-tap
interpolator) stacked with the PAN.  The convolutions are *valid*: like the reference implementation, the
input is padded by replication by 8 pixels (the network's receptive-field margin) so that the output has
the PAN's size.  There is no residual connection; 104,360 parameters for 8 bands.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...builder import build_model
from ...ops.interp import interp23tap
from ...registry import ArchConfig, register_model
from ..layers import apply_init, pass_through_init_
from .base import FIRST_LAST_CONV_BANDS, PansharpeningModel, select_layers
from .wald_weights import wald_weights

__all__ = ["PNN", "checkpoint_filter_fn"]


# --- modules ---------------------------------------------------------------------------------------------
class PNN(PansharpeningModel):
    """PNN for ``bands`` MS bands at ``ratio`` (a power of two, as the 23-tap interpolator needs)."""

    margin = 8  # (9 - 1) / 2 + (5 - 1) / 2 + (5 - 1) / 2

    def __init__(self, bands: int = 8, ratio: int = 4, width: tuple[int, int] = (64, 32), init: str = "default",
                 **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        interp23tap(torch.zeros(1, 1, 1, 1), ratio)
        c1, c2 = width
        self.conv1 = nn.Conv2d(bands + 1, c1, 9)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.conv3 = nn.Conv2d(c2, bands, 5)
        apply_init(self, init)

    @torch.no_grad()
    def identity_init_(self, noise: float = 0.1) -> None:
        """Start from the upsampled MS: each layer passes its first input channels through its centre tap.

        The default random weights are scaled by ``noise`` and a unit centre tap is added from input channel
        ``i`` to output channel ``i`` (the MS bands and the PAN through conv1 and conv2, the MS bands through
        conv3); biases start at zero.  Since the inputs are non-negative the ReLUs pass them unchanged, so the
        untrained network outputs (nearly) the upsampled MS and training only has to learn the PAN detail
        and corrections.  The architecture is unchanged; only the starting point differs from the paper's.
        """
        c = self.num_bands
        pass_through_init_([(self.conv1, c + 1), (self.conv2, c + 1), (self.conv3, c)], noise)

    def network(self, x: torch.Tensor) -> torch.Tensor:
        """The three valid convolutions: (B, C+1, H+16, W+16) -> (B, C, H, W)."""
        x = F.relu(self.conv1(x), inplace=True)  # in place: the convolutions' outputs are not needed again
        x = F.relu(self.conv2(x), inplace=True)
        return self.conv3(x)

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        lms = interp23tap(ms, self.ratio)
        x = torch.cat([lms, pan], dim=1)
        x = F.pad(x, (self.margin,) * 4, mode="replicate")
        return self.network(x)


# --- checkpoint mapping ----------------------------------------------------------------------------------
def checkpoint_filter_fn(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map a DLPan-Toolbox PNN ``state_dict`` (keys ``conv1``..``conv3``, possibly ``module.``-prefixed)."""
    return select_layers(state_dict, ("conv1", "conv2", "conv3"))


# --- configs ----------------------------------------------------------------------------------------------
PNN_WEIGHTS = tuple(wald_weights("pnn", tag) for tag in ("wv23", "vhr4"))

default_cfgs = {
    "pnn": ArchConfig(
        task="pansharpening",
        paper="G. Masi, D. Cozzolino, L. Verdoliva, G. Scarpa, 'Pansharpening by Convolutional Neural "
              "Networks', Remote Sensing 8(7):594, 2016",
        summary="3-layer CNN (9x9/64, 5x5/32, 5x5/C, valid) on [upsampled MS, PAN]",
        url="https://doi.org/10.3390/rs8070594",
        band_layers=FIRST_LAST_CONV_BANDS,
        card="pnn.md",
        weights=PNN_WEIGHTS,
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def pnn(pretrained: bool = False, **kwargs) -> PNN:
    """PNN (Masi et al. 2016): three convolutions on the upsampled MS stacked with the PAN."""
    return build_model(PNN, "pnn", pretrained, **kwargs)
