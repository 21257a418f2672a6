"""Base of the datasets of real HS + MS pairs (two sensors, one scene): the sample layout and the optional
reduction that turns a pair into a fusion problem with a reference."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from torch import Tensor

from ._common import Degrade, HSMSItemsDataset, _scale_value, resolve_degrade

__all__ = ["RealPairDataset", "block_average"]

Reduce = Callable[[Tensor], Tensor]


def block_average(image: Tensor, ratio: int) -> Tensor:
    """Mean of each ``ratio`` x ``ratio`` block of a (C, H, W) image (H, W cropped to multiples of ``ratio``)."""
    if ratio < 1:
        raise ValueError(f"ratio must be a positive integer, got {ratio}")
    c, h, w = image.shape
    h2, w2 = h // ratio * ratio, w // ratio * ratio
    if h2 == 0 or w2 == 0:
        raise ValueError(f"an image of {h} x {w} pixels is smaller than one {ratio} x {ratio} block")
    x = image[:, :h2, :w2].reshape(c, h2 // ratio, ratio, w2 // ratio, ratio)
    return x.mean(dim=(2, 4))


def _as_reduce(reduce: Reduce | int | None) -> Reduce | None:
    if reduce is None:
        return None
    if isinstance(reduce, bool):
        raise TypeError("reduce must be a callable (C, H, W) -> (C, H/r, W/r) or an integer ratio, got a bool")
    if isinstance(reduce, int):
        r = reduce
        return lambda x: block_average(x, r)
    if not callable(reduce):
        raise TypeError(f"reduce must be a callable (C, H, W) -> (C, H/r, W/r) or an integer ratio, "
                        f"got {type(reduce).__name__}")
    return reduce


class RealPairDataset(HSMSItemsDataset):
    """A dataset of real (HS, MS) pairs.  Subclasses fill ``self.items`` and implement :meth:`_read_pair`,
    which returns ``(hs (C, h, w), ms (c, H, W), meta)`` already on the dataset's scale (float32 tensors) with
    ``meta`` holding ``name``, ``scale``, ``ms_scale`` and, where known, ``wavelengths`` / ``ms_wavelengths``.

    Sample, by argument:

    * neither ``reduce`` nor ``degrade``: ``{"hs", "ms"}`` as stored (the real fusion problem, no reference);
    * ``reduce`` (a callable, or an integer ratio for ``ratio`` x ``ratio`` block averaging): ``{"hs":
      reduce(hs), "ms": reduce(ms) if reduce_ms else ms, "gt": hs}``: Wald's protocol on the real pair (the HS
      itself is the reference);
    * ``degrade`` (as for the single cubes): the HS alone is degraded into ``hs``, ``ms``, ``gt`` (the real MS
      is then not used).
    """

    item_noun = "pairs"

    def __init__(self, reduce: Reduce | int | None, reduce_ms: bool, degrade: Degrade | str | None,
                 transforms: Callable | None, seed: int) -> None:
        if reduce is not None and degrade is not None:
            raise ValueError("pass either reduce (degrade the real pair) or degrade (simulate the MS from the HS), "
                             "not both")
        self._reduce = _as_reduce(reduce)
        self.reduce_ms = reduce_ms
        self._degrade = resolve_degrade(degrade, seed)
        self.transforms, self.seed = transforms, seed
        self.items: list[Any] = []

    def _read_pair(self, index: int) -> tuple[Tensor, Tensor, dict[str, Any]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def pair(self, index: int) -> tuple[Tensor, Tensor, dict[str, Any]]:
        """The stored (hs, ms, meta) of pair ``index``, scaled, before any reduction."""
        return self._read_pair(self._index(index))

    def __getitem__(self, index: int) -> dict[str, Any]:
        i = self._index(index)
        hs, ms, meta = self._read_pair(i)
        wl = meta.pop("wavelengths", None)
        wl_t = torch.as_tensor(np.asarray(wl, dtype=np.float32)) if wl is not None else None
        if self._degrade is not None:
            sample = self._degrade(hs, i, wl_t)
            meta.pop("ms_wavelengths", None)
            meta.pop("ms_scale", None)
        elif self._reduce is not None:
            sample = {"hs": self._reduce(hs).float(), "ms": self._reduce(ms).float() if self.reduce_ms else ms,
                      "gt": hs}
        else:
            sample = {"hs": hs, "ms": ms}
        h, H = sample["hs"].shape[-2:], sample["ms"].shape[-2:]
        if H[0] % h[0] == 0 and H[1] % h[1] == 0 and H[0] // h[0] == H[1] // h[1]:
            sample.setdefault("ratio", H[0] // h[0])
        if wl_t is not None:
            sample["wavelengths"] = wl_t
        for k, v in meta.items():
            if v is None:
                continue
            if k == "ms_wavelengths":
                v = torch.as_tensor(np.asarray(v, dtype=np.float32))
            elif k in ("scale", "ms_scale"):
                v = _scale_value(v)
            sample[k] = v
        if self.transforms is not None:
            sample = self.transforms(sample)
        return sample
