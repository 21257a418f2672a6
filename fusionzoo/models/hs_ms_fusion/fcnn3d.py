"""3D-FCNN: hyperspectral image super-resolution by a 3-D fully convolutional network (Mei et al., 2017).

Single-image HS super-resolution: the low-resolution HS image is upsampled bicubically to the target size
(:func:`fusionzoo.ops.imresize`, MATLAB-compatible bicubic, a = -0.5, the same call the training recipe
used), then four *valid* 3-D convolutions over (bands x height x width) map it to the high-resolution HS
image, with ReLU between them: 64 @ 7x9x9, 32 @ 1x1x1, 9 @ 1x1x1 and 1 @ 3x5x5.  The image is a one-channel
volume, so the weights do not depend on the band count: 39,405 parameters for any number of bands.  The
network predicts the HR image directly (no residual connection), as in the paper.

The valid convolutions shrink the volume by 8 bands and 12 pixels.  ``padding="same"`` (default) pads the
spectrum by mirroring 4 bands at each end (end band repeated, as the authors' code) and the image by
replication by 6 pixels at each side, so the output has the upsampled input's size; ``padding="valid"``
is the paper's cropping protocol: no padding, the output is the central part, bands ``4 .. C-5`` and
pixels ``6 .. H-7`` / ``6 .. W-7`` of the target grid ((C - 8) x (H - 12) x (W - 12)).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...builder import build_model
from ...ops import imresize
from ...registry import ArchConfig, register_model
from ...results import load_result
from ...weights import Weights
from .base import HSMSFusionModel

__all__ = ["FCNN3D", "mirror_bands"]

BAND_MARGIN = 4  # (7 - 1) / 2 + (3 - 1) / 2
SPATIAL_MARGIN = 6  # (9 - 1) / 2 + (5 - 1) / 2


def mirror_bands(x: torch.Tensor, pad: int = BAND_MARGIN) -> torch.Tensor:
    """Mirror-pad the band axis (dim 1) of (B, C, H, W) by ``pad`` at each end, the end band repeated (numpy
    ``"symmetric"``: bands 3 2 1 0 | 0 1 2 3 ...), as the authors' ``expand.py`` builds its 110-band Pavia
    cube from 102 bands; works for any band count (the mirror repeats when ``pad > C``)."""
    C = x.shape[1]
    idx = torch.arange(-pad, C + pad, device=x.device).remainder(2 * C)
    idx = torch.where(idx >= C, 2 * C - 1 - idx, idx)
    return x.index_select(1, idx)


# --- modules ---------------------------------------------------------------------------------------------
class FCNN3D(HSMSFusionModel):
    """3D-FCNN for any band count at ``ratio`` (any integer >= 1; ratio 1 skips the upsampling).

    ``padding`` is ``"same"`` (output (B, C, ratio*h, ratio*w)) or ``"valid"`` (the paper's crop, output
    (B, C-8, ratio*h-12, ratio*w-12)); ``init`` is ``"default"`` (PyTorch's) or ``"identity"`` (a start
    from the upsampled input, see :meth:`identity_init_`); ``tile`` (pixels of output per side, or None)
    runs large images in spatial tiles, which gives exactly the untiled result with less memory.
    """

    inputs = ("hs",)

    def __init__(self, ratio: int = 2, hs_bands: int | None = None, padding: str = "same", init: str = "default",
                 width: tuple[int, int, int] = (64, 32, 9), tile: int | None = 128, **kwargs) -> None:
        if isinstance(ratio, bool) or not isinstance(ratio, int) or ratio < 1:
            raise ValueError(f"ratio must be a positive integer, got {ratio!r}")
        super().__init__(hs_bands=hs_bands, ratio=ratio, **kwargs)
        if padding not in ("same", "valid"):
            raise ValueError(f"padding must be 'same' (output of the input's size) or 'valid' (the paper's crop), "
                             f"got {padding!r}")
        if tile is not None and int(tile) < 1:
            raise ValueError(f"tile must be a positive number of pixels or None, got {tile}")
        self.padding = padding
        self.tile = int(tile) if tile is not None else None
        c1, c2, c3 = width
        self.conv1 = nn.Conv3d(1, c1, (7, 9, 9))
        self.conv2 = nn.Conv3d(c1, c2, 1)
        self.conv3 = nn.Conv3d(c2, c3, 1)
        self.conv4 = nn.Conv3d(c3, 1, (3, 5, 5))
        if init == "identity":
            self.identity_init_()
        elif init != "default":
            raise ValueError(f"init must be 'default' (PyTorch's) or 'identity', got {init!r}")

    @torch.no_grad()
    def identity_init_(self, noise: float = 0.1) -> None:
        """Start from the upsampled input: the default random weights scaled by ``noise``, zero biases, and a
        unit centre tap passing channel 0 through every layer (conv1 and conv4 at their centre voxel).  As
        the input is non-negative the ReLUs pass it, so the untrained network outputs (nearly) its input.
        Our choice for small training sets; the paper starts from a random initialisation."""
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            conv.weight.mul_(noise)
            conv.bias.zero_()
            kd, kh, kw = (k // 2 for k in conv.kernel_size)
            conv.weight[0, 0, kd, kh, kw] += 1.0

    def network(self, x: torch.Tensor) -> torch.Tensor:
        """The four valid 3-D convolutions on (B, C, H, W): -> (B, C - 8, H - 12, W - 12)."""
        if x.shape[1] < 2 * BAND_MARGIN + 1 or min(x.shape[-2:]) < 2 * SPATIAL_MARGIN + 1:
            raise ValueError(f"the valid 3-D convolutions need at least 9 bands and 13 x 13 pixels, got "
                             f"{tuple(x.shape[1:])}; pad the input (padding='same') or give a larger image")
        y = F.relu(self.conv1(x[:, None]))
        y = F.relu(self.conv2(y))
        y = F.relu(self.conv3(y))
        return self.conv4(y)[:, 0]

    def _tiled(self, x: torch.Tensor, out_h: int, out_w: int) -> torch.Tensor:
        """``network`` on an input spatially larger by 12 than (out_h, out_w), in tiles of ``self.tile``."""
        t = self.tile
        if t is None or (out_h <= t and out_w <= t):
            return self.network(x)
        m = SPATIAL_MARGIN
        rows = []
        for i in range(0, out_h, t):
            cols = []
            for j in range(0, out_w, t):
                th, tw = min(t, out_h - i), min(t, out_w - j)
                cols.append(self.network(x[..., i:i + th + 2 * m, j:j + tw + 2 * m]))
            rows.append(torch.cat(cols, dim=-1))
        return torch.cat(rows, dim=-2)

    def upsample(self, hs: torch.Tensor) -> torch.Tensor:
        """The network's input: MATLAB-compatible bicubic upsampling by ``ratio`` (identity at ratio 1)."""
        return hs if self.ratio == 1 else imresize(hs, scale=self.ratio)

    def fuse(self, hs: torch.Tensor, ms: torch.Tensor | None = None) -> torch.Tensor:
        x = self.upsample(hs)
        H, W = x.shape[-2:]
        if self.padding == "same":
            x = mirror_bands(x)
            x = F.pad(x, (SPATIAL_MARGIN,) * 4, mode="replicate")
            return self._tiled(x, H, W)
        if x.shape[1] < 2 * BAND_MARGIN + 1 or min(H, W) < 2 * SPATIAL_MARGIN + 1:
            raise ValueError(f"padding='valid' needs at least 9 bands and a 13 x 13 upsampled image, got "
                             f"{x.shape[1]} bands and {H} x {W}; use padding='same' for small inputs")
        return self._tiled(x, H - 2 * SPATIAL_MARGIN, W - 2 * SPATIAL_MARGIN)


# --- configs ----------------------------------------------------------------------------------------------
_CAVE_BANDS = tuple(f"{400 + 10 * i}nm" for i in range(31))
_TAGS = {
    "cave_x2": dict(sensor="CAVE (Apogee Alta U260 + VariSpec LCTF)", bands=_CAVE_BANDS,
                    wavelengths=tuple(400.0 + 10 * i for i in range(31)), bit_depth=16,
                    scaling="16-bit PNG / 65535 (reflectance-like [0, 1])"),
    "airborne_x2": dict(sensor="airborne imaging spectrometers (Hyperion, AVIRIS, HYDICE, ...)",
                        bands=("any band count",), wavelengths=None,
                        bit_depth=16, scaling="each cube: negatives to 0, divided by its 99.9th percentile"),
}
_TAGS["cave_x4"] = _TAGS["cave_x2"]
_DESCRIPTION = ("Trained with scripts/train_fcnn3d.py --tag {tag} ({recipe}): LR-HS by the authors' "
                "gaussian_down_sample (Gaussian PSF with FWHM = ratio) and MATLAB-style bicubic upsampling as the "
                "network input; 32x32 patches, batch {batch}, Adam {lr}, MSE; {epochs_run} short epochs on a "
                "loaded 2-core CPU ({train_minutes:.0f} min), epoch {chosen_epoch} kept ({chosen_why}). The start is "
                "ours: the untrained network is the least-squares linear 7x9x9 filter from the upsampled to the "
                "high-resolution image, which gives most of the gain over bicubic. Held-out images are never seen "
                "in training.")


def _weights(tag: str) -> Weights:
    """The record of ``fcnn3d.<tag>``: the measured numbers come from ``fusionzoo/results/hs_ms_fusion/``."""
    rec = load_result("hs_ms_fusion", f"fcnn3d.{tag}")
    run = rec["training"]
    ratio = int(tag.rsplit("_x", 1)[1])
    return Weights(
        tag=tag, ratio=ratio, normalization="none beyond the scaling", train_data=tuple(rec["train_data"]),
        eval_data=tuple(rec["eval_data"]), metrics=rec["metrics"],
        baselines=load_result("hs_ms_fusion", f"baselines.fcnn3d_{tag}"), num_params=rec["num_params"],
        license="cc-by-nc-4.0", recipe=f"configs/hs_ms_fusion/fcnn3d_{tag}.yaml", sha256=rec["sha256"],
        hf_revision="v0.1.0", model_kwargs={"ratio": ratio, "padding": "same"},
        description=_DESCRIPTION.format(tag=tag, recipe="see the recipe file", **run), **_TAGS[tag])


FCNN3D_WEIGHTS = tuple(_weights(t) for t in ("cave_x4", "cave_x2", "airborne_x2"))

default_cfgs = {
    "fcnn3d": ArchConfig(
        task="hs_ms_fusion",
        inputs=("hs",),
        paper="S. Mei, X. Yuan, J. Ji, Y. Zhang, S. Wan, Q. Du, 'Hyperspectral Image Spatial Super-Resolution via "
              "3D Full Convolutional Neural Network', Remote Sensing 9(11):1139, 2017",
        summary="single-image HS super-resolution: 4 valid 3-D convolutions (64@7x9x9, 32@1x1x1, 9@1x1x1, "
                "1@3x5x5) on the bicubically upsampled HS; 39,405 parameters for any band count",
        url="https://doi.org/10.3390/rs9111139",
        card="fcnn3d.md",
        weights=FCNN3D_WEIGHTS,
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def fcnn3d(pretrained: bool = False, **kwargs) -> FCNN3D:
    """3D-FCNN (Mei et al. 2017): single-image HS super-resolution by four 3-D convolutions."""
    return build_model(FCNN3D, "fcnn3d", pretrained, **kwargs)
