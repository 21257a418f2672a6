"""Reading and writing imagery: PAN + MS GeoTIFF pairs, georeferenced results, quicklooks, the built-in sample.

* :func:`read_pan_ms` reads a PAN + MS pair and checks that they belong together (same CRS, same extent,
  an integer resolution ratio that the pixel sizes and the image sizes agree on, one PAN band, no NaN).
  Every problem raises :class:`ImageryError` (a ``ValueError``) with a message that says what to fix.
* :func:`write_geotiff` writes a deflate-compressed GeoTIFF atomically (temporary file + rename), so a
  failure never leaves a half-written file under the requested name.
* :func:`quicklook` writes a 2-98 % percentile-stretched RGB PNG, atomically as well.
* :func:`load_sample` gives the built-in WorldView-3 scene (SpaceNet 3, Shanghai; CC BY-SA 4.0, see
  ``fusionzoo/sample/ATTRIBUTION.md``) as float tensors in [0, 1], ready for ``model(ms, pan)``.
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import torch

__all__ = [
    "ImageryError",
    "GeoreferenceError",
    "read_geotiff",
    "read_pan_ms",
    "write_geotiff",
    "quicklook",
    "stretch",
    "rgb_indexes_for",
    "load_sample",
    "SAMPLE_DIR",
    "SAMPLE_PAN",
    "SAMPLE_MS",
]

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
SAMPLE_PAN = SAMPLE_DIR / "wv3_shanghai_pan.tif"
SAMPLE_MS = SAMPLE_DIR / "wv3_shanghai_ms.tif"


class ImageryError(ValueError):
    """Input imagery is missing, unreadable or inconsistent (the message says what to fix)."""


class GeoreferenceError(ImageryError):
    """The georeferences of a PAN + MS pair disagree (CRS, pixel sizes or extent)."""


# --- reading ---------------------------------------------------------------------------------------------
def _rasterio():
    import rasterio

    return rasterio


def read_geotiff(path: str | os.PathLike, what: str = "image") -> tuple[np.ndarray, dict[str, Any]]:
    """Read every band of a raster: ``(array (C, H, W), meta)``.

    ``meta`` holds ``crs``, ``transform`` (``None`` for a file without georeference), ``dtype``,
    ``nodata``, ``descriptions`` (band names, where stored), ``tags`` and ``path``.
    """
    rasterio = _rasterio()
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    p = Path(path).expanduser()
    if not p.exists():
        raise ImageryError(f"{what} file {p} does not exist")
    if p.is_dir():
        raise ImageryError(f"{what} path {p} is a folder, not an image file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(p) as src:
                arr = src.read()
                georef = src.crs is not None or not src.transform.is_identity
                meta = {
                    "path": p,
                    "crs": src.crs,
                    "transform": src.transform if georef else None,
                    "dtype": np.dtype(src.dtypes[0]),
                    "nodata": src.nodata,
                    "descriptions": tuple(src.descriptions),
                    "tags": src.tags(),
                    "width": src.width,
                    "height": src.height,
                    "count": src.count,
                }
    except RasterioIOError as e:
        raise ImageryError(f"cannot read {what} file {p}: {e}") from e
    return arr, meta


def _res(transform) -> tuple[float, float]:
    return math.hypot(transform.a, transform.d), math.hypot(transform.b, transform.e)


def _apply(t, xy: tuple[float, float]) -> tuple[float, float]:
    """An affine transform applied to a point (spelled out: ``*`` is deprecated in newer ``affine``)."""
    x, y = xy
    return t.a * x + t.b * y + t.c, t.d * x + t.e * y + t.f


def _check_finite(arr: np.ndarray, what: str, path: Path) -> None:
    if np.issubdtype(arr.dtype, np.floating):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise ImageryError(f"{what} {path} contains {int(bad.sum())} NaN or infinite pixels; fill or mask "
                               f"them (e.g. with the band median) before fusion")


def read_pan_ms(
    pan_path: str | os.PathLike,
    ms_path: str | os.PathLike,
    ratio: int | None = None,
    bands: int | None = None,
    check_georef: bool = True,
) -> dict[str, Any]:
    """Read a PAN + MS GeoTIFF pair and check that they fit together.

    Returns ``{"pan": (1, H, W), "ms": (C, h, w), "ratio", "crs", "transform" (of the PAN),
    "ms_transform", "dtype", "pan_meta", "ms_meta"}`` with the arrays as stored (digital numbers).
    ``ratio`` and ``bands``, when given, are what the caller expects; a pair that differs is an error.

    The resolution ratio comes from the image sizes (``H / h == W / w``, an integer) and, for
    georeferenced files, must agree with the pixel sizes of the two transforms; the two files must have the
    same CRS and cover the same extent (to within one PAN pixel); a disagreement raises
    :class:`GeoreferenceError`.  ``check_georef=False`` skips these checks and returns no georeference
    (``crs`` and ``transform`` ``None``), for pairs whose georeference is missing or wrong.
    """
    pan, pm = read_geotiff(pan_path, "PAN")
    ms, mm = read_geotiff(ms_path, "MS")
    pp, mp = pm["path"], mm["path"]
    if pan.shape[0] != 1:
        raise ImageryError(f"PAN {pp} has {pan.shape[0]} bands; it must have exactly 1 (pass the "
                           f"panchromatic image as --pan and the multispectral one as --ms)")
    if bands is not None and ms.shape[0] != bands:
        raise ImageryError(f"MS {mp} has {ms.shape[0]} bands, expected {bands}")
    if ms.shape[0] < 1:
        raise ImageryError(f"MS {mp} has no bands")
    _check_finite(pan, "PAN", pp)
    _check_finite(ms, "MS", mp)
    H, W = pan.shape[-2:]
    h, w = ms.shape[-2:]
    size = f"PAN {W}x{H} (width x height), MS {w}x{h}"
    if H % h or W % w or H // h != W // w:
        raise ImageryError(f"PAN and MS sizes do not fit an integer resolution ratio: {size}; the PAN must be "
                           f"ratio times the MS in both directions (crop the pair so that it matches)")
    r = H // h
    if r < 2:
        raise ImageryError(f"PAN and MS have the same size ({size}); the MS must be the low-resolution image "
                           f"(ratio 2, 4, ...), not one already resampled to the PAN grid")
    if ratio is not None and r != ratio:
        raise ImageryError(f"the pair has resolution ratio {r} ({size}), expected {ratio}")

    pt, mt = pm["transform"], mm["transform"]
    if not check_georef:
        pm, mm = {**pm, "crs": None, "transform": None}, {**mm, "crs": None, "transform": None}
        pt = mt = None
    if (pt is None) != (mt is None) or (pm["crs"] is None) != (mm["crs"] is None):
        which = "PAN" if pt is None or pm["crs"] is None else "MS"
        raise GeoreferenceError(f"only one of the pair is georeferenced ({which} has no CRS or transform); both or "
                           f"neither must be")
    if pm["crs"] is not None and pm["crs"] != mm["crs"]:
        raise GeoreferenceError(f"PAN and MS have different CRS: {pm['crs'].to_string()} vs {mm['crs'].to_string()}; "
                           f"reproject one of them first")
    if pt is not None:
        (pxr, pyr), (mxr, myr) = _res(pt), _res(mt)
        rx, ry = mxr / pxr, myr / pyr
        if not (math.isclose(rx, r, rel_tol=1e-3) and math.isclose(ry, r, rel_tol=1e-3)):
            raise GeoreferenceError(f"the pixel sizes give a ratio of {rx:.4g} x {ry:.4g} (PAN {pxr:.6g} x {pyr:.6g}, "
                               f"MS {mxr:.6g} x {myr:.6g}) but the image sizes give {r} ({size}); the files do "
                               f"not cover the same area at ratio {r}")
        # corners of both images, in PAN pixels
        inv = ~pt
        for (col, row), (mcol, mrow) in (((0, 0), (0, 0)), ((W, H), (w, h))):
            c, rr = _apply(inv, _apply(mt, (mcol, mrow)))
            if abs(c - col) > 1 or abs(rr - row) > 1:
                raise GeoreferenceError(f"PAN and MS do not cover the same extent: the MS corner ({mcol}, {mrow}) falls "
                                   f"at PAN pixel ({c:.1f}, {rr:.1f}) instead of ({col}, {row}); crop both to the "
                                   f"same area (MS offsets = PAN offsets / {r})")
    return {
        "pan": pan,
        "ms": ms,
        "ratio": r,
        "crs": pm["crs"],
        "transform": pt,
        "ms_transform": mt,
        "dtype": np.result_type(pan.dtype, ms.dtype),
        "pan_meta": pm,
        "ms_meta": mm,
    }


# --- writing ---------------------------------------------------------------------------------------------
def _tmp_beside(path: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{suffix}", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)  # mkstemp makes 0600 files; outputs get the usual permissions
    return Path(name)


def _check_out_dir(path: Path) -> None:
    if not path.parent.is_dir():
        raise ImageryError(f"cannot write {path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise ImageryError(f"cannot write {path}: it is a folder")


def _to_numpy(array: Any) -> np.ndarray:
    if isinstance(array, torch.Tensor):
        array = array.detach().cpu().numpy()
    return np.asarray(array)


def _as_chw(array, what: str) -> np.ndarray:
    """``array`` (tensor or numpy; (C, H, W), (H, W) or (1, C, H, W)) as a (C, H, W) numpy array."""
    arr = _to_numpy(array)
    if arr.ndim == 4 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ImageryError(f"{what} needs a (C, H, W) or (H, W) array, got shape {arr.shape}")
    return arr


def write_geotiff(
    path: str | os.PathLike,
    array: Any,
    crs: Any,
    transform: Any,
    dtype: str | np.dtype | None = None,
    *,
    band_names: Sequence[str] | None = None,
    tags: Mapping[str, Any] | None = None,
    nodata: float | None = None,
) -> Path:
    """Write ``array`` ((C, H, W), (H, W) or (1, C, H, W); numpy or torch) as a deflate-compressed GeoTIFF.

    ``crs`` and ``transform`` may be ``None`` (no georeference).  Floating data written to an integer
    ``dtype`` is rounded and clipped to that type's range (scale it to digital numbers first).  The file is
    written beside ``path`` under a temporary name and renamed at the end, so ``path`` is either the complete
    new file or untouched.
    """
    rasterio = _rasterio()
    path = Path(path).expanduser()
    _check_out_dir(path)
    arr = _as_chw(array, "write_geotiff")
    dt = np.dtype(dtype) if dtype is not None else arr.dtype
    if np.issubdtype(dt, np.integer):
        if np.issubdtype(arr.dtype, np.floating):
            if not np.isfinite(arr).all():
                raise ImageryError(f"cannot write {path}: the array contains NaN or infinite values")
            info = np.iinfo(dt)
            arr = np.clip(np.rint(arr), info.min, info.max)
        arr = arr.astype(dt)
    else:
        arr = arr.astype(dt)
    count, height, width = arr.shape
    if band_names is not None and len(band_names) != count:
        raise ImageryError(f"{len(band_names)} band names for {count} bands")
    profile: dict[str, Any] = {
        "driver": "GTiff", "width": width, "height": height, "count": count, "dtype": dt.name,
        "compress": "deflate", "predictor": 3 if np.issubdtype(dt, np.floating) else 2,
        "interleave": "pixel" if count > 1 else "band",
    }
    if width >= 256 and height >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    if crs is not None:
        profile["crs"] = crs
    if transform is not None:
        profile["transform"] = transform
    if nodata is not None:
        profile["nodata"] = nodata
    tmp = _tmp_beside(path, ".tif")
    try:
        with warnings.catch_warnings():
            from rasterio.errors import NotGeoreferencedWarning

            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(tmp, "w", **profile) as dst:
                dst.write(arr)
                if band_names is not None:
                    for i, n in enumerate(band_names, 1):
                        dst.set_band_description(i, str(n))
                if tags:
                    dst.update_tags(**{k: str(v) for k, v in tags.items()})
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


# --- quicklooks ------------------------------------------------------------------------------------------
def rgb_indexes_for(num_bands: int, band_names: Sequence[str] | None = None) -> tuple[int, int, int]:
    """0-based (red, green, blue) band indexes for a quicklook: by name where known, else by band count
    (8: WorldView order -> 4, 2, 1; 4: B, G, R, NIR -> 2, 1, 0; 3: R, G, B), else the first band as grey."""
    if band_names is not None:
        names = [str(n).lower() for n in band_names]
        if all(c in names for c in ("red", "green", "blue")):
            return names.index("red"), names.index("green"), names.index("blue")
    if num_bands == 8:
        return 4, 2, 1
    if num_bands == 4:
        return 2, 1, 0
    if num_bands == 3:
        return 0, 1, 2
    return 0, 0, 0


def stretch(band: np.ndarray, low: float = 2.0, high: float = 98.0) -> np.ndarray:
    """Linear stretch of one band between its ``low`` and ``high`` percentiles, to uint8."""
    band = band.astype(np.float64)
    finite = band[np.isfinite(band)]
    if finite.size == 0:
        return np.zeros(band.shape, np.uint8)
    lo, hi = np.percentile(finite, [low, high])
    if hi <= lo:
        hi = lo + 1e-12
    out = np.clip((np.nan_to_num(band, nan=lo) - lo) / (hi - lo), 0, 1)
    return np.rint(out * 255).astype(np.uint8)


def quicklook(array: Any, rgb_indexes: Sequence[int] | None, path: str | os.PathLike) -> Path:
    """Write a 2-98 % percentile-stretched RGB PNG of ``array`` ((C, H, W), (1, C, H, W) or (H, W)).

    ``rgb_indexes`` are the 0-based bands shown as red, green and blue (``None``: see
    :func:`rgb_indexes_for`); each is stretched on its own.  Written atomically.
    """
    from PIL import Image

    path = Path(path).expanduser()
    _check_out_dir(path)
    arr = _as_chw(array, "quicklook")
    idx = tuple(rgb_indexes) if rgb_indexes is not None else rgb_indexes_for(arr.shape[0])
    if len(idx) != 3 or any(not 0 <= i < arr.shape[0] for i in idx):
        raise ImageryError(f"rgb_indexes must be 3 band indexes in 0..{arr.shape[0] - 1}, got {list(idx)}")
    rgb = np.stack([stretch(arr[i]) for i in idx], axis=-1)
    tmp = _tmp_beside(path, ".png")
    try:
        Image.fromarray(rgb, mode="RGB").save(tmp, format="PNG")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


# --- the built-in sample ---------------------------------------------------------------------------------
def load_sample() -> dict[str, Any]:
    """The built-in WorldView-3 sample (SpaceNet 3, Shanghai, CC BY-SA 4.0; see ``sample/ATTRIBUTION.md``).

    Returns ``ms`` (1, 8, 128, 128) and ``pan`` (1, 1, 512, 512) float32 tensors in [0, 1]
    (``DN / 2047``), ready for ``model(ms, pan)``, plus ``sensor`` ("WV3"), ``bands`` (band names),
    ``wavelengths``, ``bit_depth`` (11), ``ratio`` (4), ``crs`` and ``transform`` (of the PAN),
    ``ms_transform`` and ``paths`` (``{"pan": ..., "ms": ...}``).
    """
    from .sensors import get_sensor

    for p in (SAMPLE_PAN, SAMPLE_MS):
        if not p.is_file():
            raise ImageryError(f"the built-in sample {p} is missing from this installation (reinstall fusionzoo, "
                               f"or regenerate it with scripts/make_sample.py)")
    sensor = get_sensor("WV3")
    pair = read_pan_ms(SAMPLE_PAN, SAMPLE_MS, ratio=sensor.ratio, bands=sensor.num_bands)
    scale = float(sensor.max_value)
    return {
        "ms": torch.from_numpy(pair["ms"].astype(np.float32) / scale)[None],
        "pan": torch.from_numpy(pair["pan"].astype(np.float32) / scale)[None],
        "sensor": sensor.name,
        "bands": sensor.bands,
        "wavelengths": sensor.wavelengths,
        "bit_depth": sensor.bit_depth,
        "ratio": pair["ratio"],
        "crs": pair["crs"],
        "transform": pair["transform"],
        "ms_transform": pair["ms_transform"],
        "paths": {"pan": SAMPLE_PAN, "ms": SAMPLE_MS},
    }
