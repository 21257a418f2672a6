"""What every metric module shares: float64 batching, the mean-over-images torchmetrics base, MATLAB's eps
and which direction of each named metric is better."""

from __future__ import annotations

import torch
from torchmetrics import Metric

from ..ops.common import MATLAB_EPS

__all__ = ["batched", "same_shape", "squeeze_out", "MATLAB_EPS", "HIGHER_IS_BETTER", "is_better", "MeanOverImages"]


#: Whether a larger value of a named metric is better (the names of the benchmark tables and weights records).
HIGHER_IS_BETTER: dict[str, bool] = {
    "Q2n": True, "Q": True, "UIQI": True, "UQI": True, "SSIM": True, "SCC": True, "CC": True, "PSNR": True,
    "HQNR": True,
    "QNR": True, "SAM": False, "ERGAS": False, "RMSE": False, "D_lambda": False, "D_s": False,
    "OA": True, "AA": True, "kappa": True,
}


def is_better(metric: str, a: float, b: float) -> bool:
    """Whether value ``a`` of ``metric`` is strictly better than ``b``."""
    if metric not in HIGHER_IS_BETTER:
        raise KeyError(f"no direction known for metric {metric!r}; add it to fusionzoo.metrics.base.HIGHER_IS_BETTER")
    return a > b if HIGHER_IS_BETTER[metric] else a < b


def batched(*xs: torch.Tensor) -> tuple[bool, list[torch.Tensor]]:
    """Bring inputs to (B, C, H, W) float64; report whether they were unbatched (C, H, W)."""
    squeeze = xs[0].dim() == 3
    out = []
    for x in xs:
        if x.dim() == 3 and squeeze:
            x = x[None]
        if x.dim() != 4:
            raise ValueError(f"expected (B, C, H, W) or (C, H, W) tensors, got shape {tuple(x.shape)}")
        out.append(x.double())
    return squeeze, out


def same_shape(a: torch.Tensor, b: torch.Tensor, what: str = "inputs") -> None:
    if a.shape != b.shape:
        raise ValueError(f"{what} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")


def squeeze_out(v: torch.Tensor, squeeze: bool) -> torch.Tensor:
    return v[0] if squeeze else v



class MeanOverImages(Metric):
    """Accumulates the per-image values of a functional metric; ``compute`` returns their mean."""

    full_state_update = False
    is_differentiable = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_state("total", default=torch.tensor(0.0, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("count", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def _value(self, *args) -> torch.Tensor:  # pragma: no cover - overridden
        raise NotImplementedError

    def update(self, *args) -> None:
        v = self._value(*args).reshape(-1)
        self.total = self.total + v.sum().to(self.total)
        self.count = self.count + v.numel()

    def compute(self) -> torch.Tensor:
        return self.total / self.count
