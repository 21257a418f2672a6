"""Reading and writing imagery: PAN + MS GeoTIFF pairs, georeferenced results, quicklooks, the built-in sample.

* :func:`read_pan_ms` reads a PAN + MS pair and checks that they belong together (same CRS, the full affine
  transforms: the MS grid is the PAN grid scaled by an integer ratio, with the same origin, axis order, rotation
  and signs; one PAN band; the same data type; no NaN or infinity).  :func:`open_raster` and
  :func:`check_pan_ms` do the same checks on the files' headers alone, before any pixel is read (the
  windowed scene inference of :mod:`fusionzoo.inference.pansharpening` uses them).  Every problem raises
  :class:`ImageryError` (a ``ValueError``) with a message that says what to fix; a TIFF that GDAL cannot read
  names GDAL's own reason.
* A raster's declared size is checked before anything is allocated: at most :func:`max_pixels` pixels per
  band (``FUSIONZOO_MAX_PIXELS``, default 2**30), and no more pixel bytes than the file can hold (its size
  times the best ratio its compression can reach).
* :func:`write_geotiff` writes a deflate-compressed GeoTIFF atomically (temporary file + rename), so a
  failure never leaves a half-written file under the requested name.
* :func:`quicklook` writes a 2-98 % percentile-stretched RGB PNG preview of bounded size (at most
  ``max_size`` pixels on the long side, by decimation), atomically as well.
* :func:`load_sample` gives the built-in WorldView-3 scene (SpaceNet 3, Shanghai; CC BY-SA 4.0, see
  ``fusionzoo/sample/ATTRIBUTION.md``) as float tensors in [0, 1], ready for ``model(ms, pan)``.
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "SAMPLE_DIR",
    "SAMPLE_MS",
    "SAMPLE_PAN",
    "GeoreferenceError",
    "ImageryError",
    "check_pan_ms",
    "load_sample",
    "max_pixels",
    "open_raster",
    "quicklook",
    "raster_meta",
    "rasterio_error_text",
    "read_geotiff",
    "read_pan_ms",
    "rgb_indexes_for",
    "stretch",
    "write_geotiff",
]

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
SAMPLE_PAN = SAMPLE_DIR / "wv3_shanghai_pan.tif"
SAMPLE_MS = SAMPLE_DIR / "wv3_shanghai_ms.tif"


class ImageryError(ValueError):
    """Input imagery is missing, unreadable or inconsistent (the message says what to fix)."""


class GeoreferenceError(ImageryError):
    """The georeferences of a PAN + MS pair disagree (CRS, pixel sizes or extent)."""


# --- reading ---------------------------------------------------------------------------------------------
DEFAULT_MAX_PIXELS = 2**30
# the largest compression ratio a legitimate file can reach with each codec (deflate's theoretical maximum is
# 1032:1, LZW's about 2700:1; PackBits 64:1); for codecs without a small bound (ZSTD, LZMA, LERC...) the
# check is skipped
_MAX_RATIO = {None: 1.0, "NONE": 1.0, "DEFLATE": 1100.0, "ADOBE_DEFLATE": 1100.0, "LZW": 3000.0,
              "PACKBITS": 70.0}


def _rasterio():
    import rasterio

    return rasterio


def rasterio_error_text(e: BaseException) -> str:
    """The reason behind a rasterio / GDAL error in one line: the messages of its chain of causes, without
    rasterio's "See previous exception for details"."""
    msgs: list[str] = []
    seen: set[int] = set()
    c: BaseException | None = e
    while c is not None and id(c) not in seen:
        seen.add(id(c))
        m = " ".join(str(c).split())
        if m and "see previous exception" not in m.lower() and m not in msgs:
            msgs.append(m)
        c = c.__cause__ or c.__context__
    if not msgs:
        return type(e).__name__
    # the first message says where, the last one the root cause
    return msgs[0] if len(msgs) == 1 else f"{msgs[0]} ({msgs[-1]})"


def max_pixels(value: int | None = None) -> int:
    """The largest raster (pixels per band) read: ``value``, else ``FUSIONZOO_MAX_PIXELS``, else 2**30."""
    if value is not None:
        if int(value) < 1:
            raise ImageryError(f"the pixel limit must be positive, got {value}")
        return int(value)
    env = os.environ.get("FUSIONZOO_MAX_PIXELS")
    if env:
        try:
            v = int(float(env))
        except ValueError:
            raise ImageryError(f"FUSIONZOO_MAX_PIXELS must be a number of pixels, got {env!r}") from None
        if v < 1:
            raise ImageryError(f"FUSIONZOO_MAX_PIXELS must be positive, got {env!r}")
        return v
    return DEFAULT_MAX_PIXELS


def _check_declared_size(src, p: Path, what: str, limit: int) -> None:
    """Refuse a raster whose header declares more pixels than the limit, or more pixel bytes than the file can
    hold (a truncated, sparse or forged file), before anything is allocated."""
    pixels = src.width * src.height
    if pixels > limit:
        raise ImageryError(f"{what} {p} declares {src.width} x {src.height} = {pixels:.3g} pixels per band, above the "
                           f"limit of {limit:.3g}; if the file is right, raise the limit (--max-pixels or "
                           f"FUSIONZOO_MAX_PIXELS)")
    declared = pixels * src.count * np.dtype(src.dtypes[0]).itemsize
    codec = src.compression.name.upper() if src.compression is not None else None
    try:
        size = p.stat().st_size
    except OSError:  # pragma: no cover - a raster that rasterio opened from a path has a size
        return
    ratio = _MAX_RATIO.get(codec)
    if ratio is not None and declared > ratio * max(size, 1):
        kind = "uncompressed" if codec in (None, "NONE") else f"{codec}-compressed"
        raise ImageryError(f"{what} {p} declares {src.width} x {src.height} x {src.count} {src.dtypes[0]} pixels "
                           f"({declared / 1e6:.4g} MB) but the {kind} file has only {size} bytes; it is truncated, "
                           f"sparse or corrupted (write it again)")


def open_raster(path: str | os.PathLike, what: str = "image", limit: int | None = None):
    """Open a raster for reading after checking that it exists and that its declared size is sane
    (:func:`max_pixels`, the file size); returns the open rasterio dataset (close it, or use ``with``)."""
    rasterio = _rasterio()
    from rasterio.errors import NotGeoreferencedWarning, RasterioError

    p = Path(path).expanduser()
    if not p.exists():
        raise ImageryError(f"{what} file {p} does not exist")
    if p.is_dir():
        raise ImageryError(f"{what} path {p} is a folder, not an image file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            src = rasterio.open(p)
    except RasterioError as e:
        raise ImageryError(f"cannot read {what} file {p}: {rasterio_error_text(e)}") from e
    try:
        _check_declared_size(src, p, what, max_pixels(limit))
    except BaseException:
        src.close()
        raise
    return src


def raster_meta(src, path: Path) -> dict[str, Any]:
    """The ``meta`` dict of :func:`read_geotiff` from an open dataset."""
    georef = src.crs is not None or not src.transform.is_identity
    return {
        "path": path,
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


def read_geotiff(path: str | os.PathLike, what: str = "image", *, limit: int | None = None
                 ) -> tuple[np.ndarray, dict[str, Any]]:
    """Read every band of a raster: ``(array (C, H, W), meta)``.

    ``meta`` holds ``crs``, ``transform`` (``None`` for a file without georeference), ``dtype``,
    ``nodata``, ``descriptions`` (band names, where stored), ``tags`` and ``path``.  The declared size is
    checked first (:func:`open_raster`, ``limit`` pixels per band).
    """
    from rasterio.errors import RasterioError

    p = Path(path).expanduser()
    with open_raster(p, what, limit) as src:
        meta = raster_meta(src, p)
        try:
            arr = src.read()
        except RasterioError as e:
            raise ImageryError(f"cannot read {what} file {p}: {rasterio_error_text(e)}") from e
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
                               f"them (e.g. with the band median, or set them to the file's nodata value) before "
                               f"fusion")


def _ms_in_pan_pixels(pt, mt) -> tuple[float, float, float, float, float, float]:
    """The MS pixel grid expressed in PAN pixels: ``(a, b, c, d, e, f)`` of ``PAN^-1 o MS``."""
    P = np.array([[pt.a, pt.b, pt.c], [pt.d, pt.e, pt.f], [0.0, 0.0, 1.0]])
    M = np.array([[mt.a, mt.b, mt.c], [mt.d, mt.e, mt.f], [0.0, 0.0, 1.0]])
    A = np.linalg.solve(P, M)
    return A[0, 0], A[0, 1], A[0, 2], A[1, 0], A[1, 1], A[1, 2]


def _check_affines(pt, mt, r: int, w: int, h: int, size: str) -> None:
    """The MS transform must be the PAN transform scaled by ``r``: same origin, axis order, rotation, signs.

    Compared in PAN pixels, each term to within one PAN pixel over the MS extent (``w`` x ``h`` MS pixels)."""
    if abs(pt.a * pt.e - pt.b * pt.d) == 0:
        raise GeoreferenceError("the PAN transform is singular (zero pixel size); fix its georeference or pass "
                                "--ignore-georef")
    a, b, c, d, e, f = (round(float(v), 9) + 0.0 for v in _ms_in_pan_pixels(pt, mt))  # no "-0" in messages
    (pxr, pyr), (mxr, myr) = _res(pt), _res(mt)
    if abs(b) * h > 1 or abs(d) * w > 1:
        if abs(b) > abs(a) and abs(d) > abs(e):
            what = "its rows and columns are swapped (transposed axes)"
        else:
            what = "it is rotated or sheared"
        raise GeoreferenceError(f"the MS grid does not follow the PAN grid: relative to the PAN {what} (MS pixel "
                                f"axes in PAN pixels: x -> ({a:.4g}, {d:.4g}), y -> ({b:.4g}, {e:.4g}); expected "
                                f"({r}, 0) and (0, {r})); write the MS on the PAN's axes (e.g. gdalwarp onto the "
                                f"PAN grid at ratio {r})")
    if a < 0 or e < 0:
        axis = "x" if a < 0 else "y"
        raise GeoreferenceError(f"the MS grid is flipped along {axis} relative to the PAN (MS pixel axes in PAN pixels: "
                                f"({a:.4g}, {e:.4g}), expected ({r}, {r})); flip the MS image and its transform")
    if abs(a - r) * w > 1 or abs(e - r) * h > 1:
        raise GeoreferenceError(f"the pixel sizes give a ratio of {a:.4g} x {e:.4g} (PAN {pxr:.6g} x {pyr:.6g}, "
                                f"MS {mxr:.6g} x {myr:.6g}) but the image sizes give {r} ({size}); the files do "
                                f"not cover the same area at ratio {r}")
    if abs(c) > 1 or abs(f) > 1:
        raise GeoreferenceError(f"PAN and MS do not cover the same extent: the MS corner (0, 0) falls at PAN pixel "
                                f"({c:.1f}, {f:.1f}) instead of (0, 0); crop both to the same area (MS offsets = PAN "
                                f"offsets / {r})")


def check_pan_ms(pm: Mapping[str, Any], mm: Mapping[str, Any], ratio: int | None = None, bands: int | None = None,
                 check_georef: bool = True) -> dict[str, Any]:
    """Check that a PAN and an MS (their :func:`raster_meta`) fit together, from their headers alone.

    Returns ``{"ratio", "crs", "transform", "ms_transform"}`` (georeference ``None`` when ``check_georef`` is
    false).  Raises :class:`ImageryError` (bands, sizes, data types) or :class:`GeoreferenceError`.
    """
    pp, mp = pm["path"], mm["path"]
    if pm["count"] != 1:
        raise ImageryError(f"PAN {pp} has {pm['count']} bands; it must have exactly 1 (pass the "
                           f"panchromatic image as --pan and the multispectral one as --ms)")
    if bands is not None and mm["count"] != bands:
        raise ImageryError(f"MS {mp} has {mm['count']} bands, expected {bands}")
    if mm["count"] < 1:  # pragma: no cover - GDAL rasters have bands
        raise ImageryError(f"MS {mp} has no bands")
    if pm["dtype"] != mm["dtype"]:
        raise ImageryError(f"PAN {pp.name} is {pm['dtype']} but MS {mp.name} is {mm['dtype']}: the two must share "
                           f"one data type and radiometric scale; convert one (e.g. gdal_translate -ot "
                           f"{_gdal_type(np.result_type(pm['dtype'], mm['dtype']))} with the right -scale)")
    H, W, h, w = pm["height"], pm["width"], mm["height"], mm["width"]
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
    if not check_georef:
        return {"ratio": r, "crs": None, "transform": None, "ms_transform": None}
    pt, mt = pm["transform"], mm["transform"]
    if (pt is None) != (mt is None) or (pm["crs"] is None) != (mm["crs"] is None):
        which = "PAN" if pt is None or pm["crs"] is None else "MS"
        raise GeoreferenceError(f"only one of the pair is georeferenced ({which} has no CRS or transform); both or "
                                f"neither must be")
    if pm["crs"] is not None and pm["crs"] != mm["crs"]:
        raise GeoreferenceError(f"PAN and MS have different CRS: {pm['crs'].to_string()} vs "
                                f"{mm['crs'].to_string()}; reproject one of them first")
    if pt is not None:
        _check_affines(pt, mt, r, w, h, size)
    return {"ratio": r, "crs": pm["crs"], "transform": pt, "ms_transform": mt}


def _gdal_type(dt: np.dtype) -> str:
    name = np.dtype(dt).name
    return {"uint8": "Byte", "uint16": "UInt16", "uint32": "UInt32"}.get(name, name.capitalize())


def read_pan_ms(
    pan_path: str | os.PathLike,
    ms_path: str | os.PathLike,
    ratio: int | None = None,
    bands: int | None = None,
    check_georef: bool = True,
    *,
    limit: int | None = None,
) -> dict[str, Any]:
    """Read a PAN + MS GeoTIFF pair and check that they fit together.

    Returns ``{"pan": (1, H, W), "ms": (C, h, w), "ratio", "crs", "transform" (of the PAN),
    "ms_transform", "dtype", "pan_meta", "ms_meta"}`` with the arrays as stored (digital numbers).
    ``ratio`` and ``bands``, when given, are what the caller expects; a pair that differs is an error.

    The resolution ratio comes from the image sizes (``H / h == W / w``, an integer); both files must have
    the same data type; for georeferenced files the MS transform must be the PAN's scaled by the ratio --
    same CRS, origin (to within one PAN pixel), axis order, rotation and signs, pixel sizes in the ratio (the
    full affine transforms are compared, not corners); a disagreement raises :class:`GeoreferenceError`.
    ``check_georef=False`` skips these checks and returns no georeference (``crs`` and ``transform``
    ``None``), for pairs whose georeference is missing or wrong.  Headers are checked before pixels are read
    (``limit``: :func:`max_pixels`).
    """
    pp, mp = Path(pan_path).expanduser(), Path(ms_path).expanduser()
    with open_raster(pp, "PAN", limit) as ps, open_raster(mp, "MS", limit) as ms_src:
        pm, mm = raster_meta(ps, pp), raster_meta(ms_src, mp)
    geo = check_pan_ms(pm, mm, ratio, bands, check_georef)
    pan, _ = read_geotiff(pp, "PAN", limit=limit)
    ms, _ = read_geotiff(mp, "MS", limit=limit)
    _check_finite(pan, "PAN", pp)
    _check_finite(ms, "MS", mp)
    if not check_georef:
        pm, mm = {**pm, "crs": None, "transform": None}, {**mm, "crs": None, "transform": None}
    return {
        "pan": pan,
        "ms": ms,
        "ratio": geo["ratio"],
        "crs": geo["crs"],
        "transform": geo["transform"],
        "ms_transform": geo["ms_transform"],
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


def stretch(band: np.ndarray, low: float = 2.0, high: float = 98.0, *, sample: int = 1_000_000) -> np.ndarray:
    """Linear stretch of one band between its ``low`` and ``high`` percentiles, to uint8.

    The percentiles are computed on at most ``sample`` finite pixels (a regular subsample of a larger band)."""
    band = np.asarray(band)
    finite = band[np.isfinite(band)] if np.issubdtype(band.dtype, np.floating) else band.ravel()
    if finite.size == 0:
        return np.zeros(band.shape, np.uint8)
    if finite.size > sample:
        finite = finite[:: -(-finite.size // sample)]
    lo, hi = (float(v) for v in np.percentile(finite, [low, high]))
    if hi <= lo:
        hi = lo + 1e-12
    b = band.astype(np.float32)
    out = np.clip((np.nan_to_num(b, nan=lo) - lo) / (hi - lo), 0, 1)
    return np.rint(out * 255).astype(np.uint8)


def preview_step(height: int, width: int, max_size: int | None) -> int:
    """The decimation step that brings ``height x width`` to at most ``max_size`` pixels on the long side."""
    if not max_size:
        return 1
    return max(1, -(-max(height, width) // int(max_size)))


def write_png(rgb: np.ndarray, path: str | os.PathLike) -> Path:
    """Write an (H, W, 3) uint8 array as a PNG, atomically (temporary file + rename)."""
    from PIL import Image

    path = Path(path).expanduser()
    _check_out_dir(path)
    tmp = _tmp_beside(path, ".png")
    try:
        Image.fromarray(np.ascontiguousarray(rgb), mode="RGB").save(tmp, format="PNG")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def quicklook(array: Any, rgb_indexes: Sequence[int] | None, path: str | os.PathLike, *,
              max_size: int | None = 1024) -> Path:
    """Write a 2-98 % percentile-stretched RGB PNG preview of ``array`` ((C, H, W), (1, C, H, W) or (H, W)).

    ``rgb_indexes`` are the 0-based bands shown as red, green and blue (``None``: see
    :func:`rgb_indexes_for`); each is stretched on its own.  The preview has at most ``max_size`` pixels on
    its long side (every n-th row and column; ``None``: full resolution).  Written atomically.
    """
    path = Path(path).expanduser()
    _check_out_dir(path)
    arr = _as_chw(array, "quicklook")
    idx = tuple(rgb_indexes) if rgb_indexes is not None else rgb_indexes_for(arr.shape[0])
    if len(idx) != 3 or any(not 0 <= i < arr.shape[0] for i in idx):
        raise ImageryError(f"rgb_indexes must be 3 band indexes in 0..{arr.shape[0] - 1}, got {list(idx)}")
    step = preview_step(arr.shape[1], arr.shape[2], max_size)
    rgb = np.stack([stretch(arr[i, ::step, ::step]) for i in idx], axis=-1)
    return write_png(rgb, path)


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
