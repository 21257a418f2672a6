"""Whole pansharpening scenes with bounded memory: windowed reading, fusion tile by tile, windowed writing.

:func:`pansharpen_scene` fuses a PAN + MS pair given as GeoTIFF paths (it writes a GeoTIFF and a preview PNG)
or as arrays (it returns the fused array); :func:`pansharpen_scenes` does a list of scenes and shares it out
between the processes of a ``torch.distributed`` job (or an explicit ``rank`` / ``world_size``).

How a method is tiled (:func:`tile_plan`) depends on what its output pixel depends on:

* **local** methods (every learned network; EXP; TV): an output pixel
  depends on the inputs within a margin (the receptive field).  The margin is the model's ``tile_margin``
  attribute where it has one, else it is measured once: the model runs in float64 on a random probe, then on
  the same probe with everything farther than ``d`` PAN pixels from a central block changed, and the
  smallest ``d`` that leaves the block unchanged is the margin.  Each tile is read with that margin around
  it; beyond the scene's borders the MS margin wraps around the scene and the PAN margin repeats the edge
  pixels, which is what the 23-tap interpolator (circular) and the replicate-padded filters do on the whole
  scene -- so the tile sees what the untiled run sees.
* **MTF-GLP** and **MTF-GLP-HPM** equalise the PAN with statistics of the whole scene (means and standard
  deviations).  They run in two passes: the first streams the statistics (merged per tile in float64) and
  stores the decimated MTF low-pass PAN (at MS resolution, in a temporary file), the second fuses each tile
  with the scene's statistics.  The result equals the untiled one to float tolerance everywhere.
* the other **global** methods (GSA, GS, PCA, BT, BDSD, PRACS, HPF, SFIM, ATWT, AWLP, DWT / UDWT (PAN
  matching), the regression-based MTF-GLP-FS / -CBD / -HPM-R...): their output depends on statistics over the
  whole scene that are not streamed here, so they are not tileable; they run untiled (``tile=None``), with
  memory growing with the scene, and asking for tiles raises an error that says so.  (Streaming them is the
  same two-pass scheme as MTF-GLP's, method by method.)

Where tiled and untiled results can differ, and why: the 23-tap interpolator of every method (and the
periodic wavelet transforms) treat the scene as circular, so the untiled result within about 12 MS pixels of
a border mixes in the opposite border; the tiles reproduce that exactly (wrapped MS margins).  The networks'
own padding (PNN's replicate padding of the interpolated MS, zero-padded convolutions) acts on the tile's
margin instead of the scene's edge, so within the network's own reach of the scene border (PNN: 8 PAN
pixels) the untiled result repeats or zero-pads the interpolated MS while the tiled one sees the wrapped
interpolation: there, and only there, the two differ (the interpolated MS is itself an artefact there).

Memory: a tile (``tile`` x ``tile`` PAN pixels, default 1024) plus its margin, in float32, the model's
activations on it, and GDAL's block cache (limited to 256 MB while a scene is written); nothing depends on
the scene's size.  Inputs are scaled to [0, 1] tile by tile in float32 and the result is converted to digital
numbers tile by tile; no step copies the scene in float64.

Inputs are never silently wrong: the nodata value of the files (or ``nodata=``) is read, the scale is chosen
from the valid pixels only (float data already in [0, 1] is kept as it is), the nodata mask (PAN or any MS
band) is grown by the model's margin and written as nodata; NaN or infinity outside the nodata mask is an
error.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import signal
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "DEFAULT_TILE",
    "Scene",
    "Terminated",
    "TilePlan",
    "choose_scale",
    "open_scene",
    "pansharpen_scene",
    "pansharpen_scenes",
    "tile_plan",
]

DEFAULT_TILE = 1024
SCAN_BLOCK = 1024  # block side of the first pass over the inputs (valid range, NaN)
PREVIEW_SIZE = 1024
GDAL_CACHE_MB = 256


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived while a scene was being written (the temporary files have been removed)."""


def _error(msg: str) -> Exception:
    from ..io import ImageryError

    return ImageryError(msg)


# --- reading windows, with wrapped or repeated margins beyond the borders ---------------------------------
def _axis_index(start: int, stop: int, n: int, mode: str) -> np.ndarray:
    idx = np.arange(start, stop)
    if mode == "wrap":
        return idx % n
    return idx.clip(0, n - 1)


def _runs(idx: np.ndarray) -> list[tuple[int, int, int]]:
    """Consecutive increasing runs of ``idx``: ``(destination start, source start, length)``."""
    cuts = np.flatnonzero(np.diff(idx) != 1) + 1
    out, d0 = [], 0
    for d1 in [*cuts.tolist(), len(idx)]:
        out.append((d0, int(idx[d0]), d1 - d0))
        d0 = d1
    return out


class RasterSource:
    """A (C, H, W) raster read by windows: an open rasterio dataset or an array.

    :meth:`read` returns any window, also one reaching beyond the borders (``"wrap"``: periodic;
    ``"clamp"``: the edge pixels repeated).  ``windows`` records the (rows, cols) of every read, so a test can
    check that no read is larger than a tile and its margins.
    """

    def __init__(self, data: Any, what: str, path: Path | None = None) -> None:
        self.what, self.path = what, path
        if isinstance(data, np.ndarray):
            self._arr, self._ds = data, None
            self.count, self.height, self.width = data.shape
            self.dtype = data.dtype
        else:
            self._arr, self._ds = None, data
            self.count, self.height, self.width = data.count, data.height, data.width
            self.dtype = np.dtype(data.dtypes[0])
        self.windows: list[tuple[int, int]] = []

    def _window(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        self.windows.append((r1 - r0, c1 - c0))
        if self._arr is not None:
            return self._arr[:, r0:r1, c0:c1]
        from rasterio.errors import RasterioError
        from rasterio.windows import Window

        from ..io import rasterio_error_text

        try:
            return self._ds.read(window=Window(c0, r0, c1 - c0, r1 - r0))
        except RasterioError as e:
            raise _error(f"cannot read {self.what} file {self.path}: {rasterio_error_text(e)}") from e

    def read(self, r0: int, r1: int, c0: int, c1: int, mode: str = "clamp") -> np.ndarray:
        ri = _axis_index(r0, r1, self.height, mode)
        ci = _axis_index(c0, c1, self.width, mode)
        if mode == "clamp":
            lo_r, hi_r, lo_c, hi_c = int(ri[0]), int(ri[-1]) + 1, int(ci[0]), int(ci[-1]) + 1
            block = self._window(lo_r, hi_r, lo_c, hi_c)
            if (hi_r - lo_r, hi_c - lo_c) == (r1 - r0, c1 - c0):
                return block
            return block[:, ri - lo_r][:, :, ci - lo_c]
        out = np.empty((self.count, r1 - r0, c1 - c0), self.dtype)
        for dr, sr, nr in _runs(ri):
            for dc, sc, nc in _runs(ci):
                out[:, dr:dr + nr, dc:dc + nc] = self._window(sr, sr + nr, sc, sc + nc)
        return out


class _DiskArray:
    """A float32 (C, h, w) array in a temporary file, written and read by windows (layout (h, w, C))."""

    def __init__(self, folder: str, shape: tuple[int, int, int]) -> None:
        self.count, self.height, self.width = shape
        self.dtype = np.dtype(np.float32)
        self.path = Path(folder) / "lowpass.f32"
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        os.ftruncate(self._fd, self.count * self.height * self.width * 4)

    def close(self) -> None:
        os.close(self._fd)

    def write(self, r0: int, c0: int, block: np.ndarray) -> None:
        b = np.ascontiguousarray(block.transpose(1, 2, 0), dtype=np.float32)  # (rows, cols, C)
        row_bytes = self.width * self.count * 4
        for i in range(b.shape[0]):
            os.pwrite(self._fd, b[i].tobytes(), (r0 + i) * row_bytes + c0 * self.count * 4)

    def read(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        out = np.empty((r1 - r0, c1 - c0, self.count), np.float32)
        row_bytes, n = self.width * self.count * 4, (c1 - c0) * self.count * 4
        for i in range(r1 - r0):
            out[i] = np.frombuffer(os.pread(self._fd, n, (r0 + i) * row_bytes + c0 * self.count * 4),
                                   np.float32).reshape(c1 - c0, self.count)
        return out.transpose(2, 0, 1)


class _DiskSource(RasterSource):
    def __init__(self, store: _DiskArray) -> None:
        self.what, self.path, self._store = "low-pass store", store.path, store
        self.count, self.height, self.width, self.dtype = store.count, store.height, store.width, store.dtype
        self.windows = []

    def _window(self, r0, r1, c0, c1):
        self.windows.append((r1 - r0, c1 - c0))
        return self._store.read(r0, r1, c0, c1)


# --- scenes ------------------------------------------------------------------------------------------------
@dataclass
class Scene:
    """A PAN + MS pair opened for windowed reading (files or arrays), checked to fit together."""

    pan: RasterSource
    ms: RasterSource
    ratio: int
    crs: Any = None
    transform: Any = None
    nodata: float | None = None
    pan_meta: dict = field(default_factory=dict)
    ms_meta: dict = field(default_factory=dict)
    paths: tuple[Path, Path] | None = None
    _close: list = field(default_factory=list, repr=False)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(C, H, W) of the fused result."""
        return self.ms.count, self.pan.height, self.pan.width

    @property
    def dtype(self) -> np.dtype:
        return self.pan.dtype

    def close(self) -> None:
        for c in self._close:
            c.close()
        self._close.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _nodata_of(pm: dict, mm: dict, nodata: float | None) -> float | None:
    if nodata is not None:
        return float(nodata)
    p, m = pm.get("nodata"), mm.get("nodata")
    if p is not None and m is not None and not (p == m or (math.isnan(p) and math.isnan(m))):
        raise _error(f"PAN and MS declare different nodata values ({p:g} and {m:g}); pass --nodata to choose one "
                     f"(or rewrite one file's nodata)")
    return p if p is not None else m


def open_scene(pan: Any, ms: Any, *, ratio: int | None = None, bands: int | None = None,
               check_georef: bool = True, nodata: float | None = None, max_pixels: int | None = None) -> Scene:
    """Open a PAN + MS pair for windowed reading: paths (headers checked as :func:`fusionzoo.io.check_pan_ms`
    does, nothing read yet) or arrays ((1, H, W) / (H, W) PAN, (C, h, w) MS; a leading batch dimension of 1
    is accepted, tensors too)."""
    from ..io import _as_chw, check_pan_ms, open_raster, raster_meta

    if isinstance(pan, (str, os.PathLike)) != isinstance(ms, (str, os.PathLike)):
        raise _error("give both PAN and MS as file paths, or both as arrays")
    if isinstance(pan, (str, os.PathLike)):
        pp, mp = Path(pan).expanduser(), Path(ms).expanduser()
        ps = open_raster(pp, "PAN", max_pixels)
        try:
            msrc = open_raster(mp, "MS", max_pixels)
        except BaseException:
            ps.close()
            raise
        try:
            pm, mm = raster_meta(ps, pp), raster_meta(msrc, mp)
            geo = check_pan_ms(pm, mm, ratio, bands, check_georef)
            nd = _nodata_of(pm, mm, nodata)
        except BaseException:
            ps.close()
            msrc.close()
            raise
        return Scene(RasterSource(ps, "PAN", pp), RasterSource(msrc, "MS", mp), geo["ratio"], geo["crs"],
                     geo["transform"], nd, pm, mm, (pp, mp), [ps, msrc])
    pa, ma = _as_chw(pan, "pan"), _as_chw(ms, "ms")
    if pa.shape[0] != 1:
        raise _error(f"pan must have 1 band, got {pa.shape[0]} (shape {pa.shape})")
    if pa.dtype != ma.dtype:
        raise _error(f"pan is {pa.dtype} but ms is {ma.dtype}: give both in one data type and scale")
    H, W = pa.shape[1:]
    h, w = ma.shape[1:]
    if h == 0 or w == 0 or H % h or W % w or H // h != W // w or H // h < 2:
        raise _error(f"pan {H}x{W} must be an integer ratio >= 2 times the ms {h}x{w}")
    if ratio is not None and H // h != ratio:
        raise _error(f"the pair has resolution ratio {H // h}, expected {ratio}")
    if bands is not None and ma.shape[0] != bands:
        raise _error(f"ms has {ma.shape[0]} bands, expected {bands}")
    return Scene(RasterSource(pa, "PAN"), RasterSource(ma, "MS"), H // h, nodata=nodata)


# --- scanning and scaling ----------------------------------------------------------------------------------
def _invalid(arr: np.ndarray, nodata: float | None) -> np.ndarray:
    """(rows, cols) True where any band holds ``nodata``."""
    if nodata is None:
        return np.zeros(arr.shape[1:], bool)
    if math.isnan(nodata):
        return np.isnan(arr).any(0) if np.issubdtype(arr.dtype, np.floating) else np.zeros(arr.shape[1:], bool)
    return (arr == np.asarray(nodata).astype(arr.dtype)).any(0) if _representable(nodata, arr.dtype) \
        else np.zeros(arr.shape[1:], bool)


def _representable(v: float, dtype: np.dtype) -> bool:
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return float(v).is_integer() and info.min <= v <= info.max
    return True


def _blocks(height: int, width: int, size: int):
    for r0 in range(0, height, size):
        for c0 in range(0, width, size):
            yield r0, min(r0 + size, height), c0, min(c0 + size, width)


def scan(src: RasterSource, nodata: float | None, block: int | None = None) -> dict[str, Any]:
    """Valid-pixel statistics of a raster read block by block (``SCAN_BLOCK``): ``min``, ``max``, ``valid``
    (count), ``invalid`` (nodata pixels); NaN or infinity outside the nodata mask is an error."""
    block = block or SCAN_BLOCK
    lo, hi, n_valid, n_bad = math.inf, -math.inf, 0, 0
    for r0, r1, c0, c1 in _blocks(src.height, src.width, block):
        a = src.read(r0, r1, c0, c1)
        bad = _invalid(a, nodata)
        n_bad += int(bad.sum())
        v = a[:, ~bad]
        if np.issubdtype(v.dtype, np.floating):
            nf = ~np.isfinite(v)
            if nf.any():
                where = f" {src.path}" if src.path is not None else ""
                raise _error(f"{src.what}{where} contains {int(nf.sum())} NaN or infinite pixels outside its nodata "
                             f"mask; set them to the nodata value (or pass --nodata) or fill them before fusion")
        if v.size:
            lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
            n_valid += v.shape[1]
    return {"min": lo, "max": hi, "valid": n_valid, "invalid": n_bad}


def guess_bit_depth(max_dn: float, dtype: np.dtype) -> int:
    """The smallest usual bit depth (8 for uint8, else 11, 12, 14, 16) whose full scale holds ``max_dn``."""
    if np.dtype(dtype) == np.uint8:
        return 8
    for bits in (11, 12, 14, 16):
        if max_dn <= 2**bits - 1:
            return bits
    return 16


def choose_scale(dtype: np.dtype, vmin: float, vmax: float, *, scale: float | None = None,
                 bit_depth: int | None = None, weights_bits: int | None = None, default_bits: int | None = None
                 ) -> tuple[float, int | None, str]:
    """The divisor that brings the inputs to [0, 1]: ``(divisor, bit depth or None, why)``.

    ``scale`` (explicit divisor) wins, then ``bit_depth``; ``default_bits`` (e.g. the sample's sensor); float
    data whose valid pixels already lie in [0, 1] is kept as it is (divisor 1, never divided again); 8 for
    uint8; the weights' bit depth when the data fits it; else the smallest usual bit depth that holds the
    largest valid value.  Data above the chosen full scale is an error.
    """
    floating = np.issubdtype(np.dtype(dtype), np.floating)
    if scale is not None:
        if not scale > 0:
            raise _error(f"--scale must be positive, got {scale:g}")
        div, bits, why = float(scale), None, "--scale"
    elif bit_depth is not None:
        div, bits, why = float(2**bit_depth - 1), bit_depth, "--bit-depth"
    elif default_bits is not None:
        div, bits, why = float(2**default_bits - 1), default_bits, "the sample's sensor, WorldView-3"
    elif floating and vmax <= 1.0:
        if vmin < 0:
            raise _error(f"the float inputs lie in [{vmin:g}, {vmax:g}], not [0, 1]; pass --scale (the divisor "
                         f"to [0, 1]) or --bit-depth")
        return 1.0, None, "float data already in [0, 1], used as it is"
    elif np.dtype(dtype) == np.uint8:
        div, bits, why = 255.0, 8, "8-bit files"
    elif weights_bits is not None and vmax <= 2**weights_bits - 1:
        div, bits, why = float(2**weights_bits - 1), weights_bits, "the bit depth the weights were trained on"
    else:
        bits = guess_bit_depth(vmax, dtype)
        div = float(2**bits - 1)
        why = f"guessed from the largest valid value, {vmax:g}; pass --bit-depth to set it"
    if vmax > div * (1 + 1e-6):
        hint = f"--bit-depth (e.g. {guess_bit_depth(vmax, dtype)})" if scale is None else "--scale"
        full = f"{bits}-bit full scale {div:g}" if bits is not None else f"scale {div:g}"
        raise _error(f"the inputs reach {vmax:g}, above the {full}; pass the right {hint}")
    if vmin < 0:
        raise _error(f"the inputs go down to {vmin:g}; pansharpening inputs are non-negative (fix the data or "
                     f"mark negative fill values as --nodata)")
    return div, bits, why


def _prep(raw: np.ndarray, div: float, nodata: float | None) -> tuple[np.ndarray, np.ndarray]:
    """A tile as float32 in [0, 1] (nodata pixels set to 0) and its nodata mask (rows, cols)."""
    bad = _invalid(raw, nodata)
    x = raw.astype(np.float32, copy=True)
    if div != 1.0:
        x /= np.float32(div)
    if bad.any():
        x[:, bad] = 0.0
    if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
        raise _error("the inputs contain NaN or infinite pixels outside the nodata mask; set them to the nodata "
                     "value (or pass --nodata) or fill them before fusion")
    return x, bad


# --- how a method is tiled ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TilePlan:
    """``kind``: ``"local"`` (tiles with ``margin`` PAN pixels around them), ``"glp"`` (two passes: the scene's
    statistics, then the tiles) or ``"global"`` (not tileable: ``reason``); ``grow``: how far (PAN pixels) the
    nodata mask is grown."""

    kind: str
    margin: int
    grow: int
    reason: str


_PLANS: weakref.WeakKeyDictionary[torch.nn.Module, dict] = weakref.WeakKeyDictionary()


def _ceil_to(v: int, m: int) -> int:
    return -(-v // m) * m


def _two_pass(model) -> bool:
    """Whether the model's own class (not a subclass that changes the fusion) declares that its statistics can
    be taken in a first pass and its ``inject`` applied tile by tile (MTF-GLP and MTF-GLP-HPM)."""
    return bool(vars(type(model)).get("two_pass_tiling"))


def _measure_reach(model, bands: int, ratio: int, probe_ms: int = 32, max_probe_ms: int = 256) -> int | None:
    """The smallest distance (PAN pixels, a multiple of ``ratio``) beyond which the inputs do not change the
    output of a central ``ratio x ratio`` block; ``None`` when no such distance exists within the largest probe
    (statistics over the whole image).  The far pixels are changed by about 100 times the full scale; the block
    must stay within 1e-9 (parameter-free methods, probed in float64: their FFT filters spread rounding errors)
    or 1e-5 (networks, in their own dtype) relative.  A probe whose reach fills it is doubled (up to
    ``max_probe_ms`` MS pixels) for networks."""
    learned = any(True for _ in model.parameters())
    m = copy.deepcopy(model).eval().cpu()
    dt = next(m.parameters()).dtype if learned else torch.float64
    m = m.to(dt)
    tol = 1e-5 if dt != torch.float64 else 1e-9
    while True:
        reach = _probe(m, bands, ratio, probe_ms, dt, tol)
        if reach is not None or not learned or probe_ms >= max_probe_ms:
            return reach
        probe_ms *= 2


def _probe(m, bands: int, ratio: int, probe_ms: int, dt: torch.dtype, tol: float) -> int | None:
    g = torch.Generator().manual_seed(0)
    S = probe_ms * ratio

    def rand(*shape):
        return (0.2 + 0.6 * torch.rand(*shape, generator=g, dtype=torch.float64)).to(dt)

    ms, pan = rand(1, bands, probe_ms, probe_ms), rand(1, 1, S, S)
    # the far pixels change by ~100 (100 times the full scale), so that a dependence through a tap as small as
    # 1e-6 shows above the tolerance; the block's own inputs are the same, so its output is bit for bit the same
    # unless the far pixels reach it
    ms2, pan2 = 100 + rand(1, bands, probe_ms, probe_ms), 100 + rand(1, 1, S, S)
    c0 = S // 2 - S // 2 % ratio
    blk = (slice(None), slice(None), slice(c0, c0 + ratio), slice(c0, c0 + ratio))
    with torch.no_grad():
        ref = m(ms, pan)[blk]
    yy = torch.arange(S)
    dist = torch.maximum((c0 - yy).clamp(min=0), (yy - (c0 + ratio - 1)).clamp(min=0))
    dpan = torch.maximum(dist[:, None], dist[None, :])  # Chebyshev distance of each PAN pixel to the block
    dms = -F.max_pool2d(-dpan[None, None].double(), ratio)[0, 0]  # the nearest pixel of each MS footprint

    def unchanged(d: int) -> bool:
        p = torch.where(dpan > d, pan2, pan)
        x = torch.where(dms > d, ms2, ms)
        with torch.no_grad():
            out = m(x, p)[blk]
        return bool(((out - ref).abs() <= tol * (1 + ref.abs())).all())

    top = (S // 2 - 2 * ratio) // ratio * ratio
    if not unchanged(top):
        return None
    lo, hi = 0, top  # unchanged(hi) holds; lo (0: the block alone) is taken as changed
    while hi - lo > ratio:
        mid = max((lo + hi) // 2 // ratio * ratio, lo + ratio)
        if unchanged(mid):
            hi = mid
        else:
            lo = mid
    return hi


def tile_plan(model: torch.nn.Module, bands: int | None = None) -> TilePlan:
    """How ``model`` is tiled (see the module's docstring); measured once per model and band count."""
    ratio = int(model.ratio)
    bands = int(getattr(model, "num_bands", None) or bands or 4)
    cache = _PLANS.setdefault(model, {})
    if bands in cache:
        return cache[bands]
    if _two_pass(model):
        plan = TilePlan("glp", 0, _ceil_to(24, ratio),
                        f"{type(model).__name__}: the scene's statistics in a first pass")
    else:
        m = getattr(model, "tile_margin", None)
        if isinstance(m, int) and not isinstance(m, bool):
            plan = TilePlan("local", _ceil_to(m, ratio), _ceil_to(m, ratio), "tile_margin of the model")
        else:
            reach = _measure_reach(model, bands, ratio)
            if reach is None:
                plan = TilePlan("global", 0, 12 * ratio,
                                f"{type(model).__name__} is not tileable: it uses statistics over the whole scene")
            else:
                margin = _ceil_to(reach + ratio, ratio)
                plan = TilePlan("local", margin, margin, f"receptive field measured: {reach} PAN pixels")
    cache[bands] = plan
    return plan


# --- fusion of the tiles ---------------------------------------------------------------------------------------
def _grow(bad: torch.Tensor, g: int) -> torch.Tensor:
    if g <= 0:
        return bad
    return F.max_pool2d(bad[None, None].float(), 2 * g + 1, stride=1, padding=g)[0, 0] > 0


def _bad_at_pan(pbad: np.ndarray, mbad: np.ndarray, ratio: int) -> np.ndarray:
    if mbad.any():
        return pbad | np.repeat(np.repeat(mbad, ratio, 0), ratio, 1)
    return pbad


def _tiles(H: int, W: int, tile: int | None):
    if tile is None:
        return [(0, H, 0, W)]
    return list(_blocks(H, W, tile))


def _progress(items, desc: str, enabled: bool):
    if not enabled:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="tile", leave=False, disable=None)  # None: only on a terminal


def _run_model(model, ms: np.ndarray, pan: np.ndarray, device, name: str) -> torch.Tensor:
    dtype = next((p.dtype for p in model.parameters()), torch.float32)
    dtype = dtype if dtype.is_floating_point else torch.float32
    x = torch.from_numpy(ms)[None].to(device=device, dtype=dtype)
    p = torch.from_numpy(pan)[None].to(device=device, dtype=dtype)
    try:
        with torch.no_grad():
            out = model(x, p)
    except torch.OutOfMemoryError as e:
        raise _error(f"out of memory on {device} for a {pan.shape[-1]}x{pan.shape[-2]} PAN tile; use a smaller "
                     f"--tile (or --device cpu)") from e
    want = (1, ms.shape[0], *pan.shape[-2:])
    if tuple(out.shape) != want:
        raise _error(f"model {name} returned shape {tuple(out.shape)}, expected {want}")
    if not torch.isfinite(out).all():
        raise _error(f"model {name} produced NaN or infinite values; nothing was written")
    return out[0].float()


def _fuse_local(model, plan: TilePlan, scene: Scene, tile: int | None, div: float, device, sink, progress: bool,
                name: str) -> None:
    r = scene.ratio
    _, H, W = scene.shape
    M = plan.margin if tile is not None else 0
    for y0, y1, x0, x1 in _progress(_tiles(H, W, tile), "fusing", progress):
        pan, pbad = _prep(scene.pan.read(y0 - M, y1 + M, x0 - M, x1 + M, "clamp"), div, scene.nodata)
        ms, mbad = _prep(scene.ms.read((y0 - M) // r, (y1 + M) // r, (x0 - M) // r, (x1 + M) // r, "wrap"),
                         div, scene.nodata)
        out = _run_model(model, ms, pan, device, name)
        core = (slice(M, M + y1 - y0), slice(M, M + x1 - x0))
        bad = _grow(torch.from_numpy(_bad_at_pan(pbad, mbad, r)), plan.grow)
        sink(y0, y1, x0, x1, out[:, core[0], core[1]].clamp_(0, 1).cpu().numpy(), bad[core].numpy())


class _Moments:
    """Streaming means and (co)variances, merged per tile in float64 (Chan et al.)."""

    def __init__(self) -> None:
        self.n = 0
        self.mean: dict[str, np.ndarray] = {}
        self.m2: dict[str, np.ndarray] = {}

    def add(self, named: dict[str, torch.Tensor]) -> None:
        """``named``: name -> (C, rows, cols) tensors of one tile (all the same pixel count)."""
        k = None
        for key, t in named.items():
            t = t.double().flatten(1)
            k = t.shape[1]
            mu = t.mean(1)
            m2 = ((t - mu[:, None]) ** 2).sum(1)
            mu, m2 = mu.cpu().numpy(), m2.cpu().numpy()
            if self.n == 0:
                self.mean[key], self.m2[key] = mu, m2
            else:
                d = mu - self.mean[key]
                tot = self.n + k
                self.mean[key] = self.mean[key] + d * k / tot
                self.m2[key] = self.m2[key] + m2 + d * d * self.n * k / tot
        self.n += k or 0

    def std(self, key: str) -> np.ndarray:
        return np.sqrt(self.m2[key] / max(self.n - 1, 1))


def _fuse_glp(model, plan: TilePlan, scene: Scene, tile: int, div: float, device, sink, progress: bool,
              name: str) -> None:
    from ..models.pansharpening.classical.multiresolution import (
        _lpfilter_gauss_kernel,
        interp23,
        mtf_lowpass_decimated,
    )
    from ..ops import filter_replicate

    r = scene.ratio
    C, H, W = scene.shape
    hp = plan.grow            # PAN margin of the 41-tap filters (replicated edges beyond the scene)
    hm = 12                   # MS margin of the 23-tap interpolator (reach 8 MS pixels at ratio 4, 9.5 at 8)
    dt = torch.float32
    lpk = _lpfilter_gauss_kernel(r).to(device=device, dtype=dt)
    gains = model.mtf_gains(C)
    tiles = _tiles(H, W, tile)

    def t(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(a)[None].to(device=device, dtype=dt)

    def ms_up(y0, y1, x0, x1):
        ms, mbad = _prep(scene.ms.read(y0 // r - hm, y1 // r + hm, x0 // r - hm, x1 // r + hm, "wrap"), div,
                         scene.nodata)
        up = interp23(t(ms), r)[0, :, hm * r:hm * r + y1 - y0, hm * r:hm * r + x1 - x0]
        return up, mbad[hm:hm + (y1 - y0) // r, hm:hm + (x1 - x0) // r]

    stats = _Moments()
    with tempfile.TemporaryDirectory(prefix="fusionzoo-glp-") as tmp:
        store = _DiskArray(tmp, (C, H // r, W // r))
        try:
            abs_pan = 0.0
            for y0, y1, x0, x1 in _progress(tiles, "statistics", progress):
                pan, _ = _prep(scene.pan.read(y0 - hp, y1 + hp, x0 - hp, x1 + hp, "clamp"), div, scene.nodata)
                p = t(pan)
                core = (slice(None), slice(None), slice(hp, hp + y1 - y0), slice(hp, hp + x1 - x0))
                lp = filter_replicate(p, lpk)[core][0]
                low, ksum = mtf_lowpass_decimated(p, gains, r)
                k = hp // r
                store.write(y0 // r, x0 // r, low[0, :, k:k + (y1 - y0) // r, k:k + (x1 - x0) // r].cpu().numpy())
                up, _ = ms_up(y0, y1, x0, x1)
                pc = p[core][0]
                abs_pan += float(pc.double().abs().sum())
                stats.add({"ms": up, "pan": pc, "lp": lp})
            src = _DiskSource(store)
            n = stats.n
            tol = 64 * torch.finfo(dt).eps * abs_pan / n
            ref = float(stats.std("lp")[0])
            std_ms, mean_ms, mean_pan = stats.std("ms"), stats.mean["ms"], float(stats.mean["pan"][0])
            gain = np.where(abs(ref) > tol, std_ms / (ref if abs(ref) > tol else 1.0), 0.0)
            off = mean_ms - gain * mean_pan
            gain_t = torch.tensor(gain, dtype=dt, device=device).view(1, -1, 1, 1)
            off_t = torch.tensor(off, dtype=dt, device=device).view(1, -1, 1, 1)
            ksum = ksum.to(device=device, dtype=dt).view(1, -1, 1, 1)
            for y0, y1, x0, x1 in _progress(tiles, "fusing", progress):
                g = plan.grow
                pan_raw = scene.pan.read(y0 - g, y1 + g, x0 - g, x1 + g, "clamp")
                pan, pbad = _prep(pan_raw, div, scene.nodata)
                pc = t(pan)[:, :, g:g + y1 - y0, g:g + x1 - x0]
                up, _ = ms_up(y0, y1, x0, x1)
                ld = t(src.read(y0 // r - hm, y1 // r + hm, x0 // r - hm, x1 // r + hm, "wrap"))
                low = interp23(gain_t * ld + off_t * ksum, r)[..., hm * r:hm * r + y1 - y0, hm * r:hm * r + x1 - x0]
                eq = gain_t * pc + off_t
                out = model.inject(up[None], eq, low)
                _, mb = _prep(scene.ms.read((y0 - g) // r, (y1 + g) // r, (x0 - g) // r, (x1 + g) // r, "clamp"),
                              div, scene.nodata)
                bad = _grow(torch.from_numpy(_bad_at_pan(pbad, mb, r)), g)[g:g + y1 - y0, g:g + x1 - x0]
                if not torch.isfinite(out).all():
                    raise _error(f"model {name} produced NaN or infinite values; nothing was written")
                sink(y0, y1, x0, x1, out[0].clamp_(0, 1).cpu().numpy(), bad.numpy())
        finally:
            store.close()


# --- writing ---------------------------------------------------------------------------------------------------
def _block_size(tile: int | None, H: int, W: int) -> int | None:
    if min(H, W) < 16:
        return None
    for b in (256, 128, 64, 32, 16):
        if (tile is None or tile % b == 0) and min(H, W) >= b:
            return b
    return None


class _ArraySink:
    def __init__(self, shape) -> None:
        self.out = np.empty(shape, np.float32)

    def __call__(self, y0, y1, x0, x1, fused, bad) -> None:
        if bad.any():
            fused[:, bad] = np.nan
        self.out[:, y0:y1, x0:x1] = fused


class _TiffSink:
    """Writes tiles into an open GeoTIFF: uint16 digital numbers (``fused * full``, rounded) or float32."""

    def __init__(self, dst, full: float, dtype: np.dtype, nodata: float | None) -> None:
        self.dst, self.full, self.dtype, self.nodata = dst, np.float32(full), np.dtype(dtype), nodata
        self.valid_max = 0.0

    def __call__(self, y0, y1, x0, x1, fused, bad) -> None:
        from rasterio.windows import Window

        fused *= self.full
        if np.issubdtype(self.dtype, np.integer):
            info = np.iinfo(self.dtype)
            np.rint(fused, out=fused)
            np.clip(fused, info.min, info.max, out=fused)
            arr = fused.astype(self.dtype)
            if self.nodata is not None:
                nd = self.dtype.type(self.nodata)
                arr[arr == nd] = nd + 1 if nd < info.max else nd - 1  # a valid pixel never reads as nodata
        else:
            arr = fused.astype(self.dtype, copy=False)
        if self.nodata is not None and bad.any():
            arr[:, bad] = self.nodata
        self.dst.write(arr, window=Window(x0, y0, x1 - x0, y1 - y0))


@contextlib.contextmanager
def _sigterm_raises():
    """While writing: SIGTERM raises :class:`Terminated` (so the temporaries are removed); restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated(f"terminated by signal {signum} while writing; the previous output was kept")

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _write_preview(tif: Path, png_tmp: Path, rgb: Sequence[int], max_size: int) -> None:
    """The preview PNG of a written GeoTIFF from a decimated read (bounded size), nodata shown black."""
    import rasterio
    from rasterio.enums import Resampling

    from .. import io as fio

    with rasterio.open(tif) as src:
        step = fio.preview_step(src.height, src.width, max_size)
        shape = (3, -(-src.height // step), -(-src.width // step))
        arr = src.read(indexes=[i + 1 for i in rgb], out_shape=shape, resampling=Resampling.nearest).astype(np.float32)
        if src.nodata is not None:
            arr[arr == np.float32(src.nodata)] = np.nan
    fio.quicklook(arr, (0, 1, 2), png_tmp, max_size=None)


# --- the API ------------------------------------------------------------------------------------------------------
def pansharpen_scene(model: torch.nn.Module, pan: Any, ms: Any, out: str | os.PathLike | None = None, *,
                     tile: int | None | str = "auto", device: str | torch.device = "cpu", progress: bool = True,
                     scale: float | None = None, bit_depth: int | None = None, nodata: float | None = None,
                     check_georef: bool = True, max_pixels: int | None = None, preview: bool = True,
                     preview_size: int = PREVIEW_SIZE, rgb: Sequence[int] | None = None,
                     band_names: Sequence[str] | None = None, tags: dict | None = None,
                     weights_bits: int | None = None, default_bits: int | None = None,
                     on_event: Callable[[str, Any], None] | None = None) -> Any:
    """Pansharpen a whole scene with bounded memory.

    ``pan`` / ``ms``: GeoTIFF paths (then ``out`` is required: a uint16 GeoTIFF of digital numbers on the
    PAN's grid -- float32 for float inputs already in [0, 1] -- and a preview PNG beside it, written to
    temporaries that replace the old pair together; returns a summary dict), or arrays / tensors
    ((1, H, W) PAN, (C, h, w) MS; returns the fused (C, H, W) float32 array in [0, 1], NaN where nodata), or
    an already opened :class:`Scene`.  ``tile``: PAN pixels per tile side (a multiple of the ratio; default
    ``"auto"``: 1024 where the method is tileable, else untiled), ``None`` or 0: untiled.  ``scale`` /
    ``bit_depth``: the divisor to [0, 1] (default: chosen from the valid pixels, :func:`choose_scale`).
    ``nodata``: the nodata value (default: the files'), carried through fusion, grown by the model's margin.
    ``device``: where the model runs (``"cuda"``).  ``on_event(name, value)`` is told the scale, the plan...
    """
    t0 = time.perf_counter()
    tell = on_event or (lambda *_: None)
    scene = pan if isinstance(pan, Scene) else open_scene(pan, ms, check_georef=check_georef, nodata=nodata,
                                                          max_pixels=max_pixels)
    own = not isinstance(pan, Scene)
    try:
        files = scene.paths is not None
        if files and out is None:
            raise _error("give out= (the output GeoTIFF) with file inputs")
        if not files and out is not None:
            raise _error("out= is for file inputs; with arrays the fused array is returned")
        C, H, W = scene.shape
        r = scene.ratio
        if getattr(model, "ratio", r) != r:
            raise _error(f"the model works at resolution ratio {model.ratio}, but the pair has ratio {r}")
        plan = tile_plan(model, C)
        tile = _resolve_tile(tile, plan, r, H, W)
        tell("plan", (plan, tile))
        sp, sm = scan(scene.pan, scene.nodata), scan(scene.ms, scene.nodata)
        if sp["valid"] == 0 or sm["valid"] == 0:
            raise _error("the inputs hold no valid pixel (everything is nodata)")
        vmin, vmax = min(sp["min"], sm["min"]), max(sp["max"], sm["max"])
        div, bits, why = choose_scale(scene.dtype, vmin, vmax, scale=scale, bit_depth=bit_depth,
                                      weights_bits=weights_bits, default_bits=default_bits)
        tell("scale", (div, bits, why, sp, sm))
        _warn_scales(sp, sm, tell)
        if (sp["invalid"] or sm["invalid"]) and plan.kind != "local":
            tell("warning", f"{type(model).__name__} computes statistics over the whole scene, and they include the "
                            f"nodata pixels (filled with 0); crop the nodata area away for unbiased statistics")
        model.eval().to(device)
        if not files:
            sink = _ArraySink((C, H, W))
            _fuse(model, plan, scene, tile, div, device, sink, progress)
            return sink.out
        return _write_scene(model, plan, scene, tile, div, bits, device, progress, Path(out).expanduser(),
                            preview, preview_size, rgb, band_names, tags, t0, why)
    finally:
        if own:
            scene.close()


def _warn_scales(sp: dict, sm: dict, tell) -> None:
    if sp["max"] > 0 and sm["max"] > 0:
        q = sp["max"] / sm["max"]
        if q > 4 or q < 0.25:
            tell("warning", f"the PAN reaches {sp['max']:g} but the MS {sm['max']:g} ({q:.2g} times); if the two "
                            f"are not on one radiometric scale the result is wrong (rescale one of them)")


def _resolve_tile(tile, plan: TilePlan, r: int, H: int, W: int) -> int | None:
    if tile == "auto":
        return None if plan.kind == "global" or max(H, W) <= DEFAULT_TILE else DEFAULT_TILE
    if tile in (None, 0):
        return None
    tile = int(tile)
    if plan.kind == "global":
        raise _error(f"{plan.reason}; run it untiled (--tile 0; memory then grows with the scene) or use a tileable "
                     f"method (MTF-GLP-HPM, MTF-GLP, EXP or a learned one)")
    if tile < r:
        raise _error(f"--tile must be at least the resolution ratio {r}, got {tile}")
    tile -= tile % r
    return None if tile >= H and tile >= W else tile


def _fuse(model, plan, scene, tile, div, device, sink, progress) -> None:
    name = type(model).__name__
    if plan.kind == "glp" and tile is not None:
        _fuse_glp(model, plan, scene, tile, div, device, sink, progress, name)
    else:
        _fuse_local(model, plan, scene, tile, div, device, sink, progress, name)


def _write_scene(model, plan, scene: Scene, tile, div, bits, device, progress, out: Path, preview: bool,
                 preview_size: int, rgb, band_names, tags, t0: float, why: str) -> dict[str, Any]:
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    from .. import io as fio

    C, H, W = scene.shape
    fio._check_out_dir(out)
    as_float = bits is None and div == 1.0
    dtype = np.dtype(np.float32 if as_float else np.uint16)
    nd = scene.nodata
    if nd is not None and not as_float and not _representable(nd, dtype):
        nd = 0.0
    profile: dict[str, Any] = {"driver": "GTiff", "width": W, "height": H, "count": C, "dtype": dtype.name,
                               "compress": "deflate", "predictor": 3 if as_float else 2,
                               "interleave": "pixel" if C > 1 else "band", "BIGTIFF": "IF_SAFER"}
    bs = _block_size(tile, H, W)
    if bs is not None:
        profile.update(tiled=True, blockxsize=bs, blockysize=bs)
    if scene.crs is not None:
        profile["crs"] = scene.crs
    if scene.transform is not None:
        profile["transform"] = scene.transform
    if nd is not None:
        profile["nodata"] = nd
    png = out.with_suffix(".png")
    rgb = tuple(rgb) if rgb is not None else fio.rgb_indexes_for(C, band_names)
    tmp_tif = fio._tmp_beside(out, ".tif")
    tmp_png = fio._tmp_beside(png, ".png") if preview else None
    t_fuse = 0.0
    try:
        with _sigterm_raises():
            import warnings

            with warnings.catch_warnings(), rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB):
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                with rasterio.open(tmp_tif, "w", **profile) as dst:
                    sink = _TiffSink(dst, div, dtype, nd)
                    t1 = time.perf_counter()
                    _fuse(model, plan, scene, tile, div, device, sink, progress)
                    t_fuse = time.perf_counter() - t1
                    if band_names is not None:
                        for i, n in enumerate(band_names, 1):
                            dst.set_band_description(i, str(n))
                    tg = dict(tags or {})
                    tg.update({"BIT_DEPTH": bits} if bits is not None else {"SCALE": f"{div:g}"})
                    dst.update_tags(**{k: str(v) for k, v in tg.items()})
                if preview:
                    _write_preview(tmp_tif, tmp_png, rgb, preview_size)
            os.replace(tmp_tif, out)
            if preview:
                os.replace(tmp_png, png)
    except BaseException:
        tmp_tif.unlink(missing_ok=True)
        if tmp_png is not None:
            tmp_png.unlink(missing_ok=True)
        raise
    return {"path": out, "preview": png if preview else None, "shape": (C, H, W), "dtype": dtype.name,
            "scale": div, "bit_depth": bits, "why": why, "nodata": nd, "tile": tile, "plan": plan,
            "rgb": rgb, "seconds": time.perf_counter() - t0, "fuse_seconds": t_fuse}


def pansharpen_scenes(model: torch.nn.Module, scenes: Iterable[tuple[Any, Any, Any]], *, rank: int | None = None,
                      world_size: int | None = None, **kwargs) -> list[dict[str, Any]]:
    """Pansharpen many scenes: ``scenes`` is a list of ``(pan, ms, out)``; each process takes every
    ``world_size``-th scene from its ``rank`` (by default those of ``torch.distributed`` when it is
    initialised, else all of them), so a ``torchrun --nproc_per_node N`` job shares the list out (pass
    ``device=f"cuda:{local_rank}"`` to put each process on its own GPU).  A scene that fails is reported in
    its entry (``"error"``) and the others go on.  Returns this process's entries: ``{"pan", "ms", "out",
    "result" or "error"}``; ``kwargs`` go to :func:`pansharpen_scene`.
    """
    items = list(scenes)
    if rank is None and world_size is None and torch.distributed.is_available() and torch.distributed.is_initialized():
        rank, world_size = torch.distributed.get_rank(), torch.distributed.get_world_size()
    rank, world_size = rank or 0, world_size or 1
    if not 0 <= rank < world_size:
        raise ValueError(f"rank must be in 0..{world_size - 1}, got {rank}")
    done = []
    for pan, ms, out in items[rank::world_size]:
        entry: dict[str, Any] = {"pan": pan, "ms": ms, "out": out}
        try:
            entry["result"] = pansharpen_scene(model, pan, ms, out, **kwargs)
        except (ValueError, OSError) as e:
            entry["error"] = " ".join(str(e).split())
        done.append(entry)
    return done
