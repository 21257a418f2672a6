"""The forward contract of HS-MS fusion and HS super-resolution.

HS-MS fusion: ``model(hs=..., ms=...)`` (or ``model(hs, ms)``) with ``hs`` (B, C, h, w) the low-resolution
hyperspectral image and ``ms`` (B, c, H, W) the high-resolution multispectral image of the same scene,
``H = ratio * h`` and ``W = ratio * w``, both floating point in the reflectance-like scale the weights or the
method expect (usually [0, 1]); the result is (B, C, H, W) on the HS scale.

Single-image HS super-resolution models declare only ``hs`` (``inputs = ("hs",)``) and their ratio, and are
called ``model(hs=...)``.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from ...weights import BandMismatchError

__all__ = ["HSMSFusionModel", "check_hs_ms_inputs"]


def _check_tensor(name: str, t: torch.Tensor) -> None:
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.dim() != 4:
        raise ValueError(f"{name} must be (B, C, H, W), got shape {tuple(t.shape)}; add a batch dimension with "
                         f"{name}[None]")
    if not t.is_floating_point():
        raise TypeError(f"{name} must be floating point (reflectance-like scale), got {t.dtype}; convert it with "
                        f".float() after scaling")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} contains NaN or infinite values; fill or mask them before fusion")


def check_hs_ms_inputs(hs: torch.Tensor, ms: torch.Tensor | None, ratio: int | None,
                       hs_bands: int | None = None, ms_bands: int | None = None) -> None:
    """Raise a clear error when ``(hs, ms)`` break the HS-MS fusion contract (``ms=None`` for SR models)."""
    _check_tensor("hs", hs)
    if hs_bands is not None and hs.shape[1] != hs_bands:
        raise BandMismatchError(f"this model expects {hs_bands} HS bands, got {hs.shape[1]}; select the bands "
                                f"the model was made for, or create it with hs_bands={hs.shape[1]}")
    if ms is None:
        return
    _check_tensor("ms", ms)
    if ms_bands is not None and ms.shape[1] != ms_bands:
        raise BandMismatchError(f"this model expects {ms_bands} MS bands, got {ms.shape[1]}; select the bands "
                                f"the model was made for, or create it with ms_bands={ms.shape[1]}")
    if hs.shape[0] != ms.shape[0]:
        raise ValueError(f"hs and ms batch sizes differ: {hs.shape[0]} vs {ms.shape[0]}")
    h, w = hs.shape[-2:]
    H, W = ms.shape[-2:]
    if ratio is None:
        if H % h or W % w or H // h != W // w:
            raise ValueError(f"ms size {H}x{W} is not an integer multiple of the hs size {h}x{w}; crop the pair so "
                             f"that it is")
        if H == h:
            raise ValueError(f"ms and hs have the same size {h}x{w}: the MS must be finer than the HS (ratio >= 2); "
                             f"check that the inputs are not swapped")
    elif (H, W) != (ratio * h, ratio * w):
        raise ValueError(f"ms size {H}x{W} must be ratio {ratio} times the hs size {h}x{w} (expected "
                         f"{ratio * h}x{ratio * w}); crop the pair so that it matches")


class HSMSFusionModel(nn.Module):
    """Base of every HS-MS fusion / HS super-resolution model: checks the contract, then calls :meth:`fuse`.

    ``inputs`` is ``("hs", "ms")`` for fusion models and ``("hs",)`` for single-image super-resolution ones.
    ``hs_bands`` / ``ms_bands`` of ``None`` accept any band count (classical methods); ``ratio=None`` takes
    the ratio from the sizes of the pair (fusion only).
    """

    task = "hs_ms_fusion"
    inputs: tuple[str, ...] = ("hs", "ms")

    def __init__(self, hs_bands: int | None = None, ms_bands: int | None = None, ratio: int | None = None,
                 wavelengths: Sequence[float] | None = None) -> None:
        super().__init__()
        for k, v in (("hs_bands", hs_bands), ("ms_bands", ms_bands), ("ratio", ratio)):
            if v is not None and int(v) < 1:
                raise ValueError(f"{k} must be >= 1, got {v}")
        if ratio is None and "ms" not in self.inputs:
            raise ValueError(f"{type(self).__name__} is a super-resolution model: give its ratio")
        self.hs_bands = int(hs_bands) if hs_bands is not None else None
        self.ms_bands = int(ms_bands) if ms_bands is not None else None
        self.ratio = int(ratio) if ratio is not None else None
        self.wavelengths = tuple(wavelengths) if wavelengths is not None else None

    @property
    def num_bands(self) -> int | None:
        return self.hs_bands

    def forward(self, hs: torch.Tensor, ms: torch.Tensor | None = None) -> torch.Tensor:
        if "ms" in self.inputs and ms is None:
            raise ValueError(f"{type(self).__name__} fuses hs with ms: call model(hs=..., ms=...)")
        if "ms" not in self.inputs and ms is not None:
            raise ValueError(f"{type(self).__name__} is a single-image super-resolution model: call model(hs=...)")
        check_hs_ms_inputs(hs, ms, self.ratio, self.hs_bands, self.ms_bands)
        return self.fuse(hs, ms)

    def fuse(self, hs: torch.Tensor, ms: torch.Tensor | None) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError
