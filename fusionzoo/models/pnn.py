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

from ..builder import build_model
from ..ops.interp import interp23tap
from ..registry import ArchConfig, register_model
from ..weights import Weights
from .base import PansharpeningModel, select_layers

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
        if init == "identity":
            self.identity_init_()
        elif init != "default":
            raise ValueError(f"init must be 'default' (PyTorch's) or 'identity', got {init!r}")

    @torch.no_grad()
    def identity_init_(self, noise: float = 0.1) -> None:
        """Start from the upsampled MS: each layer passes its first input channels through its centre tap.

        The default random weights are scaled by ``noise`` and a unit centre tap is added from input channel
        ``i`` to output channel ``i`` (the MS bands and the PAN through conv1 and conv2, the MS bands through
        conv3); biases start at zero.  Since the inputs are non-negative the ReLUs pass them unchanged, so the
        untrained network outputs (nearly) the upsampled MS and training only has to learn the PAN detail
        and corrections.  The architecture is unchanged; only the starting point differs from the paper's.
        """
        for conv, n in ((self.conv1, self.num_bands + 1), (self.conv2, self.num_bands + 1), (self.conv3, self.num_bands)):
            conv.weight.mul_(noise)
            conv.bias.zero_()
            k = conv.kernel_size[0] // 2
            for i in range(min(n, conv.in_channels, conv.out_channels)):
                conv.weight[i, i, k, k] += 1.0

    def network(self, x: torch.Tensor) -> torch.Tensor:
        """The three valid convolutions: (B, C+1, H+16, W+16) -> (B, C, H, W)."""
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
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
_GRIP_TERMS = "GRIP-UNINA: non-profit use only, cite the source"
_RECIPE = ("Wald's protocol on each full-resolution training scene (MS filtered with the sensor's MTF-matched "
           "Gaussian and decimated by 4, PAN reduced by MATLAB-style bicubic resize; the original MS is the "
           "reference); 64x64 PAN patches every 8 pixels inside 128x128 blocks dealt 80/10/10 to "
           "train/val/test; flips, 90-degree rotations and random per-band gains (exp U(-0.3, 0.3)); identity "
           "initialisation; Adam 5e-4, batch 16, MSE; 40 epochs on 2 CPU cores; the checkpoint with the lowest "
           "validation loss is shipped ({best}). Evaluation images are never seen in training.")
_LICENSE = "cc-by-nc-sa-4.0"  # share-alike (SpaceNet) and non-commercial (GRIP-UNINA) training data

_WV8 = ("coastal", "blue", "green", "yellow", "red", "red_edge", "nir1", "nir2")
_BGRN = ("blue", "green", "red", "nir")

PNN_WEIGHTS = (
    Weights(
        tag="wv23",
        sensor="WV3",
        bands=_WV8,
        wavelengths=(425.0, 480.0, 545.0, 605.0, 660.0, 725.0, 833.0, 950.0),
        ratio=4,
        bit_depth=11,
        scaling="DN / 2047 (11-bit WorldView-2/3 products); inputs and output in [0, 1]",
        normalization="none beyond the scaling",
        train_data=(
            {"name": "wv2_grip", "terms": _GRIP_TERMS,
             "description": "WorldView-2 scene imgWV2.mat of the GRIP-UNINA PNN code (sergiovitale/"
                            "pansharpening-cnn-python-version @ 08e10d7), 320x320x8 MS / 1280x1280 PAN, 11-bit"},
            {"name": "wv3_spacenet_shanghai", "terms": "CC BY-SA 4.0",
             "description": "WorldView-3 SpaceNet 3 AOI 4 Shanghai img1920 (sshuair/torchsat @ a737212 "
                            "sample-data), 325x325x8 MS / 1300x1300 PAN, 11-bit"},
            {"name": "wv2_rio", "terms": "none stated",
             "description": "WorldView-2 Rio de Janeiro pair (hasandc/Pansharpening), 128x128x8 MS / 512x512 "
                            "PAN (float DN), used as a full-resolution scene"},
            {"name": "wv3_zpnn", "terms": "GRIP-UNINA non-profit",
             "description": "WorldView-3 example of Z-PNN (matciotola/Z-PNN @ 0bcea2f), 32x32x8 MS / 128x128 PAN"},
        ),
        eval_data=(
            {"name": "wv3_cdif", "terms": "Apache-2.0", "protocol": "reduced_resolution",
             "description": "WorldView-3 reduced-resolution test image WV3_test.mat of CDIF (liangjiandeng/CDIF "
                            "@ 8e6bcbd): 64x64x8 MS, 256x256 PAN and 256x256x8 reference (PanCollection-style "
                            "Wald degradation); scored at 11-bit DN with a 20/21-pixel border cut"},
        ),
        metrics={
            "wv3_cdif": {
                "reduced_resolution": {
                    "Q2n": 0.8649,
                    "SAM": 6.1025,
                    "ERGAS": 5.7533,
                    "SCC": 0.9103
                }
            }
        },
        baselines={"exp": {
            "wv3_cdif": {
                "reduced_resolution": {
                    "Q2n": 0.7142,
                    "SAM": 6.1582,
                    "ERGAS": 8.629,
                    "SCC": 0.7524
                }
            }
        }},
        num_params=104360,
        license=_LICENSE,
        recipe="configs/pansharpening/pnn_wv23.yaml",
        sha256="1f273b976c01ebe2c4588c7fdf8ae83c5260c49cd12e56897e440ccf79335a3c",
        hf_revision="v0.1.0",
        model_kwargs={"bands": 8, "ratio": 4},
        description=_RECIPE.format(best="epoch 40 of 40"),
    ),
    Weights(
        tag="vhr4",
        sensor="QB",
        bands=_BGRN,
        wavelengths=(485.0, 560.0, 660.0, 830.0),
        ratio=4,
        bit_depth=11,
        scaling="DN / (2**bits - 1) of the product (11-bit IKONOS / QuickBird, the 8-bit GeoEye-1 product by "
                "255); inputs and output in [0, 1]",
        normalization="none beyond the scaling",
        train_data=(
            {"name": "ikonos_grip", "terms": _GRIP_TERMS,
             "description": "IKONOS scene imgIK.mat of the GRIP-UNINA PNN code, 320x320x4 MS / 1280x1280 PAN, "
                            "11-bit"},
            {"name": "geoeye1_grip", "terms": _GRIP_TERMS,
             "description": "GeoEye-1 scene imgGE1.mat of the GRIP-UNINA PNN code, 320x320x4 MS / 1280x1280 PAN, "
                            "stored at 8 bits"},
            {"name": "qb_abfnet_full", "terms": "none stated",
             "description": "QuickBird full-resolution pair of ABFNet (hunchteller/ABFNet_Pansharpening @ "
                            "8173bb6), 256x256x4 MS / 1024x1024 PAN, 11-bit"},
        ),
        eval_data=(
            {"name": "qb_abfnet_test", "terms": "none stated", "protocol": "reduced_resolution",
             "description": "QuickBird reduced-resolution test pair of ABFNet: 64x64x4 MS, 256x256 PAN and "
                            "256x256x4 reference, another image than the training pair; its MS was decimated at "
                            "offset 0, so its numbers are not comparable with published QuickBird tables"},
            {"name": "pleiades_cdif", "terms": "Apache-2.0", "protocol": "reduced_resolution",
             "description": "Pleiades reduced-resolution test image Pleiades_test.mat of CDIF (liangjiandeng/CDIF "
                            "@ 8e6bcbd): 64x64x4 MS, 256x256 PAN, 256x256x4 reference; a sensor not seen in "
                            "training; scored at 12-bit DN"},
        ),
        metrics={
            "qb_abfnet_test": {
                "reduced_resolution": {
                    "Q2n": 0.851,
                    "SAM": 1.7093,
                    "ERGAS": 1.1924,
                    "SCC": 0.9509
                }
            },
            "pleiades_cdif": {
                "reduced_resolution": {
                    "Q2n": 0.9615,
                    "SAM": 4.3167,
                    "ERGAS": 2.9737,
                    "SCC": 0.9498
                }
            }
        },
        baselines={"exp": {
            "qb_abfnet_test": {
                "reduced_resolution": {
                    "Q2n": 0.5844,
                    "SAM": 1.8573,
                    "ERGAS": 1.8609,
                    "SCC": 0.8615
                }
            },
            "pleiades_cdif": {
                "reduced_resolution": {
                    "Q2n": 0.7681,
                    "SAM": 4.718,
                    "ERGAS": 5.9381,
                    "SCC": 0.7647
                }
            }
        }},
        num_params=80420,
        license=_LICENSE,
        recipe="configs/pansharpening/pnn_vhr4.yaml",
        sha256="9a38d6e31ef76aaed2a2143c74ade0ccf3d061da662316ce520a4721a4b51c7e",
        hf_revision="v0.1.0",
        model_kwargs={"bands": 4, "ratio": 4},
        description=_RECIPE.format(best="epoch 39 of 40"),
    ),
)

default_cfgs = {
    "pnn": ArchConfig(
        task="pansharpening",
        inputs=("ms", "pan"),
        paper="G. Masi, D. Cozzolino, L. Verdoliva, G. Scarpa, 'Pansharpening by Convolutional Neural "
              "Networks', Remote Sensing 8(7):594, 2016",
        summary="3-layer CNN (9x9/64, 5x5/32, 5x5/C, valid) on [upsampled MS, PAN]",
        url="https://doi.org/10.3390/rs8070594",
        band_layers={"conv1.weight": 1, "conv3.weight": 0, "conv3.bias": 0},
        card="pnn.md",
        weights=PNN_WEIGHTS,
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def pnn(pretrained: bool = False, **kwargs) -> PNN:
    """PNN (Masi et al. 2016): three convolutions on the upsampled MS stacked with the PAN."""
    return build_model(PNN, "pnn", pretrained, **kwargs)
