"""CCR-Net: a CNN with cross-channel reconstruction for multimodal classification (Wu, Hong, Chanussot, 2022).

X. Wu, D. Hong, J. Chanussot, "Convolutional Neural Networks for Multimodal Remote Sensing Data Classification",
IEEE TGRS 60:1-10, 2022, DOI 10.1109/TGRS.2021.3124913.  Written from the layer list of the authors' TF1
``MuCNN_train.py``.

Two convolution branches on k x k patches (k = 7; HS with 144 bands and the raw 1-band DSM on Houston 2013),
each conv 3x3 -> 16, BatchNorm, 2x2 max pool of stride 2 'SAME' (ceil mode), ReLU (7 -> 4), then conv 3x3 -> 32,
BatchNorm, max pool, ReLU (4 -> 2), flattened to 32 x 2 x 2 = 128 in PyTorch's C order (channel, row, column;
the authors' TF flattens (row, column, channel): a fixed permutation of the first dense layer's inputs).  The
joint code J = [HS || DSM] (256) goes through dense layers e1 = 256 -> 64, e2 = 64 -> 32, e3 = 32 -> 32 (each with
BatchNorm and ReLU) and the classifier 32 -> K.  A decoder d3 = 64 -> 256 (BatchNorm, ReLU) from e1 rebuilds the
*swapped* code [DSM || HS]: the cross-channel reconstruction, :meth:`CCRNet.aux_losses` =
``0.1 * mean(([DSM || HS] - d3)^2)``.

The authors' script also computes two decoder layers that no loss uses (32 -> 64 from e2, 32 -> 32 from e3, each
with BatchNorm and ReLU); they count in its parameters and in its L2 term (``0.1 * sum(0.5 * ||W||^2)`` over all
eleven weight tensors).  ``dead_layers=True`` (default) keeps them: 71,231 parameters (1,152 BatchNorm running
statistics) on Houston 2013; ``dead_layers=False`` drops them: 67,871 (960), the same predictions and losses except
for their L2 share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ...builder import build_model
from ...registry import ArchConfig, register_model
from .base import ClassificationModel
from .mdlrs import BNStack, pooled_size, tf_init_
from .weights_records import available_weights

__all__ = ["CCRNet"]


# --- modules ---------------------------------------------------------------------------------------------
class CCRNet(ClassificationModel):
    """CCR-Net on two modalities' k x k patches (``patch_size`` odd, 7 by default).

    ``l2_weight`` 0.1 and ``recon_weight`` 0.1 are the script's; ``dead_layers`` keeps the two unused decoder
    layers (see the module docstring); ``init``: ``"tf"`` (the authors', :func:`~.mdlrs.tf_init_`) or
    ``"torch"``.  The rest as :class:`~.base.ClassificationModel`.
    """

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("hs", "lidar"),
                 in_channels: Sequence[int] = (144, 1), patch_size: int = 7, l2_weight: float = 0.1,
                 recon_weight: float = 0.1, dead_layers: bool = True, init: str = "tf", **kwargs: Any) -> None:
        if isinstance(patch_size, bool) or not isinstance(patch_size, int) or patch_size < 1 or patch_size % 2 == 0:
            raise ValueError(f"patch_size must be an odd positive integer (a patch centred on its pixel), "
                             f"got {patch_size!r}; CCR-Net takes patches, not pixel vectors")
        if len(tuple(modalities)) != 2:
            raise ValueError(f"CCR-Net fuses exactly two modalities, got {tuple(modalities)}")
        if init not in ("tf", "torch"):
            raise ValueError(f"init must be 'tf' (the authors' truncated-normal fan-in init) or 'torch', got {init!r}")
        if not isinstance(dead_layers, bool):
            raise TypeError(f"dead_layers must be True or False, got {dead_layers!r}")
        super().__init__(num_classes, modalities, in_channels, patch_size=patch_size, l2_weight=l2_weight, **kwargs)
        self.recon_weight = float(recon_weight)
        self.dead_layers = dead_layers
        self.init = init
        m = pooled_size(patch_size)
        code = 2 * 32 * m * m  # 256 at k = 7
        self.branches = nn.ModuleList(BNStack((c, 16, 32), conv=True, kernels=(3, 3), pools=("max", "max"))
                                      for c in self.in_channels.values())
        self.encoder = BNStack((code, 64, 32, 32), conv=False)
        self.classifier = nn.Linear(32, num_classes)
        self.decoder = BNStack((64, code), conv=False)
        # computed as in the authors' graph (their BatchNorm statistics follow training) but in no loss but L2
        self.unused = nn.ModuleList([BNStack((32, 64), conv=False), BNStack((32, 32), conv=False)]) if dead_layers \
            else None
        if init == "tf":
            tf_init_(self)

    def outputs(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        fa, fb = (br(x[m]).flatten(1) for br, m in zip(self.branches, self.modalities))  # (channel, row, col) order
        e1 = self.encoder.unit(0, torch.cat([fa, fb], 1))
        e2 = self.encoder.unit(1, e1)
        e3 = self.encoder.unit(2, e2)
        out = {"logits": self.classifier(e3), "reconstruction": self.decoder(e1), "swapped": torch.cat([fb, fa], 1)}
        if self.unused is not None:
            out["unused"] = (self.unused[0](e2), self.unused[1](e3))
        return out

    def aux_losses(self, out: dict[str, Any], x: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"cross_reconstruction": self.recon_weight * (out["swapped"] - out["reconstruction"]).pow(2).mean()}


# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "ccrnet": ArchConfig(
        task="classification",
        inputs=("hs", "lidar"),
        paper="X. Wu, D. Hong, J. Chanussot, 'Convolutional Neural Networks for Multimodal Remote Sensing Data "
              "Classification', IEEE TGRS 60:1-10, 2022",
        summary="CCR-Net: two conv branches on 7x7 HS and DSM patches, dense encoder with a cross-channel "
                "reconstruction of the swapped code; 71,231 parameters on Houston 2013 (67,871 without dead layers)",
        url="https://doi.org/10.1109/TGRS.2021.3124913",
        card="ccrnet.md",
        weights=available_weights("ccrnet", ("houston2018crop",)),
    ),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def ccrnet(pretrained: bool = False, **kwargs) -> CCRNet:
    """CCR-Net (Wu, Hong, Chanussot 2022): two-branch CNN with cross-channel reconstruction."""
    return build_model(CCRNet, "ccrnet", pretrained, **kwargs)
