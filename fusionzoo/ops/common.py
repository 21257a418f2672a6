"""What the MATLAB-compatible operators and the methods built on them share: MATLAB's ``eps``, the check of
power-of-two resolution ratios and the per-band second moments."""

from __future__ import annotations

import math

import torch

__all__ = ["MATLAB_EPS", "centred_products", "power_of_two_levels"]

MATLAB_EPS = 2.220446049250313e-16  # MATLAB eps: 2**-52, which the toolbox adds to denominators


def power_of_two_levels(ratio: int, what: str = "this method", why: str = "", minimum: int = 2) -> int:
    """``log2(ratio)`` for a power-of-two ``ratio >= minimum``; otherwise a ``ValueError`` saying that ``what``
    needs one (and ``why``)."""
    if ratio < minimum or 2 ** round(math.log2(ratio)) != ratio:
        because = f" ({why})" if why else ""
        at_least = f" >= {minimum}" if ratio < minimum else ""
        raise ValueError(f"{what} needs a power-of-two ratio{at_least} (2, 4, 8, ...){because}, got {ratio}")
    return int(round(math.log2(ratio)))


def centred_products(a: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    """``sum((a - mean(a)) (b - mean(b)))`` over the two last dimensions, per image and band, in float64
    ((..., C, 1, 1), ``a`` and ``b`` broadcast against each other; ``b=None``: ``b = a``).

    Two passes (the means, then the centred products), the second one over chunks of pixels so that no
    centred copy of the images is made: several times faster than ``torch.var`` (Welford) or a centred copy
    on large images, and as precise (the products are summed in the input's dtype within a chunk, the chunk
    sums in float64)."""
    n = a.shape[-2] * a.shape[-1]
    af = a.reshape(*a.shape[:-2], n)
    ma = a.mean((-2, -1))[..., None]
    if b is not None:
        if b.shape[-2:] != a.shape[-2:]:
            raise ValueError(f"centred_products needs images of one size, got {tuple(a.shape)} and {tuple(b.shape)}")
        bf = b.reshape(*b.shape[:-2], n)
        mb = b.mean((-2, -1))[..., None]
    acc = None
    step = 1 << 16
    for s in range(0, n, step):
        ca = af[..., s:s + step] - ma
        cb = ca if b is None else bf[..., s:s + step] - mb
        part = torch.linalg.vecdot(ca, cb).to(torch.float64)
        acc = part if acc is None else acc.add_(part)
    return acc[..., None, None]
