"""Any HS + MS GeoTIFF pair (optionally with a reference), georeference checked.

The two images are read with :func:`fusionzoo.io.read_geotiff`.  When both are georeferenced they must share
the CRS, the resolution ratio comes from the pixel sizes (HS pixel size / MS pixel size, an integer, the same
along both axes), the image sizes must agree with it (MS = ratio x HS pixels) and the two must cover the same
extent (the HS corners within one MS pixel of the MS corners); otherwise a
:class:`fusionzoo.io.GeoreferenceError` says what differs and how to fix it.  Images without georeference
(both) are paired by their sizes; ``check_georef=False`` skips the checks.

Band wavelengths (nm) come from the arguments, else from the files: a dataset tag ``wavelengths`` (comma or
space separated) or numeric band descriptions (``"450"``, ``"450 nm"``, ``"0.45 um"``).
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch

from ._common import Degrade, HSDatasetNotFoundError
from ._pairs import RealPairDataset, Reduce

__all__ = ["GeoTiffHSMSPair", "check_hs_ms_georeference", "wavelengths_from_meta"]

_NUM = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(nm|um|µm|micrometers?|nanometers?)?\s*$", re.I)


def wavelengths_from_meta(meta: Mapping[str, Any], count: int) -> np.ndarray | None:
    """Band centres (nm) from a :func:`fusionzoo.io.read_geotiff` ``meta`` (tags or band descriptions)."""
    tags = {str(k).lower(): v for k, v in (meta.get("tags") or {}).items()}
    for key in ("wavelengths", "wavelength", "band_wavelengths"):
        if key in tags:
            parts = [s for s in re.split(r"[,\s;\[\]]+", str(tags[key])) if s]
            try:
                a = np.array([float(s) for s in parts])
            except ValueError:
                continue
            if a.size == count:
                return a * 1000.0 if a.max() < 30 else a
    desc = meta.get("descriptions") or ()
    if len(desc) == count and all(d for d in desc):
        vals = []
        for d in desc:
            m = _NUM.match(str(d))
            if not m:
                return None
            v = float(m.group(1))
            unit = (m.group(2) or "").lower()
            vals.append(v * 1000.0 if unit.startswith(("u", "µ", "micro")) or (not unit and v < 30) else v)
        return np.array(vals)
    return None


def _res(t) -> tuple[float, float]:
    return math.hypot(t.a, t.d), math.hypot(t.b, t.e)


def _apply(t, x: float, y: float) -> tuple[float, float]:
    return t.a * x + t.b * y + t.c, t.d * x + t.e * y + t.f


def check_hs_ms_georeference(hs_shape: tuple[int, int], ms_shape: tuple[int, int], hs_meta: Mapping[str, Any],
                             ms_meta: Mapping[str, Any], ratio: int | None = None, check_georef: bool = True) -> int:
    """The resolution ratio of an HS + MS pair, after checking that they fit together (see the module notes).

    ``hs_shape`` / ``ms_shape`` are (H, W); raises :class:`fusionzoo.io.GeoreferenceError` (georeference) or
    :class:`fusionzoo.io.ImageryError` (sizes)."""
    from ...io import GeoreferenceError, ImageryError

    hp, mp = hs_meta.get("path", "HS"), ms_meta.get("path", "MS")
    (h, w), (H, W) = hs_shape, ms_shape
    size = f"HS {w}x{h} (width x height), MS {W}x{H}"
    ht, mt = hs_meta.get("transform"), ms_meta.get("transform")
    hc, mc = hs_meta.get("crs"), ms_meta.get("crs")
    georef = check_georef and (ht is not None or mt is not None or hc is not None or mc is not None)
    if georef:
        if (ht is None) != (mt is None) or (hc is None) != (mc is None):
            which = hp if ht is None or hc is None else mp
            raise GeoreferenceError(f"only one of the pair is georeferenced ({which} has no CRS or transform); both "
                                    f"or neither must be (or pass check_georef=False)")
        if hc is not None and hc != mc:
            raise GeoreferenceError(f"HS and MS have different CRS: {hc.to_string()} ({hp}) vs {mc.to_string()} "
                                    f"({mp}); reproject one of them onto the other's CRS first")
        (hx, hy), (mx, my) = _res(ht), _res(mt)
        rx, ry = hx / mx, hy / my
        r = int(round(rx))
        if r < 1 or not (math.isclose(rx, r, rel_tol=1e-3) and math.isclose(ry, r, rel_tol=1e-3)):
            raise GeoreferenceError(f"the pixel sizes (HS {hx:.6g} x {hy:.6g}, MS {mx:.6g} x {my:.6g}) give a ratio "
                                    f"of {rx:.4g} x {ry:.4g}, not one integer; resample the MS to an integer "
                                    f"fraction of the HS pixel size")
        if (H, W) != (r * h, r * w):
            raise ImageryError(f"the pixel sizes give ratio {r} but the image sizes do not fit it: {size} (the MS "
                               f"must be {r * w}x{r * h}); crop both to the same area")
        inv = ~mt
        for (col, row) in ((0, 0), (w, h)):
            c, rr = _apply(inv, *_apply(ht, col, row))
            if abs(c - col * r) > 1 or abs(rr - row * r) > 1:
                raise GeoreferenceError(f"HS and MS do not cover the same extent: the HS corner ({col}, {row}) falls "
                                        f"at MS pixel ({c:.1f}, {rr:.1f}) instead of ({col * r}, {row * r}); crop "
                                        f"both to the same area (MS offsets = HS offsets x {r})")
    else:
        if H % h or W % w or H // h != W // w:
            raise ImageryError(f"HS and MS sizes do not fit an integer resolution ratio: {size}; the MS must be "
                               f"ratio times the HS in both directions")
        r = H // h
    if ratio is not None and r != ratio:
        raise ImageryError(f"the pair has resolution ratio {r} ({size}), expected {ratio}")
    return r


class GeoTiffHSMSPair(RealPairDataset):
    """HS + MS GeoTIFF pairs (one sample per pair), georeference checked.

    Args:
        hs: the HS GeoTIFF, or a sequence of them.
        ms: the MS GeoTIFF(s), as many as ``hs``.
        gt: optional reference GeoTIFF(s) (HS bands on the MS grid).
        hs_wavelengths, ms_wavelengths: band centres in nm (default: from the files, where stored).
        scale: divisor of the HS (and reference): a number (default 1: as stored, as float), ``"max"`` or
            ``"band_max"``; ``ms_scale`` that of the MS (default: the same as ``scale``: keep both on one
            radiometric scale, e.g. 10000 for reflectance x 1e4).
        ratio: the expected ratio (default: whatever the pair has).
        check_georef: check CRS, pixel sizes and extent (see the module notes).
        reduce, reduce_ms, degrade, transforms, seed: see :class:`RealPairDataset`.

    Samples: ``hs`` (C, h, w), ``ms`` (c, H, W), ``gt`` where given, ``ratio``, ``wavelengths`` /
    ``ms_wavelengths`` where known, ``scale``, ``ms_scale``, ``name``, ``crs`` (WKT string, where georeferenced).
    """

    def __init__(self, hs: str | os.PathLike | Sequence[str | os.PathLike],
                 ms: str | os.PathLike | Sequence[str | os.PathLike],
                 gt: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
                 hs_wavelengths: Sequence[float] | None = None, ms_wavelengths: Sequence[float] | None = None,
                 scale: float | str | None = 1.0, ms_scale: float | str | None = None, ratio: int | None = None,
                 check_georef: bool = True, reduce: Reduce | int | None = None, reduce_ms: bool = True,
                 degrade: Degrade | str | None = None,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, seed: int = 0) -> None:
        super().__init__(reduce, reduce_ms, degrade, transforms, seed)

        def paths(x) -> list[Path]:
            return [Path(x).expanduser()] if isinstance(x, (str, os.PathLike)) else [Path(p).expanduser() for p in x]

        hs_p, ms_p = paths(hs), paths(ms)
        gt_p: list[Path | None] = paths(gt) if gt is not None else [None] * len(hs_p)
        if not hs_p or len(hs_p) != len(ms_p) or len(gt_p) != len(hs_p):
            raise ValueError(f"give as many MS (and reference) files as HS files: {len(hs_p)} HS, {len(ms_p)} MS"
                             + (f", {len(gt_p)} references" if gt is not None else ""))
        for p in [*hs_p, *ms_p, *(g for g in gt_p if g is not None)]:
            if not p.is_file():
                raise HSDatasetNotFoundError(f"GeoTIFF {p} does not exist; pass existing HS / MS files (the HS at "
                                             f"low resolution, the MS at high resolution, over the same area)")
        self.items = list(zip(hs_p, ms_p, gt_p))
        self.hs_wavelengths = np.asarray(hs_wavelengths, dtype=np.float64) if hs_wavelengths is not None else None
        self.ms_wavelengths = np.asarray(ms_wavelengths, dtype=np.float64) if ms_wavelengths is not None else None
        self.scale, self.ms_scale = scale, (ms_scale if ms_scale is not None else scale)
        self.ratio, self.check_georef = ratio, check_georef

    def _read_pair(self, index: int):
        from ...io import ImageryError, read_geotiff
        from ._common import apply_scale

        hp, mp, gp = self.items[index]
        hs_raw, hm = read_geotiff(hp, "HS")
        ms_raw, mm = read_geotiff(mp, "MS")
        # the sample's ratio is then taken from the (possibly reduced) image sizes
        check_hs_ms_georeference(hs_raw.shape[-2:], ms_raw.shape[-2:], hm, mm, self.ratio, self.check_georef)
        hs, div = apply_scale(hs_raw, self.scale, str(hp))
        ms, ms_div = apply_scale(ms_raw, self.ms_scale, str(mp))
        meta: dict[str, Any] = {"name": hp.stem, "scale": div, "ms_scale": ms_div}
        for what, given, m, c in (("wavelengths", self.hs_wavelengths, hm, hs.shape[0]),
                                  ("ms_wavelengths", self.ms_wavelengths, mm, ms.shape[0])):
            wl = given if given is not None else wavelengths_from_meta(m, c)
            if wl is not None and len(wl) != c:
                raise ValueError(f"{len(wl)} {what.replace('_', ' ')} for {c} bands")
            meta[what] = wl
        if hm.get("crs") is not None:
            meta["crs"] = hm["crs"].to_wkt()
        if gp is not None:
            g, _ = read_geotiff(gp, "reference")
            if g.shape != (hs.shape[0], *ms.shape[-2:]):
                raise ImageryError(f"reference {gp} is {g.shape}, expected {(hs.shape[0], *ms.shape[-2:])} (the HS "
                                   f"bands on the MS grid)")
            d = np.asarray(div, dtype=np.float64)
            gt = (g.astype(np.float64) / (d[:, None, None] if d.ndim else d)).astype(np.float32)
            meta["_gt"] = torch.from_numpy(gt)
        return torch.from_numpy(hs), torch.from_numpy(ms), meta

    def __getitem__(self, index: int) -> dict[str, Any]:
        transforms, self.transforms = self.transforms, None
        try:
            sample = super().__getitem__(index)
        finally:
            self.transforms = transforms
        gt = sample.pop("_gt", None)
        if gt is not None and "gt" not in sample:
            sample["gt"] = gt
        if self.transforms is not None:
            sample = self.transforms(sample)
        return sample
