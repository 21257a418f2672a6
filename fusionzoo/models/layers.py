"""Building blocks shared by several model families."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ResBlock", "pass_through_init_", "apply_init"]


class ResBlock(nn.Module):
    """``x + conv2(act(conv1(x)))``, 3x3 "same" convolutions; ``act`` is ReLU, or with ``prelu=True`` one PReLU
    slope initialised at 0.2 (parameter ``prelu.weight``, as BDPN's blocks)."""

    def __init__(self, width: int, prelu: bool = False) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        if prelu:
            self.prelu = nn.PReLU(1, init=0.2)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv1(x)
        y = self.prelu(y) if hasattr(self, "prelu") else F.relu(y, inplace=True)  # in place on a fresh output
        return self.conv2(y).add_(x)


@torch.no_grad()
def pass_through_init_(chain: list[tuple[nn.Conv2d, int]], noise: float = 0.1) -> None:
    """Initialise a chain of convolutions to pass their first input channels through (the "identity
    initialisation" of the fusionzoo recipes): each ``(conv, n)`` has its default random weights scaled by
    ``noise``, its bias zeroed, and a unit centre tap from input channel ``i`` to output channel ``i`` for
    ``i < n``.  With non-negative inputs the ReLUs between the layers pass these channels unchanged, so the
    chain starts as (nearly) the identity on them; the architecture is unchanged."""
    for conv, n in chain:
        conv.weight.mul_(noise)
        conv.bias.zero_()
        k = conv.kernel_size[0] // 2
        for i in range(min(n, conv.in_channels, conv.out_channels)):
            conv.weight[i, i, k, k] += 1.0


def apply_init(model: nn.Module, init: str) -> None:
    """``init="default"``: PyTorch's initialisation, as built; ``"identity"``: ``model.identity_init_()``, a
    start from the upsampled MS (the fusionzoo recipes' choice for small training sets)."""
    if init == "identity":
        model.identity_init_()
    elif init != "default":
        raise ValueError(f"init must be 'default' (PyTorch's) or 'identity', got {init!r}")
