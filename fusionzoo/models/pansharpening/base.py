"""Base classes and the forward contract of each task.

Pansharpening: ``model(ms, pan)`` with ``ms`` (B, C, h, w) at low resolution and ``pan`` (B, 1, H, W),
``H = ratio * h`` and ``W = ratio * w``, both floating point in [0, 1] of the sensor's full scale
(``DN / (2**bits - 1)``); the result is (B, C, H, W) on the same scale.  The trainer, the CLI and the
benchmark rely on this contract alone.
"""

from __future__ import annotations

import logging
from typing import Sequence

import torch
from torch import nn

from ...weights import BandMismatchError

log = logging.getLogger(__name__)

__all__ = ["PansharpeningModel", "check_pansharpening_inputs", "select_layers", "FIRST_LAST_CONV_BANDS"]

#: Band-dependent layers of the networks whose first convolution takes the MS bands (+ PAN) and whose
#: last one returns them (PNN, A-PNN, DiCNN): see :func:`~fusionzoo.weights.adapt_band_layers`.
FIRST_LAST_CONV_BANDS = {"conv1.weight": 1, "conv3.weight": 0, "conv3.bias": 0}


def select_layers(state_dict: dict[str, torch.Tensor], layers: Sequence[str]) -> dict[str, torch.Tensor]:
    """The entries of a foreign ``state_dict`` whose first name component is in ``layers`` (a
    ``module.`` prefix left by ``DataParallel`` is removed); used by checkpoint mappings."""
    out = {}
    for k, v in state_dict.items():
        k = k.removeprefix("module.")
        if k.split(".")[0] in layers:
            out[k] = v
    return out


def _check_finite(t: torch.Tensor, name: str) -> None:
    """NaN and infinite values are refused: one reduction (the sum is finite when every value is; a sum that
    overflows merely costs the counting pass), and the counting pass only when something is wrong."""
    if t.numel() and not torch.isfinite(t.sum()):
        nan, inf = int(torch.isnan(t).sum()), int(torch.isinf(t).sum())
        if nan or inf:
            what = " and ".join(f"{n} {k}" for n, k in ((nan, "NaN"), (inf, "infinite")) if n)
            raise ValueError(f"{name} contains {what} values; fill or mask them before fusion")


def check_pansharpening_inputs(ms: torch.Tensor, pan: torch.Tensor, ratio: int, bands: int | None = None,
                               band_names: Sequence[str] | None = None) -> None:
    """Raise a clear error when ``(ms, pan)`` break the pansharpening contract."""
    for name, t in (("ms", ms), ("pan", pan)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        if t.dim() != 4:
            raise ValueError(f"{name} must be (B, C, H, W), got shape {tuple(t.shape)}; add a batch dimension "
                             f"with {name}[None]")
        if not t.is_floating_point():
            raise TypeError(f"{name} must be floating point in [0, 1] (DN / (2**bits - 1)), got {t.dtype}")
        _check_finite(t, name)
    if pan.shape[1] != 1:
        raise ValueError(f"pan must have 1 band, got {pan.shape[1]}")
    if bands is not None and ms.shape[1] != bands:
        names = f" {list(band_names)}" if band_names else ""
        raise BandMismatchError(
            f"this model expects {bands} MS bands{names}, got {ms.shape[1]}; reorder or select your bands to "
            f"match, or create the model with bands={ms.shape[1]} to adapt it")
    if ms.shape[0] != pan.shape[0]:
        raise ValueError(f"ms and pan batch sizes differ: {ms.shape[0]} vs {pan.shape[0]}")
    h, w = ms.shape[-2:]
    H, W = pan.shape[-2:]
    if (H, W) != (ratio * h, ratio * w):
        raise ValueError(f"pan size {H}x{W} must be ratio {ratio} times the ms size {h}x{w} "
                         f"(expected {ratio * h}x{ratio * w}); crop the pair so that it matches")


class PansharpeningModel(nn.Module):
    """Base of every pansharpening model: checks the contract, then calls :meth:`fuse`."""

    task = "pansharpening"

    def __init__(self, bands: int | None, ratio: int = 4, band_names: Sequence[str] | None = None,
                 wavelengths: Sequence[float] | None = None) -> None:
        """``bands=None`` accepts any number of MS bands (classical methods)."""
        super().__init__()
        if bands is not None and int(bands) < 1:
            raise ValueError(f"bands must be >= 1, got {bands}")
        if int(ratio) < 1:
            raise ValueError(f"ratio must be >= 1, got {ratio}")
        if band_names is not None and bands is not None and len(band_names) != bands:
            raise ValueError(f"{len(band_names)} band names for {bands} bands")
        self.num_bands = int(bands) if bands is not None else None
        self.ratio = int(ratio)
        self.band_names = tuple(band_names) if band_names is not None else None
        self.wavelengths = tuple(wavelengths) if wavelengths is not None else None

    @property
    def input_spec(self) -> dict[str, dict]:
        return {"ms": {"bands": self.num_bands, "band_names": self.band_names, "ratio": self.ratio},
                "pan": {"bands": 1}}

    def forward(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        check_pansharpening_inputs(ms, pan, self.ratio, self.num_bands, self.band_names)
        dtype = self._compute_dtype(ms, pan)
        if ms.dtype == pan.dtype == dtype:
            return self.fuse(ms, pan)
        return self.fuse(ms.to(dtype), pan.to(dtype)).to(torch.promote_types(ms.dtype, pan.dtype))

    def _compute_dtype(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.dtype:
        """The dtype ``fuse`` runs in: a learned model's parameter dtype (float64 inputs to float32 weights are
        computed in float32, with a note, and returned as float64); a parameter-free method's, the inputs'
        common dtype."""
        want = torch.promote_types(ms.dtype, pan.dtype)
        p = next(self.parameters(), None)
        if p is None or not p.is_floating_point() or p.dtype == want:
            return want
        if not getattr(self, "_dtype_noted", False):
            self._dtype_noted = True
            log.info("%s: %s inputs computed in the weights' %s and returned as %s (call model.to(%s) to "
                     "compute in %s)", type(self).__name__, want, p.dtype, want, want, want)
        return p.dtype

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError
