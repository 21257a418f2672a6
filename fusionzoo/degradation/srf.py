"""Spectral response functions (SRFs): read, build, resample to a hyperspectral grid, apply.

An :class:`SRF` is a table: ``wavelengths`` (nm, increasing) and ``responses`` (one column per band, in the
order of ``band_names``).  :meth:`SRF.matrix` resamples it to the centre wavelengths of an HS image and
gives the (c, C) band-mixing matrix R such that ``ms = R @ hs`` per pixel (:func:`apply_srf`), with the
normalisation explicit:

- ``"sum"`` (default): every row sums to 1, so an MS band is a weighted mean of HS bands and keeps the
  reflectance scale (CUCaNet normalises its Nikon D700 columns so; most fusion papers do);
- ``"peak"``: every row's maximum is 1 (HySure's demos normalise the simulated MS bands by their maximum,
  which this does not reproduce: that depends on the image);
- ``"none"``: the sampled responses as they are.

Resampling samples each band's response at the HS centre wavelengths by linear interpolation (0 outside the
table), negative table values (measurement noise in some tables) clipped to 0.  Channel order is the
table's unless :meth:`SRF.select` picks or reorders bands (by name or index).

Readers (:func:`read_srf`): the per-band block text tables of the sensor library in
``shared/data/hsms/srf/sensors`` (acolite format: ``;; BAND n`` blocks in nm, or ``#  <sensor> Band ...``
blocks in microns), wide text/CSV tables (a wavelength column then one column per band), ``.npy``
(2-D; a first column of wavelengths, or ``wavelengths=`` given), ``.mat`` (a 2-D variable; wavelengths from
its first column or a ``wavelengths`` variable) and legacy ``.xls`` (read with a small built-in BIFF8
reader, no new dependency).  :func:`load_srf` knows the shared library by name (:data:`SRF_FILES`).
:func:`gaussian_srf` builds bands from centres and FWHMs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from ._xls import read_xls_numbers
from .psf import fwhm_to_sigma

__all__ = ["SRF", "read_srf", "load_srf", "gaussian_srf", "apply_srf", "srf_root", "SRF_FILES", "NORMALISATIONS",
           "normalise_matrix", "cave_wavelengths"]

NORMALISATIONS = ("sum", "peak", "none")


def cave_wavelengths() -> np.ndarray:
    """The 31 CAVE / Harvard band centres, 400, 410, ..., 700 nm."""
    return np.arange(400.0, 701.0, 10.0)


@dataclass(frozen=True, eq=False)
class SRF:
    """A spectral response table: ``wavelengths`` (nm, (n,), increasing), ``responses`` ((n, bands)),
    ``band_names`` in column order, ``name`` and ``source`` (where the numbers come from)."""

    wavelengths: np.ndarray
    responses: np.ndarray
    band_names: tuple[str, ...]
    name: str = "srf"
    source: str = ""

    def __post_init__(self):
        wl = np.asarray(self.wavelengths, dtype=np.float64).reshape(-1)
        rs = np.asarray(self.responses, dtype=np.float64)
        if rs.ndim == 1:
            rs = rs[:, None]
        if rs.ndim != 2 or rs.shape[0] != wl.size:
            raise ValueError(f"SRF responses must be (n_wavelengths, n_bands) with n_wavelengths = {wl.size}, "
                             f"got {rs.shape}")
        if wl.size < 2 or not np.all(np.diff(wl) > 0):
            raise ValueError("SRF wavelengths must be at least two strictly increasing values (nm)")
        if not (np.isfinite(wl).all() and np.isfinite(rs).all()):
            raise ValueError("SRF table has NaN or Inf values")
        names = tuple(str(n) for n in self.band_names)
        if len(names) != rs.shape[1]:
            raise ValueError(f"{len(names)} band names for {rs.shape[1]} response columns")
        object.__setattr__(self, "wavelengths", wl)
        object.__setattr__(self, "responses", rs)
        object.__setattr__(self, "band_names", names)

    @property
    def num_bands(self) -> int:
        return self.responses.shape[1]

    def centres(self) -> np.ndarray:
        """Response-weighted mean wavelength of each band (negative values clipped), nm."""
        r = np.clip(self.responses, 0, None)
        return (self.wavelengths[:, None] * r).sum(0) / r.sum(0)

    def select(self, bands: Sequence[str | int]) -> "SRF":
        """The bands ``bands`` (names, case-insensitive, or column indices) in that order."""
        idx = []
        lower = [n.lower() for n in self.band_names]
        for b in bands:
            if isinstance(b, (int, np.integer)):
                if not -self.num_bands <= int(b) < self.num_bands:
                    raise IndexError(f"band index {b} out of range for {self.num_bands} bands")
                idx.append(int(b) % self.num_bands)
            elif str(b).lower() in lower:
                idx.append(lower.index(str(b).lower()))
            else:
                raise KeyError(f"no band {b!r} in SRF {self.name!r}; bands are {', '.join(self.band_names)}")
        return replace(self, responses=self.responses[:, idx], band_names=tuple(self.band_names[i] for i in idx))

    def matrix(self, hs_wavelengths, normalise: str = "sum", dtype=torch.float64) -> torch.Tensor:
        """The (bands, C) mixing matrix for an HS image whose bands are centred at ``hs_wavelengths`` (nm):
        each row is the band's response sampled there (linear interpolation, 0 outside the table, negatives
        clipped), then normalised by ``normalise`` (``"sum"``, ``"peak"`` or ``"none"``)."""
        hw = np.asarray(hs_wavelengths, dtype=np.float64).reshape(-1)
        if hw.size == 0 or not np.isfinite(hw).all():
            raise ValueError("hs_wavelengths must be a non-empty list of finite band centres in nm")
        if hw.max() < 100:
            raise ValueError(f"hs_wavelengths look like micrometres (max {hw.max()}): give nanometres")
        rows = [np.interp(hw, self.wavelengths, np.clip(self.responses[:, j], 0, None), left=0.0, right=0.0)
                for j in range(self.num_bands)]
        m = normalise_matrix(np.stack(rows), normalise, names=self.band_names)
        return torch.as_tensor(m, dtype=dtype)

    def __repr__(self) -> str:
        return (f"SRF({self.name!r}, bands={list(self.band_names)}, "
                f"{self.wavelengths[0]:g}-{self.wavelengths[-1]:g} nm)")


def normalise_matrix(m, normalise: str = "sum", names: Sequence[str] | None = None):
    """Normalise the rows of a (c, C) band-mixing matrix (numpy or torch): ``"sum"`` -> rows sum to 1,
    ``"peak"`` -> rows' maxima are 1, ``"none"`` -> unchanged.  A row of zeros raises (the band does not
    overlap the HS range)."""
    if normalise not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {normalise!r}: use one of {', '.join(NORMALISATIONS)}")
    is_t = torch.is_tensor(m)
    a = m.detach().cpu().double().numpy() if is_t else np.asarray(m, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"a band-mixing matrix must be 2-D (c, C), got shape {a.shape}")
    if normalise != "none":
        d = a.sum(1) if normalise == "sum" else a.max(1)
        bad = np.flatnonzero(d <= 0)
        if bad.size:
            which = [names[i] if names else str(i) for i in bad]
            raise ValueError(f"band(s) {', '.join(which)} have no response over the HS wavelengths "
                             "(check the wavelength units and range, or select other bands)")
        a = a / d[:, None]
    return torch.as_tensor(a, dtype=m.dtype, device=m.device) if is_t else a


def gaussian_srf(centres: Sequence[float], fwhms: Sequence[float] | float, names: Sequence[str] | None = None,
                 step: float = 0.5, name: str = "gaussian") -> SRF:
    """Gaussian bands of the given ``centres`` and ``fwhms`` (nm; one FWHM for all or one each), peak 1,
    tabulated every ``step`` nm over centre +- 4 sigma (a grid through whole multiples of ``step``)."""
    c = np.asarray(centres, dtype=np.float64).reshape(-1)
    w = np.broadcast_to(np.asarray(fwhms, dtype=np.float64), c.shape).astype(np.float64)
    if c.size == 0 or not (np.isfinite(c).all() and np.isfinite(w).all()) or (w <= 0).any():
        raise ValueError("gaussian_srf needs finite centres and positive FWHMs (nm)")
    sig = np.array([fwhm_to_sigma(v) for v in w])
    lo = np.floor((c - 4 * sig).min() / step) * step
    hi = np.ceil((c + 4 * sig).max() / step) * step
    wl = lo + step * np.arange(int(round((hi - lo) / step)) + 1)
    r = np.exp(-0.5 * ((wl[:, None] - c[None, :]) / sig[None, :]) ** 2)
    if names is None:
        names = [f"{v:g}nm" for v in c]
    return SRF(wl, r, tuple(names), name, f"Gaussian bands, centres {c.tolist()} nm, FWHM {w.tolist()} nm")


def apply_srf(hs: torch.Tensor, R: torch.Tensor) -> torch.Tensor:
    """MS image from an HS image: ``ms[b, k] = sum_j R[k, j] hs[b, j]`` per pixel; ``hs`` (B, C, H, W) or
    (C, H, W), ``R`` (c, C) (numpy or torch); output in ``hs``'s dtype and device."""
    if not torch.is_tensor(hs):
        raise TypeError("hs must be a torch tensor (B, C, H, W) or (C, H, W)")
    R = torch.as_tensor(R).to(device=hs.device, dtype=hs.dtype if hs.is_floating_point() else torch.float64)
    if R.dim() != 2:
        raise ValueError(f"the SRF matrix must be 2-D (c, C), got shape {tuple(R.shape)}")
    if hs.dim() not in (3, 4):
        raise ValueError(f"hs must have shape (B, C, H, W) or (C, H, W), got {tuple(hs.shape)}")
    C = hs.shape[-3]
    if R.shape[1] != C:
        raise ValueError(f"the SRF matrix is {tuple(R.shape)} but the HS image has {C} bands: it must be (c, {C})"
                         " (transpose it if it is (C, c))")
    return torch.einsum("kc,...chw->...khw", R, hs.to(R.dtype))


# ------------------------------------------------------------------------------------------------ readers


def _micron_to_nm(wl: np.ndarray, header: str) -> np.ndarray:
    if "micron" in header.lower() or wl.max() < 100:
        return wl * 1000.0
    return wl


def _union_table(blocks: list[tuple[str, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per-band (name, wavelengths, response) blocks on one grid (the union of their wavelengths; each band
    interpolated linearly, 0 outside its own range)."""
    grid = np.unique(np.concatenate([b[1] for b in blocks]))
    cols = []
    for _, wl, r in blocks:
        order = np.argsort(wl)
        wl, r = wl[order], r[order]
        keep = np.concatenate([[True], np.diff(wl) > 0])
        cols.append(np.interp(grid, wl[keep], r[keep], left=0.0, right=0.0))
    return grid, np.stack(cols, 1), [b[0] for b in blocks]


def _band_name(line: str) -> str:
    s = line.lstrip(";#").strip()
    m = re.match(r"(?i)band\s+(\S+)\s*$", s)
    if m:  # acolite ";; BAND 8A"
        return "B" + m.group(1)
    m = re.search(r"(?i)\bband\s+(?:\d+\s+)?(.+?)\s*$", s)  # "WorldView 2 Band 1 COASTAL", "GeoEye 1 Band PAN"
    return m.group(1) if m else s


def _read_block_text(text: str) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """Per-band blocks introduced by a comment line naming the band; None if the file is not so organised."""
    blocks: list[tuple[str, list, list]] = []
    header = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line[0] in ";#":
            header += line + "\n"
            if re.search(r"(?i)\bband\b", line) and not re.search(r"(?i)datasets", line):
                blocks.append((_band_name(line), [], []))
            continue
        parts = re.split(r"[\s,;]+", line)
        try:
            vals = [float(p) for p in parts if p]
        except ValueError:
            continue
        if len(vals) >= 2 and blocks:
            blocks[-1][1].append(vals[0])
            blocks[-1][2].append(vals[1])
    blocks = [b for b in blocks if len(b[1]) >= 2]
    if len(blocks) < 1:
        return None
    out = [(n, _micron_to_nm(np.array(w), header), np.array(r)) for n, w, r in blocks]
    return _union_table(out)


def _split_wavelength_column(a: np.ndarray, wavelengths, path) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"{path}: expected a 2-D table, got shape {a.shape}")
    if wavelengths is not None:
        wl = np.asarray(wavelengths, dtype=np.float64).reshape(-1)
        if wl.size == a.shape[1] and wl.size != a.shape[0]:
            a = a.T
        if wl.size != a.shape[0]:
            raise ValueError(f"{path}: {wl.size} wavelengths for a table of shape {a.shape}")
        return wl, a
    first = a[:, 0]
    if a.shape[1] >= 2 and np.all(np.diff(first) > 0) and first.min() > 0.2:
        return _micron_to_nm(first, ""), a[:, 1:]
    raise ValueError(f"{path}: no wavelength column found (the first column is not increasing wavelengths); "
                     "pass wavelengths= (nm), e.g. fusionzoo.degradation.srf.cave_wavelengths()")


def read_srf(path: str | Path, *, wavelengths=None, band_names: Sequence[str] | None = None,
             key: str | None = None, name: str | None = None) -> SRF:
    """Read an SRF table (see the module docstring for the formats).  ``wavelengths`` (nm) is needed for
    tables without a wavelength column; ``band_names`` names the columns (default: the file's names or
    ``band1, band2, ...``); ``key`` picks the variable of a ``.mat`` file."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no SRF table at {p}")
    suf = p.suffix.lower()
    names: list[str] | None = None
    if suf in (".txt", ".csv", ".dat", ".rsr"):
        text = p.read_text(errors="replace")
        got = _read_block_text(text) if wavelengths is None else None
        if got is not None:
            wl, rs, names = got
        else:
            rows = []
            for ln in text.splitlines():
                s = ln.strip()
                if not s or s[0] in ";#":
                    continue
                try:
                    rows.append([float(v) for v in re.split(r"[\s,;]+", s) if v])
                except ValueError:
                    continue  # a header row
            if not rows or len({len(r) for r in rows}) != 1:
                raise ValueError(f"{p}: not a rectangular numeric table")
            wl, rs = _split_wavelength_column(np.array(rows), wavelengths, p)
    elif suf == ".npy":
        wl, rs = _split_wavelength_column(np.load(p), wavelengths, p)
    elif suf == ".mat":
        from scipy.io import loadmat
        d = {k: v for k, v in loadmat(p).items() if not k.startswith("__")}
        if key is None:
            cands = [k for k, v in d.items() if isinstance(v, np.ndarray) and v.ndim == 2 and min(v.shape) > 1
                     and np.issubdtype(v.dtype, np.number)]
            if len(cands) != 1:
                raise ValueError(f"{p}: pass key= one of {sorted(d)}")
            key = cands[0]
        if key not in d:
            raise KeyError(f"{p}: no variable {key!r}; variables are {sorted(d)}")
        wl_given = wavelengths
        if wl_given is None:
            for k in ("wavelengths", "wavelength", "wl", "lambda"):
                if k in d:
                    wl_given = np.asarray(d[k], dtype=np.float64).reshape(-1)
        wl, rs = _split_wavelength_column(d[key], wl_given, p)
    elif suf == ".xls":
        wl, rs = _split_wavelength_column(read_xls_numbers(p), wavelengths, p)
    elif suf == ".xlsx":
        raise ValueError(f"{p}: .xlsx is not supported; export the table as .csv or .txt "
                         "(wavelength column, then one column per band)")
    else:
        raise ValueError(f"{p}: unknown SRF table format {suf!r}; use .txt/.csv, .npy, .mat or .xls")
    if band_names is not None:
        names = list(band_names)
    if names is None:
        names = [f"band{i + 1}" for i in range(rs.shape[1])]
    if len(names) != rs.shape[1]:
        raise ValueError(f"{p}: {len(names)} band names for {rs.shape[1]} columns")
    return SRF(wl, rs, tuple(names), name or p.stem, str(p.name))


# ------------------------------------------------------------------------------------------ shared library

#: Named SRF tables of the shared library: file (relative to the SRF root), keyword arguments for
#: :func:`read_srf`, and a description with the channel order.
SRF_FILES: dict[str, dict] = {
    "nikon_d700": {
        "file": "nikon_d700/nikon_d700_rgb_order.npy",
        "kwargs": {"wavelengths": list(np.arange(400.0, 701.0, 10.0)), "band_names": ("R", "G", "B")},
        "description": "Nikon D700, 31 x 3 at 400..700 nm step 10, columns R, G, B (not normalised: column sums "
                       "1.09, 0.80, 0.99). Not the same numbers as CUCaNet's table (nikon_d700_cucanet).",
    },
    "nikon_d700_cucanet": {
        "file": "nikon_d700/nikon_d700_bgr_order.xls",
        "kwargs": {"band_names": ("B", "G", "R")},
        "description": "Nikon D700 as shipped by CUCaNet (CAVE/Nikon_D700_Qu.xls): wavelength column 400..700 "
                       "step 10, then B, G, R; non-zero on 12, 26 and 15 bands; CUCaNet normalises the columns "
                       "to sum 1 (normalise='sum').",
    },
    "nikon_d700_c": {
        "file": "nikon_d700/nikon_d700_c.mat",
        "kwargs": {"key": "Nikon_responses", "band_names": ("R", "G", "B")},
        "description": "Nikon D700 variant, 400..700 nm step 4 (76 samples), columns R, G, B, peak < 1.",
    },
    "nikon_d700_b": {
        "file": "nikon_d700/nikon_d700_b.mat",
        "kwargs": {"key": "spec_resp", "band_names": ("B", "G", "R")},
        "description": "Nikon D700 variant, 377..948 nm step 1, columns B, G, R (peaks 460, 528, 604 nm).",
    },
    "ikonos_hysure": {
        "file": "sensors/ikonos_spec_resp.mat",
        "kwargs": {"key": "ikonos_sp", "band_names": ("PAN", "B", "G", "R", "NIR")},
        "description": "IKONOS as in HySure's data/ikonos_spec_resp.mat: 350..1035 nm step 5, columns PAN, B, G, "
                       "R, NIR.",
    },
}
for _stem, _desc in {
    "WorldView2": "WorldView-2: COASTAL, BLUE, GREEN, YELLOW, RED, REDEDGE, NIR1, NIR2, PAN",
    "WorldView3": "WorldView-3: the 8 VNIR bands, SWIR1..SWIR8, PAN",
    "QuickBird2": "QuickBird-2: PAN, Blue, Green, Red, NIR",
    "IKONOS2": "IKONOS-2: PAN, Blue, Green, Red, NIR",
    "GeoEye1": "GeoEye-1: PAN, Blue, Green, Red, NIR",
    "S2A_MSI": "Sentinel-2A MSI: B1..B12 with B8A after B8",
    "S2B_MSI": "Sentinel-2B MSI: B1..B12 with B8A after B8",
    "L8_OLI": "Landsat-8 OLI: B1..B9 (B8 is PAN)",
    "EO1_ALI": "EO-1 ALI: B1..B10 (B1 is PAN)",
}.items():
    SRF_FILES[_stem] = {"file": f"sensors/{_stem}.txt", "kwargs": {},
                        "description": f"{_desc}; measured relative responses (acolite tables, GPL-3.0), in file "
                                       "order."}


def srf_root(root: str | Path | None = None) -> Path:
    """Folder of the SRF library (holding ``sensors/`` and ``nikon_d700/``): ``root`` if given, else the
    ``FUSIONZOO_SRF_ROOT`` environment variable, else ``../shared/data/hsms/srf`` beside the repository."""
    if root is None:
        root = os.environ.get("FUSIONZOO_SRF_ROOT")
    if root is None:
        root = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "hsms" / "srf"
    return Path(root)


def load_srf(name: str, root: str | Path | None = None) -> SRF:
    """A named table of the SRF library (:data:`SRF_FILES`; case-insensitive), read from :func:`srf_root`."""
    keys = {k.lower(): k for k in SRF_FILES}
    if name.lower() not in keys:
        raise KeyError(f"unknown SRF {name!r}; known: {', '.join(sorted(SRF_FILES))} (or read_srf(path))")
    entry = SRF_FILES[keys[name.lower()]]
    path = srf_root(root) / entry["file"]
    if not path.is_file():
        raise FileNotFoundError(f"SRF table {entry['file']} not found under {srf_root(root)}: pass root= the folder "
                                "holding sensors/ and nikon_d700/, or set FUSIONZOO_SRF_ROOT")
    return read_srf(path, name=keys[name.lower()], **entry["kwargs"])
