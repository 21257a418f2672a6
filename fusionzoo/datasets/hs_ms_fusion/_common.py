"""Shared machinery of the HS-MS fusion datasets: the not-found error, file readers (MATLAB v5 / v7.3 variables,
ENVI), scaling, the degradation hook, the sample layout and the RGB quicklook.

Samples are dicts of float32 tensors ``(C, H, W)``: ``hs`` (the low-resolution hyperspectral input), ``ms``
(the high-resolution multispectral input), ``gt`` (the high-resolution hyperspectral reference), as far as a
dataset has them, plus ``wavelengths`` (nm, of the ``hs`` / ``gt`` bands, where known), ``scale`` (the divisor
that took the stored values to the returned ones: a float, or a (C,) tensor for a per-band scale), ``name``
and dataset-specific metadata.
"""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import torch
from torch import Tensor
from torchgeo.datasets import NonGeoDataset
from torchgeo.datasets.errors import DatasetNotFoundError

__all__ = ["HSDatasetNotFoundError", "HSCubeDataset", "Degrade", "plot_hsms_sample", "resolve_degrade",
           "read_mat_variable", "read_envi", "read_envi_header", "find_file", "apply_scale", "rgb_indexes"]

#: A degradation: the high-resolution HS cube (C, H, W) -> ``{"hs": LR-HS, "ms": HR-MS, "gt": reference, ...}``
#: (or a 3-tuple ``(hs, ms, gt)``); extra keys are kept in the sample.
Degrade = Callable[[Tensor], Mapping[str, Any]]


class HSDatasetNotFoundError(DatasetNotFoundError):
    """A dataset file is missing; the message says where to download it and where to put it."""

    def __init__(self, message: str) -> None:  # noqa: D107 - the torchgeo base builds a generic message
        FileNotFoundError.__init__(self, message)


# ------------------------------------------------------------------------------------------------ files
def find_file(root: Path, names: Iterable[str]) -> Path | None:
    """The first file under ``root`` (itself, then any sub-folder) whose name is one of ``names``
    (case-insensitive), or ``None``."""
    wanted = [n.lower() for n in names]
    if not root.is_dir():
        return None
    for n in wanted:
        for p in root.iterdir():
            if p.is_file() and p.name.lower() == n:
                return p
    hits = sorted(p for p in root.rglob("*") if p.is_file() and p.name.lower() in wanted)
    if hits:
        hits.sort(key=lambda p: (wanted.index(p.name.lower()), len(p.parts), str(p)))
        return hits[0]
    return None


def _is_hdf5(path: Path) -> bool:
    import h5py

    return bool(h5py.is_hdf5(str(path)))


def read_mat_variable(path: str | os.PathLike, key: str, window: tuple[int, int, int, int] | None = None,
                      alternatives: Sequence[str] = ()) -> np.ndarray:
    """One variable of a MATLAB file in MATLAB's (row, column, ...) order, as stored (no scaling).

    v5 / v6 / v7 files are read with :func:`scipy.io.loadmat` (that variable only); v7.3 files (HDF5) with
    h5py, whose arrays are the transpose of MATLAB's, transposed back.  ``window = (top, left, height, width)``
    reads a spatial sub-window (for v7.3 straight from the file, without loading the rest).  ``alternatives``
    are other accepted names of the variable (the first found wins).
    """
    path = Path(path)
    names = [key, *alternatives]
    if _is_hdf5(path):
        import h5py

        with h5py.File(path, "r") as f:
            k = next((n for n in names if n in f and isinstance(f[n], h5py.Dataset)), None)
            if k is None:
                raise KeyError(f"{path} has no variable {' or '.join(map(repr, names))} (it has: "
                               f"{', '.join(sorted(f.keys()))})")
            ds = f[k]
            if window is None:
                a = ds[()]
            else:  # h5py order is MATLAB's reversed: (..., column, row)
                t, l, h, w = window
                a = ds[..., l:l + w, t:t + h]
            return np.asarray(a).T
    import scipy.io

    try:
        d = scipy.io.loadmat(path, variable_names=names)
    except ValueError as e:  # not a MAT file at all
        raise ValueError(f"{path} is not a MATLAB file ({e})") from e
    k = next((n for n in names if n in d), None)
    if k is None:
        have = [n for n, *_ in scipy.io.whosmat(path)]
        raise KeyError(f"{path} has no variable {' or '.join(map(repr, names))} (it has: {', '.join(sorted(have))})")
    a = np.asarray(d[k])
    if window is not None:
        t, l, h, w = window
        a = a[t:t + h, l:l + w]
    return a


def hwc_to_chw(a: np.ndarray) -> np.ndarray:
    """(H, W, C) or (H, W) -> (C, H, W)."""
    a = np.asarray(a)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3:
        raise ValueError(f"expected an image (H, W, C), got shape {a.shape}")
    return np.ascontiguousarray(a.transpose(2, 0, 1))


# ------------------------------------------------------------------------------------------------- ENVI
_ENVI_DTYPES = {1: "u1", 2: "i2", 3: "i4", 4: "f4", 5: "f8", 12: "u2", 13: "u4", 14: "i8", 15: "u8"}


def read_envi_header(path: str | os.PathLike) -> dict[str, Any]:
    """The fields of an ENVI ``.hdr`` file (lower-case keys; ``{...}`` lists split on commas)."""
    path = Path(path)
    text = path.read_text(errors="replace")
    if not text.lstrip().upper().startswith("ENVI"):
        raise ValueError(f"{path} is not an ENVI header (it must start with 'ENVI')")
    out: dict[str, Any] = {}
    for m in re.finditer(r"^\s*([^=\n]+?)\s*=\s*(\{[^}]*\}|[^\n]*)", text, flags=re.MULTILINE):
        k, v = m.group(1).strip().lower(), m.group(2).strip()
        if v.startswith("{"):
            out[k] = [s.strip() for s in v[1:-1].replace("\n", " ").split(",") if s.strip()]
        else:
            out[k] = v
    for k in ("samples", "lines", "bands"):
        if k not in out:
            raise ValueError(f"ENVI header {path} lacks the field '{k}'")
    return out


def _envi_data_file(hdr: Path) -> Path:
    stem = hdr.with_suffix("")
    for cand in [stem, *(stem.with_suffix(s) for s in (".img", ".IMG", ".dat", ".DAT", ".raw", ".bsq", ".bil",
                                                         ".bip", ".pix", ".PIX"))]:
        if cand.is_file() and cand != hdr:
            return cand
    raise FileNotFoundError(f"ENVI header {hdr} has no data file beside it (looked for {stem.name} and "
                            f"{stem.name}.img/.dat/.raw/.bsq/.bil/.bip/.pix)")


def read_envi(hdr_path: str | os.PathLike, window: tuple[int, int, int, int] | None = None,
              bands: Sequence[int] | slice | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """An ENVI image as (C, H, W), as stored (no scaling), and its header.

    ``window = (top, left, height, width)`` and ``bands`` (0-based) read a part only (memory-mapped).
    """
    hdr_path = Path(hdr_path)
    h = read_envi_header(hdr_path)
    data = _envi_data_file(hdr_path)
    W, H, C = int(h["samples"]), int(h["lines"]), int(h["bands"])
    code = int(h.get("data type", 4))
    if code not in _ENVI_DTYPES:
        raise ValueError(f"{hdr_path}: unsupported ENVI data type {code}")
    dt = np.dtype(_ENVI_DTYPES[code]).newbyteorder(">" if str(h.get("byte order", "0")).strip() == "1" else "<")
    offset = int(h.get("header offset", 0))
    il = str(h.get("interleave", "bsq")).strip().lower()
    shapes = {"bsq": (C, H, W), "bil": (H, C, W), "bip": (H, W, C)}
    if il not in shapes:
        raise ValueError(f"{hdr_path}: unknown interleave {il!r}")
    need = offset + dt.itemsize * C * H * W
    if data.stat().st_size < need:
        raise ValueError(f"{data} holds {data.stat().st_size} bytes, the header {hdr_path.name} describes "
                         f"{need} ({C} bands x {H} lines x {W} samples of {dt.name} + {offset}); incomplete download?")
    mm = np.memmap(data, dtype=dt, mode="r", offset=offset, shape=shapes[il])
    t, l, hh, ww = window if window is not None else (0, 0, H, W)
    b = bands if bands is not None else slice(None)
    if il == "bsq":
        a = mm[b, t:t + hh, l:l + ww]
    elif il == "bil":
        a = mm[t:t + hh, b, l:l + ww].transpose(1, 0, 2)
    else:
        a = mm[t:t + hh, l:l + ww, b].transpose(2, 0, 1)
    return np.array(a, dtype=dt.newbyteorder("=")), h


def envi_wavelengths(header: Mapping[str, Any]) -> np.ndarray | None:
    """Band centres in nm from an ENVI header (``wavelength`` with ``wavelength units``), or ``None``."""
    wl = header.get("wavelength")
    if not isinstance(wl, list) or not wl:
        return None
    try:
        a = np.array([float(v) for v in wl], dtype=np.float64)
    except ValueError:
        return None
    units = str(header.get("wavelength units", "")).strip().lower()
    if units in ("micrometers", "micrometer", "um", "microns", "micron") or (not units and a.max() < 30):
        a = a * 1000.0
    return a


# ------------------------------------------------------------------------------------------------ scaling
def apply_scale(raw: np.ndarray, scale: float | str | None, where: str) -> tuple[np.ndarray, float | np.ndarray]:
    """``raw / divisor`` as float32 and the divisor.

    ``scale``: a number (the divisor), ``"max"`` (the image's maximum), ``"band_max"`` (each band's maximum),
    ``"quantile"`` (each band's 0.999 quantile as MATLAB computes it, as HySure's demos) or ``None`` / ``1`` (as stored).
    """
    a = np.asarray(raw, dtype=np.float64)
    if not np.isfinite(a).all():
        raise ValueError(f"{where}: the image contains {int((~np.isfinite(a)).sum())} NaN or infinite values; "
                         f"fill or mask them before use")
    if scale is None:
        div: float | np.ndarray = 1.0
    elif isinstance(scale, str):
        if scale == "max":
            div = float(a.max())
        elif scale == "band_max":
            div = a.reshape(a.shape[0], -1).max(axis=1)
        elif scale == "quantile":
            # MATLAB's quantile (HySure's demos) interpolates at (k - 0.5) / n: numpy's "hazen" method
            div = np.quantile(a.reshape(a.shape[0], -1), 0.999, axis=1, method="hazen")
        else:
            raise ValueError(f"scale must be a number, 'max', 'band_max', 'quantile' or None, got {scale!r}")
    else:
        div = float(scale)
    d = np.asarray(div, dtype=np.float64)
    if np.any(d <= 0):
        raise ValueError(f"{where}: the scale divisor is {div} (an empty or all-zero image?); pass scale=<number>")
    out = a / (d[:, None, None] if d.ndim == 1 else d)
    return out.astype(np.float32), (float(d) if d.ndim == 0 else d.astype(np.float32))


def _scale_value(div: float | np.ndarray) -> float | Tensor:
    return float(div) if np.ndim(div) == 0 else torch.from_numpy(np.asarray(div, dtype=np.float32))


# ---------------------------------------------------------------------------------------------- degrade
def resolve_degrade(degrade: Degrade | str | None, seed: int = 0) -> Callable[..., dict[str, Any]] | None:
    """A callable ``(cube, index, wavelengths) -> {"hs", "ms", "gt", ...}`` from ``degrade``.

    ``degrade`` is ``None`` (no degradation), a callable ``degrade(hs) -> dict(hs=, ms=, gt=)`` (or a tuple
    ``(hs, ms, gt)``), or the name of a preset of :func:`fusionzoo.degradation.simulate.make_pair`, which is
    then called with ``seed = seed + index`` (so every sample is reproducible).
    """
    if degrade is None:
        return None
    if isinstance(degrade, str):
        try:
            from ...degradation.simulate import make_pair  # type: ignore[import-not-found]
        except ImportError as e:
            raise ImportError(f"degrade={degrade!r} names a preset of fusionzoo.degradation.simulate.make_pair, "
                              f"which cannot be imported ({e}); pass a callable degrade(hs) -> dict(hs=, ms=, gt=) "
                              f"instead") from e
        preset = degrade
        try:
            takes_wl = "wavelengths" in inspect.signature(make_pair).parameters
        except (TypeError, ValueError):
            takes_wl = False

        def run(cube: Tensor, index: int, wavelengths: Tensor | None) -> dict[str, Any]:
            kw: dict[str, Any] = {"seed": seed + index}
            if takes_wl and wavelengths is not None:
                kw["wavelengths"] = wavelengths
            return _as_pair(make_pair(cube, preset, **kw), f"make_pair(..., {preset!r})")

        return run
    if not callable(degrade):
        raise TypeError(f"degrade must be a callable degrade(hs) -> dict(hs=, ms=, gt=), a preset name or None, "
                        f"got {type(degrade).__name__}")
    fn = degrade
    return lambda cube, index, wavelengths: _as_pair(fn(cube), getattr(fn, "__name__", "degrade"))


def _as_pair(out: Any, what: str) -> dict[str, Any]:
    if isinstance(out, Mapping):
        d = dict(out)
    elif isinstance(out, (tuple, list)) and len(out) == 3:
        d = {"hs": out[0], "ms": out[1], "gt": out[2]}
    elif all(hasattr(out, k) for k in ("hs", "ms", "gt")):
        d = {k: getattr(out, k) for k in ("hs", "ms", "gt")}
        d.update({k: v for k, v in getattr(out, "__dict__", {}).items() if k not in d and not k.startswith("_")})
    else:
        raise TypeError(f"{what} returned {type(out).__name__}; a degradation must return a dict with 'hs', 'ms' "
                        f"and 'gt' (or a tuple (hs, ms, gt))")
    missing = [k for k in ("hs", "ms", "gt") if k not in d]
    if missing:
        raise KeyError(f"{what} returned no {', '.join(missing)}; a degradation must return hs, ms and gt")
    for k in ("hs", "ms", "gt"):
        v = d[k]
        v = torch.as_tensor(np.asarray(v)) if not isinstance(v, Tensor) else v
        if v.ndim == 4 and v.shape[0] == 1:
            v = v[0]
        d[k] = v.float()
    return d


# ------------------------------------------------------------------------------------------------- plots
def rgb_indexes(num_bands: int, wavelengths: Sequence[float] | Tensor | None = None) -> list[int]:
    """0-based band indexes for an RGB quicklook: nearest to 640 / 550 / 460 nm where the wavelengths are
    known and cover the visible range, else by band count (3: R, G, B; 4: B, G, R, NIR; 8: WorldView order;
    more: spread over the bands), grey for one band."""
    if wavelengths is not None and len(wavelengths) == num_bands and num_bands >= 3:
        wl = np.asarray(torch.as_tensor(wavelengths, dtype=torch.float64))
        if wl.min() <= 500 and wl.max() >= 600:
            return [int(np.argmin(np.abs(wl - t))) for t in (640.0, 550.0, 460.0)]
    if num_bands == 1:
        return [0, 0, 0]
    if num_bands == 3:
        return [0, 1, 2]
    if num_bands == 4:
        return [2, 1, 0]
    if num_bands == 8:
        return [4, 2, 1]
    if num_bands == 2:
        return [1, 0, 0]
    return [int(round(f * (num_bands - 1))) for f in (0.75, 0.45, 0.15)]


def plot_hsms_sample(sample: Mapping[str, Any], rgb: Sequence[int] | None = None, ms_rgb: Sequence[int] | None = None,
                     suptitle: str | None = None, show_titles: bool = True):
    """RGB quicklook of the ``hs``, ``ms``, ``gt`` and ``prediction`` of a sample (those present).

    Each channel is stretched between its 2nd and 98th percentiles (:func:`fusionzoo.io.stretch`).  ``rgb``
    are 0-based indexes into the HS bands (default from ``wavelengths``, see :func:`rgb_indexes`), ``ms_rgb``
    into the MS bands (default from ``ms_wavelengths`` or the band count).  Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    from ...io import stretch

    panels = [(k, t) for k, t in (("hs", "HS"), ("ms", "MS"), ("gt", "reference"), ("prediction", "prediction"))
              if k in sample and isinstance(sample[k], Tensor)]
    if not panels:
        raise KeyError(f"nothing to plot: the sample has none of hs, ms, gt, prediction (keys: {sorted(sample)})")

    def image(key: str) -> np.ndarray:
        a = sample[key].detach().cpu().double().numpy()
        if a.ndim == 4:
            a = a[0]
        if a.ndim == 2:
            a = a[None]
        c = a.shape[0]
        if key == "ms":
            idx = list(ms_rgb) if ms_rgb is not None else rgb_indexes(c, sample.get("ms_wavelengths"))
        else:
            idx = list(rgb) if rgb is not None else rgb_indexes(c, sample.get("wavelengths"))
        if max(idx) >= c:
            raise IndexError(f"quicklook bands {idx} out of range for {key} with {c} bands")
        return np.stack([stretch(a[i]) for i in idx], axis=-1)

    fig, axs = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.4), squeeze=False)
    for ax, (key, title) in zip(axs[0], panels):
        img = image(key)
        ax.imshow(img, interpolation="nearest")
        if show_titles:
            ax.set_title(f"{title} {img.shape[1]}x{img.shape[0]}")
        ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------- dataset
class HSMSItemsDataset(NonGeoDataset):
    """Base of the HS-MS datasets: one sample per entry of ``self.items``, index checks, quicklook."""

    #: what one item is, for the out-of-range message
    item_noun = "items"
    items: list[Any]

    def __len__(self) -> int:
        return len(self.items)

    def _index(self, index: int) -> int:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} {self.item_noun}")
        return index % len(self)

    def plot(self, sample: Mapping[str, Any], show_titles: bool = True, suptitle: str | None = None,
             rgb: Sequence[int] | None = None, ms_rgb: Sequence[int] | None = None):
        """RGB quicklook of the sample's ``hs`` / ``ms`` / ``gt`` / ``prediction``; returns the figure."""
        return plot_hsms_sample(sample, rgb, ms_rgb, suptitle, show_titles)


class HSCubeDataset(HSMSItemsDataset):
    """Base of the datasets of single hyperspectral cubes (one sample per scene).

    Subclasses set :attr:`num_bands`, :attr:`wavelengths` (nm, or ``None``), fill ``self.items`` (one entry
    per scene) and implement :meth:`_read_raw` (the cube as stored, (C, H, W), and metadata).  Without
    ``degrade`` a sample is ``{"gt": cube, ...}``; with it, ``degrade(cube)`` supplies ``hs``, ``ms``, ``gt``.
    """

    num_bands: int | None = None
    wavelengths: np.ndarray | None = None
    #: whether :attr:`wavelengths` are nominal (evenly spaced over the documented range) rather than measured
    wavelengths_nominal: bool = False
    item_noun = "scenes"

    def __init__(self, scale: float | str | None, degrade: Degrade | str | None, transforms: Callable | None,
                 seed: int) -> None:
        self.scale, self.transforms, self.seed = scale, transforms, seed
        self._degrade = resolve_degrade(degrade, seed)
        self.items: list[Any] = []

    def _use_file(self, path: Path | None, missing: str) -> None:
        """One scene in one file: ``self.path`` and ``self.items`` are ``path``; ``missing`` is the
        :class:`HSDatasetNotFoundError` message when ``path`` is ``None`` (not found)."""
        if path is None:
            raise HSDatasetNotFoundError(missing)
        self.path = path
        self.items = [path]

    def _read_raw(self, index: int) -> tuple[np.ndarray, dict[str, Any]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _scale_for(self, index: int, raw: np.ndarray, meta: Mapping[str, Any]) -> float | str | None:
        return self.scale

    def cube(self, index: int) -> tuple[Tensor, dict[str, Any]]:
        """The full-resolution cube (C, H, W) on the dataset's scale and its metadata."""
        i = self._index(index)
        raw, meta = self._read_raw(i)
        if self.num_bands is not None and raw.shape[0] != self.num_bands:
            raise ValueError(f"{meta.get('path', self.__class__.__name__)}: {raw.shape[0]} bands, "
                             f"{self.__class__.__name__} has {self.num_bands}; wrong file?")
        div = meta.pop("divisor", None)
        if div is None:
            arr, div = apply_scale(raw, self._scale_for(i, raw, meta), str(meta.get("path", meta.get("name"))))
        else:
            arr = (np.asarray(raw, dtype=np.float64) / (np.asarray(div)[:, None, None] if np.ndim(div) else div)
                   ).astype(np.float32)
        meta["scale"] = _scale_value(div)
        return torch.from_numpy(arr), meta

    def sample_wavelengths(self, meta: Mapping[str, Any]) -> np.ndarray | None:
        wl = meta.get("wavelengths", self.wavelengths)
        return None if wl is None else np.asarray(wl, dtype=np.float64)

    def __getitem__(self, index: int) -> dict[str, Any]:
        cube, meta = self.cube(index)
        wl = self.sample_wavelengths(meta)
        wl_t = torch.from_numpy(wl.astype(np.float32)) if wl is not None else None
        if self._degrade is None:
            sample: dict[str, Any] = {"gt": cube}
        else:
            sample = self._degrade(cube, self._index(index), wl_t)
        if wl_t is not None:
            sample["wavelengths"] = wl_t
        sample.update({k: v for k, v in meta.items() if k not in ("path", "wavelengths") and v is not None})
        sample["name"] = meta.get("name", str(index))
        if self.transforms is not None:
            sample = self.transforms(sample)
        return sample
