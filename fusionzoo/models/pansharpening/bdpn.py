"""BDPN: pan-sharpening using an efficient bidirectional pyramid network (Zhang, Liu, Sun, Ou, IEEE TGRS
2019), as the DLPan-Toolbox implements it (the code behind the PanCollection numbers).

Two branches, one pyramid level per x2 step (two levels at ratio 4), all convolutions 3x3 "same":

* PAN branch, from fine to coarse: ``conv1`` (1 -> 64); at each level ``f = f + blocks(f)`` with ten
  residual blocks ``x + conv(PReLU(conv(x)))`` (PReLU with one shared slope per block, initialised at 0.2),
  the level's detail ``conv3(f)`` (64 -> C; the same ``conv3`` at every level), then a 2x2 max-pooling
  before the next, coarser level;
* MS branch, from coarse to fine: at each level ``x = PixelShuffle(2)(up(x)) + detail`` with ``up`` a
  C -> 4C convolution (sub-pixel convolution).

The output is the last ``x``; the network uses the MS itself (no interpolated MS).  Parameters for 8 bands
at ratio 4: 640 + 20 x 73,857 + 4,616 + 2 x 2,336 = 1,487,068.  The DLPan-Toolbox class also defines a
PReLU that its forward pass never uses (one more parameter, 1,487,069); it is not created here, and the
converter drops it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...builder import build_model
from ...ops.common import power_of_two_levels
from ...registry import ArchConfig, register_model
from ..layers import ResBlock, apply_init, pass_through_init_
from .base import PansharpeningModel
from .wald_weights import wald_weights

__all__ = ["BDPN", "checkpoint_filter_fn"]


# --- modules ---------------------------------------------------------------------------------------------
class BDPN(PansharpeningModel):
    """BDPN for ``bands`` MS bands at ``ratio`` (a power of two >= 2: one pyramid level per x2 step)."""

    def __init__(self, bands: int = 8, ratio: int = 4, width: int = 64, num_blocks: int = 10, init: str = "default",
                 **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        self.levels = power_of_two_levels(ratio, "BDPN", "one x2 PixelShuffle stage per pyramid level")
        self.conv1 = nn.Conv2d(1, width, 3, padding=1)
        # blocks[0] works at the PAN's resolution, blocks[l] at 1 / 2**l of it
        self.blocks = nn.ModuleList(nn.Sequential(*(ResBlock(width, prelu=True) for _ in range(num_blocks)))
                                    for _ in range(self.levels))
        self.conv3 = nn.Conv2d(width, bands, 3, padding=1)
        # up[0] acts on the MS itself, up[l] on the result of level l - 1 (coarse to fine)
        self.up = nn.ModuleList(nn.Conv2d(bands, 4 * bands, 3, padding=1) for _ in range(self.levels))
        apply_init(self, init)

    @torch.no_grad()
    def identity_init_(self, noise: float = 0.1) -> None:
        """Start from the MS upsampled by pixel replication: each sub-pixel convolution copies band ``c`` to its
        four sub-pixel channels ``4c .. 4c + 3`` through the centre tap (the random weights scaled by
        ``noise``, biases zeroed), and the detail layer ``conv3`` by ``noise**2``.  The architecture is
        the paper's."""
        for up in self.up:
            up.weight.mul_(noise)
            up.bias.zero_()
            for c in range(self.num_bands):
                up.weight[4 * c:4 * c + 4, c, 1, 1] += 1.0
        pass_through_init_([(self.conv3, 0)], noise * noise)

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        f = self.conv1(pan)
        details = []
        for level, blocks in enumerate(self.blocks):
            if level > 0:
                f = F.max_pool2d(f, 2)
            f = blocks(f).add_(f)  # in place on the fresh block output
            details.append(self.conv3(f))
        x = ms
        for k, up in enumerate(self.up):
            x = F.pixel_shuffle(up(x), 2).add_(details[self.levels - 1 - k])
        return x


# --- checkpoint mapping ----------------------------------------------------------------------------------
def checkpoint_filter_fn(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map a DLPan-Toolbox BDPN ``state_dict`` (ratio 4): ``res<i>`` / ``rres<i>`` -> ``blocks.0.<i-1>`` /
    ``blocks.1.<i-1>`` (``conv20`` -> ``conv1``, ``conv21`` -> ``conv2``, ``prelu``), ``conv4`` / ``conv5`` ->
    ``up.0`` / ``up.1``; ``conv1`` and ``conv3`` keep their names.  The ``backbone.*`` / ``backbone2.*``
    aliases and the unused top-level ``prelu`` are dropped."""
    out = {}
    sub = {"conv20": "conv1", "conv21": "conv2", "prelu": "prelu"}
    for k, v in state_dict.items():
        k = k.removeprefix("module.")
        parts = k.split(".")
        head = parts[0]
        if len(parts) == 3 and parts[1] in sub and head.startswith(("res", "rres")):
            level, num = (1, head[4:]) if head.startswith("rres") else (0, head[3:])
            if num.isdigit():
                out[f"blocks.{level}.{int(num) - 1}.{sub[parts[1]]}.{parts[2]}"] = v
        elif head in ("conv1", "conv3"):
            out[k] = v
        elif head in ("conv4", "conv5"):
            out[f"up.{int(head == 'conv5')}.{parts[1]}"] = v
    return out


# --- configs ----------------------------------------------------------------------------------------------
BDPN_WEIGHTS = tuple(wald_weights("bdpn", tag) for tag in ("wv23", "vhr4"))

default_cfgs = {
    "bdpn": ArchConfig(
        task="pansharpening",
        paper="Y. Zhang, C. Liu, M. Sun, Y. Ou, 'Pan-Sharpening Using an Efficient Bidirectional Pyramid "
              "Network', IEEE TGRS 57(8):5549-5563, 2019",
        summary="bidirectional pyramid: PAN detail branch (2 x 10 PReLU res-blocks, width 64) + MS branch "
                "(x2 PixelShuffle per level)",
        url="https://doi.org/10.1109/TGRS.2019.2900419",
        # up.<l>.weight (4C, C, 3, 3) also depends on the bands along its pixel-shuffled output dimension,
        # which a per-dimension band rule cannot adapt; see the model card
        band_layers={"conv3.weight": 0, "conv3.bias": 0, "up.0.weight": ("out:0*4", "in:1"), "up.0.bias": "out:0*4",
                     "up.1.weight": ("out:0*4", "in:1"), "up.1.bias": "out:0*4"},
        card="bdpn.md",
        weights=BDPN_WEIGHTS,
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def bdpn(pretrained: bool = False, **kwargs) -> BDPN:
    """BDPN (Zhang et al. 2019): PAN detail pyramid + MS sub-pixel pyramid, one level per x2 step."""
    return build_model(BDPN, "bdpn", pretrained, **kwargs)
