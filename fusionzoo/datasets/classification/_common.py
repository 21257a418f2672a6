"""Shared machinery of the multimodal classification datasets: the raster-backed base class (label maps,
pixel / patch samples, whole-raster min-max normalisation), checksums and the plots.

A sample is a dict: one float32 tensor per modality (``(C,)`` in ``mode="pixel"``, ``(C, k, k)`` in
``mode="patch"``), ``label`` (int64, the file's class id - 1, so 0-based), ``row`` / ``col`` (the pixel's
0-based position in the dataset's raster grid) and ``norm`` (per modality the ``min`` / ``max`` the raster was
scaled with, or nothing when it was not).  The files' label maps keep their ids (0 = unlabelled, 1..K):
:meth:`ClassificationDataset.label_map` returns them as uint8.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor
from torchgeo.datasets import NonGeoDataset

from ..hs_ms_fusion._common import HSDatasetNotFoundError, find_file, read_mat_variable
from .sampling import labelled_pixels, pad_raster

__all__ = [
    "MODES",
    "NORMALIZE",
    "PALETTE20",
    "ClassificationDataset",
    "HSDatasetNotFoundError",
    "MatRasterDataset",
    "as_chw",
    "locate",
    "minmax",
    "plot_class_map",
    "plot_sample",
    "read_mat_labels",
    "resolve_modalities",
    "sha256_file",
    "verify_checksums",
]

#: values of ``normalize``: one min-max over the whole raster, one per band, or none (as stored)
NORMALIZE = ("global", "band", None)
#: values of ``mode``
MODES = ("pixel", "patch")

#: a fixed 20-colour display palette for datasets without official class colours (Sasha Trubetskoy's list of
#: 20 distinct colours, a public colour list).
PALETTE20 = ("#800000", "#aa6e28", "#808000", "#008080", "#000080", "#e6194b", "#f58231", "#ffe119", "#d2f53c",
             "#3cb44b", "#46f0f0", "#0082c8", "#911eb4", "#f032e6", "#808080", "#fabebe", "#ffd7b4", "#fffac8",
             "#aaffc3", "#dcbeff")


# ------------------------------------------------------------------------------------------------- files
def resolve_modalities(requested: str | Sequence[str] | None, known: Sequence[str], present: Sequence[str],
                       none_found: str, missing: Callable[[str], str]) -> tuple[str, ...]:
    """The modalities of a dataset: ``requested`` (a name or names, each known and present) or, for ``None``, the
    present ones.  Raises :class:`HSDatasetNotFoundError` with ``none_found`` when nothing is present and with
    ``missing(name)`` for a requested one that is absent, ``ValueError`` for an unknown name."""
    if requested is None:
        if not present:
            raise HSDatasetNotFoundError(none_found)
        return tuple(present)
    mods = [requested] if isinstance(requested, str) else list(requested)
    for m in mods:
        if m not in known:
            raise ValueError(f"no modality {m!r}; choose from {tuple(known)}")
        if m not in present:
            raise HSDatasetNotFoundError(missing(m))
    return tuple(mods)


def locate(root: Path, names: Iterable[str]) -> Path | None:
    """``root`` itself when it is a file named like one of ``names``, else :func:`find_file` under it."""
    names = list(names)
    if root.is_file():
        return root if root.name.lower() in [n.lower() for n in names] else None
    return find_file(root, names)


def as_chw(a: np.ndarray) -> np.ndarray:
    """A MATLAB image (H, W) or (H, W, C) as (C, H, W)."""
    a = np.asarray(a)
    if a.ndim == 2:
        return a[None]
    if a.ndim != 3:
        raise ValueError(f"expected an image (H, W) or (H, W, C), got shape {a.shape}")
    return np.ascontiguousarray(a.transpose(2, 0, 1))


def read_mat_labels(path: Path, key: str, alternatives: Sequence[str] = ()) -> np.ndarray:
    """A label map from a .mat file as uint8, checking that a float map holds whole numbers 0..255 (Augsburg's
    ``TestImage`` is float32)."""
    a = np.asarray(read_mat_variable(path, key, alternatives=alternatives))
    if a.ndim != 2:
        raise ValueError(f"{path}: label map {key!r} has shape {a.shape}, expected (H, W)")
    if a.dtype.kind == "f" and (not np.isfinite(a).all() or np.any(a != np.round(a))):
        raise ValueError(f"{path}: label map {key!r} holds non-integer values")
    if a.size and (a.min() < 0 or a.max() > 255):
        raise ValueError(f"{path}: label map {key!r} has values {a.min()}..{a.max()}, expected 0..255")
    return a.astype(np.uint8)


# --------------------------------------------------------------------------------------------- checksums
def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """The hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(chunk), b""):
            h.update(b)
    return h.hexdigest()


def verify_checksums(files: Iterable[Path], pins: Mapping[str, str], dataset: str) -> list[Path]:
    """Check every file of ``files`` whose name has a pin in ``pins``; returns the files checked.

    Raises ``ValueError`` on a mismatch, and when none of the files has a pin (nothing could be verified: the
    message says so, as no checksum is published for them)."""
    checked = []
    for p in files:
        want = pins.get(p.name)
        if want is None:
            continue
        got = sha256_file(p)
        if got != want:
            raise ValueError(f"{p}: sha256 {got} differs from the pinned {want}; the file is corrupt or another "
                             f"version (re-download it, or pass checksum=False)")
        checked.append(p)
    if not checked:
        raise ValueError(f"{dataset}: no checksum is published for the files used "
                         f"({', '.join(p.name for p in files)}); pass checksum=False")
    return checked


# ------------------------------------------------------------------------------------------ normalisation
def minmax(raster: np.ndarray, how: str | None) -> tuple[np.ndarray, dict[str, Tensor] | None]:
    """``(raster - min) / (max - min)`` as float32 with the min / max over the whole raster (``"global"``: one
    pair) or per band (``"band"``: (C,) each); ``None``: as stored, in float32.  A constant raster or band maps
    to 0.  Returns the scaled raster and ``{"min": tensor, "max": tensor}`` (``None`` without scaling)."""
    a = np.asarray(raster, dtype=np.float32)
    if how is None:
        return a, None
    if how == "global":
        lo, hi = np.float32(a.min()), np.float32(a.max())
        span = hi - lo
        out = (a - lo) / span if span > 0 else np.zeros_like(a)
        return out.astype(np.float32), {"min": torch.tensor(float(lo)), "max": torch.tensor(float(hi))}
    if how == "band":
        lo = a.reshape(a.shape[0], -1).min(axis=1)
        hi = a.reshape(a.shape[0], -1).max(axis=1)
        span = hi - lo
        safe = np.where(span > 0, span, 1).astype(np.float32)
        out = (a - lo[:, None, None]) / safe[:, None, None]
        out[span <= 0] = 0
        return out.astype(np.float32), {"min": torch.from_numpy(lo.copy()), "max": torch.from_numpy(hi.copy())}
    raise ValueError(f"normalize must be 'global', 'band' or None, got {how!r}")


# ------------------------------------------------------------------------------------------------- plots
def _rgb(colors: Sequence[str]) -> np.ndarray:
    import matplotlib.colors as mcolors

    return np.array([mcolors.to_rgb(c) for c in colors], dtype=np.float64)


def plot_class_map(label_map: np.ndarray | Tensor, classes: Sequence[str], colors: Sequence[str],
                   zero_based: bool = False, title: str | None = None, background: str = "#000000"):
    """A class map (H, W) in the classes' colours with a legend of the classes present; returns the figure.

    ``zero_based``: the map holds 0-based class indices (a prediction) with negative values unlabelled;
    otherwise the files' ids (0 unlabelled, 1..K)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    m = np.asarray(label_map.cpu() if isinstance(label_map, Tensor) else label_map).astype(np.int64)
    if m.ndim != 2:
        raise ValueError(f"expected a class map (H, W), got shape {m.shape}")
    ids = m + 1 if zero_based else m
    ids = np.where(ids < 0, 0, ids)
    if ids.max(initial=0) > len(classes):
        raise ValueError(f"class map has id {int(ids.max())}, the dataset has {len(classes)} classes")
    lut = np.vstack([_rgb([background]), _rgb(colors)])
    img = lut[ids]
    h, w = m.shape
    fig, ax = plt.subplots(figsize=(min(12.0, 2.0 + 6.0 * w / max(h, 1)), 6.0))
    ax.imshow(img, interpolation="nearest")
    ax.axis("off")
    present = [int(i) for i in np.unique(ids) if i > 0]
    handles = [Patch(facecolor=colors[i - 1], edgecolor="k", label=classes[i - 1]) for i in present]
    if handles:
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def _quicklook(x: np.ndarray) -> np.ndarray:
    """(C, k, k) -> an RGB (or grey) image stretched to 2-98 %."""
    c = x.shape[0]
    idx = [0, 1, 2] if c == 3 else [round(f * (c - 1)) for f in (0.75, 0.45, 0.15)] if c > 3 else [0, 0, 0]
    img = np.stack([x[i] for i in idx], axis=-1).astype(np.float64)
    lo, hi = np.percentile(img, [2, 98])
    return np.clip((img - lo) / (hi - lo), 0, 1) if hi > lo else np.zeros_like(img)


def plot_sample(sample: Mapping[str, Any], modalities: Sequence[str], classes: Sequence[str],
                show_titles: bool = True, suptitle: str | None = None):
    """One panel per modality (a patch: its quicklook; a pixel: its vector), titled with the class (and the
    ``prediction`` where the sample has one); returns the figure."""
    import matplotlib.pyplot as plt

    mods = [m for m in modalities if m in sample]
    if not mods:
        raise ValueError(f"the sample has none of the modalities {tuple(modalities)}")
    fig, axs = plt.subplots(1, len(mods), figsize=(3.2 * len(mods), 3.2), squeeze=False)
    for ax, m in zip(axs[0], mods):
        x = np.asarray(torch.as_tensor(sample[m]).detach().cpu(), dtype=np.float64)
        if x.ndim == 3:
            ax.imshow(_quicklook(x), interpolation="nearest")
            ax.axis("off")
        else:
            ax.plot(np.arange(x.size), x, lw=1)
            ax.set_xlabel("band")
        if show_titles:
            ax.set_title(f"{m} {tuple(x.shape)}")
    title = []
    if "label" in sample:
        title.append(f"label: {classes[int(sample['label'])]}")
    if "prediction" in sample:
        title.append(f"prediction: {classes[int(sample['prediction'])]}")
    if suptitle or title:
        fig.suptitle(" | ".join([t for t in (suptitle, *title) if t]))
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------- dataset
class ClassificationDataset(NonGeoDataset):
    """Base of the raster-backed classification datasets: co-registered modality rasters + label maps.

    Subclasses set :attr:`classes`, :attr:`colors`, :attr:`all_modalities`, :attr:`splits`, :attr:`url`,
    :attr:`sha256` and implement :meth:`_locate` (find the files, raise the not-found error, fill
    ``self.files`` with modality / split -> path), :meth:`_read_raster` (a modality as stored, (C, H, W)) and
    :meth:`_read_label_map` (a split's map of file ids).

    Args (common to all):
        root: the folder holding the dataset's files (searched in sub-folders too).
        split: one of :attr:`splits`.
        modalities: the modalities in each sample (default: every one whose files are present).
        mode: ``"pixel"`` (vectors (C,)) or ``"patch"`` (``patch_size`` x ``patch_size`` patches, symmetric
            padding at the borders).
        patch_size: odd patch size (``mode="patch"``).
        normalize: ``"global"`` (one min-max over each whole raster), ``"band"`` (one per band) or ``None``
            (as stored); or a dict modality -> one of those.
        transforms: a function applied to each sample dict.
        checksum: verify the files against :attr:`sha256` (raises where none is published).
    """

    classes: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()
    all_modalities: tuple[str, ...] = ()
    splits: tuple[str, ...] = ("train", "test")
    url: str = ""
    #: sha256 pins by file name (see each dataset for where they come from)
    sha256: ClassVar[dict[str, str]] = {}
    #: the default of ``normalize`` per dataset
    default_normalize: str | None = "band"

    def __init__(self, root: str | os.PathLike = "data", split: str = "train", modalities: Sequence[str] | None = None,
                 mode: str = "pixel", patch_size: int = 7, normalize: str | None | Mapping[str, str | None] = "band",
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, checksum: bool = False) -> None:
        if split not in self.splits:
            raise ValueError(f"split must be one of {self.splits}, got {split!r}")
        if mode not in MODES:
            raise ValueError(f"mode must be 'pixel' or 'patch', got {mode!r}")
        if mode == "patch" and (int(patch_size) < 1 or int(patch_size) % 2 == 0):
            raise ValueError(f"patch_size must be an odd positive integer (the pixel at the centre), got {patch_size}")
        self.root = Path(root).expanduser()
        self.split, self.mode, self.patch_size = split, mode, int(patch_size)
        self.transforms = transforms
        self.files: dict[str, Path] = {}
        self._locate()
        name = type(self).__name__
        self.modalities = resolve_modalities(
            modalities, self.all_modalities, self.available_modalities(),
            none_found=f"{name}: no modality raster found under {self.root}. {self._where()}",
            missing=lambda m: f"{name}: the {m!r} raster was requested but its file is not under {self.root}. "
                              f"{self._where()}")
        self._normalize = self._resolve_normalize(normalize)
        if checksum:
            verify_checksums(self._files_used(), self.sha256, type(self).__name__)
        self._cache: dict[str, np.ndarray] = {}
        self.norm: dict[str, dict[str, Tensor]] = {}
        lm = self.label_map(split)
        self.map_shape = lm.shape
        self.rows, self.cols, ids = labelled_pixels(lm)
        if ids.size and int(ids.max()) > len(self.classes):
            raise ValueError(f"{type(self).__name__}: the {split} map has class id {int(ids.max())}; the dataset has "
                             f"{len(self.classes)} classes")
        self.targets = ids.astype(np.int64) - 1

    # ------------------------------------------------------------------------------- subclass interface
    def _locate(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _read_raster(self, name: str) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _read_label_map(self, split: str) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _where(self) -> str:
        """Where to download the files and where to put them (the end of the not-found messages)."""
        return f"Download the files from {self.url} and put them under {self.root}"

    def available_modalities(self) -> tuple[str, ...]:
        """The modalities whose files were found."""
        return tuple(m for m in self.all_modalities if m in self.files)

    def _files_used(self) -> list[Path]:
        return sorted({p for p in self.files.values() if isinstance(p, Path)})

    def _find(self, names: Sequence[str]) -> Path | None:
        return locate(self.root, names)

    def _resolve_normalize(self, normalize: Any) -> dict[str, str | None]:
        if isinstance(normalize, Mapping):
            bad = [k for k in normalize if k not in self.all_modalities]
            if bad:
                raise ValueError(f"normalize names unknown modalities {bad}; choose from {self.all_modalities}")
            out = {m: normalize.get(m, self.default_normalize) for m in self.all_modalities}
        else:
            out = {m: normalize for m in self.all_modalities}
        for m, v in out.items():
            if v not in NORMALIZE:
                raise ValueError(f"normalize must be 'global', 'band' or None (for {m!r}), got {v!r}")
        return out

    # ------------------------------------------------------------------------------------ whole rasters
    def raw_raster(self, name: str) -> np.ndarray:
        """A modality's raster (C, H, W) as stored (no scaling)."""
        if name not in self.available_modalities():
            raise HSDatasetNotFoundError(f"{type(self).__name__}: no {name!r} raster under {self.root}. "
                                         f"{self._where()}")
        a = np.asarray(self._read_raster(name))
        if a.ndim != 3:
            raise ValueError(f"{type(self).__name__}: the {name!r} raster has shape {a.shape}, expected (C, H, W)")
        if a.shape[1:] != self.map_shape:
            raise ValueError(f"{type(self).__name__}: the {name!r} raster is {a.shape[1]} x {a.shape[2]}, the label "
                             f"map {self.map_shape[0]} x {self.map_shape[1]}; the files do not belong together")
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ValueError(f"{type(self).__name__}: the {name!r} raster has {int((~np.isfinite(a)).sum())} NaN or "
                             f"infinite values; fill them before use")
        return a

    def _scaled(self, name: str) -> np.ndarray:
        """The normalised raster (C, H, W) float32 (cached; padded as well in patch mode)."""
        if name not in self._cache:
            a, norm = minmax(self.raw_raster(name), self._normalize[name])
            if norm is not None:
                self.norm[name] = norm
            if self.mode == "patch":
                a = pad_raster(a, self.patch_size)
            self._cache[name] = a
        a = self._cache[name]
        h = self.patch_size // 2 if self.mode == "patch" else 0
        return a[:, h:a.shape[1] - h, h:a.shape[2] - h] if h else a

    def load(self) -> ClassificationDataset:
        """Read and normalise every modality raster now (once; e.g. before data-loader workers fork, which then
        share it); returns the dataset."""
        for m in self.modalities:
            self._scaled(m)
        return self

    def rasters(self, modalities: Sequence[str] | None = None) -> dict[str, Tensor]:
        """The full co-registered rasters (C, H, W) float32, normalised as the samples are (default: the
        dataset's modalities)."""
        mods = self.modalities if modalities is None else tuple(modalities)
        return {m: torch.from_numpy(np.ascontiguousarray(self._scaled(m))) for m in mods}

    def label_map(self, split: str | None = None) -> np.ndarray:
        """The map of file class ids (H, W) uint8 of a split (default: the dataset's), 0 = unlabelled."""
        s = self.split if split is None else split
        if s not in self.splits:
            raise ValueError(f"split must be one of {self.splits}, got {s!r}")
        m = np.asarray(self._read_label_map(s))
        if m.ndim != 2:
            raise ValueError(f"{type(self).__name__}: the {s} label map has shape {m.shape}, expected (H, W)")
        return m.astype(np.uint8)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    # --------------------------------------------------------------------------------------------- samples
    def __len__(self) -> int:
        return int(self.rows.size)

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} labelled pixels")
        i = index % len(self)
        r, c = int(self.rows[i]), int(self.cols[i])
        sample: dict[str, Any] = {}
        for m in self.modalities:
            self._scaled(m)
            a = self._cache[m]
            if self.mode == "patch":
                k = self.patch_size
                x = a[:, r:r + k, c:c + k]  # padded raster: the window starting at (r, c) is centred on (r, c)
            else:
                x = a[:, r, c]
            sample[m] = torch.from_numpy(np.array(x, dtype=np.float32))
        sample["label"] = torch.tensor(int(self.targets[i]), dtype=torch.long)
        sample["row"] = torch.tensor(r, dtype=torch.long)
        sample["col"] = torch.tensor(c, dtype=torch.long)
        sample["norm"] = {m: dict(self.norm[m]) for m in self.modalities if m in self.norm}
        if self.transforms is not None:
            sample = self.transforms(sample)
        return sample

    def plot(self, sample: Mapping[str, Any] | np.ndarray | Tensor, show_titles: bool = True,
             suptitle: str | None = None):
        """A sample (one panel per modality) or a class map (H, W) of file ids (0 unlabelled) with a legend;
        returns the figure."""
        if isinstance(sample, Mapping):
            return plot_sample(sample, self.modalities, self.classes, show_titles, suptitle)
        return plot_class_map(sample, self.classes, self.colors, title=suptitle)


class MatRasterDataset(ClassificationDataset):
    """A :class:`ClassificationDataset` whose rasters and label maps are MATLAB variables (v5 or v7.3), one per
    file, found by name: :attr:`raster_files` / :attr:`label_files` list per modality / split the accepted
    ``(file name, (variable name, alternatives...))`` in order of preference.  :attr:`folders` are preferred
    sub-folders of ``root`` (searched before the generic recursive search, so that datasets sharing file names
    can live side by side)."""

    raster_files: ClassVar[dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {}
    label_files: ClassVar[dict[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {}
    folders: tuple[str, ...] = ()

    def _find(self, names: Sequence[str]) -> Path | None:
        for d in (self.root, *(self.root / f for f in self.folders)):
            for n in names:
                if (d / n).is_file():
                    return d / n
        return super()._find(names)

    def _locate(self) -> None:
        self._keys: dict[str, tuple[str, ...]] = {}
        for kind, table in (("", self.raster_files), ("labels_", self.label_files)):
            for name, cands in table.items():
                for fname, keys in cands:
                    p = self._find([fname])
                    if p is not None:
                        self.files[kind + name] = p
                        self._keys[kind + name] = keys
                        break
        self._check_labels()

    def _check_labels(self) -> None:
        if self.split in self.label_files and f"labels_{self.split}" not in self.files:
            names = " or ".join(f for f, _ in self.label_files[self.split])
            raise HSDatasetNotFoundError(f"{type(self).__name__} {self.split} labels not found under {self.root} "
                                         f"(looked for {names}). {self._where()}")

    def _read_raster(self, name: str) -> np.ndarray:
        keys = self._keys[name]
        return as_chw(read_mat_variable(self.files[name], keys[0], alternatives=keys[1:]))

    def _read_label_map(self, split: str) -> np.ndarray:
        key = f"labels_{split}"
        if key not in self.files:
            names = " or ".join(f for f, _ in self.label_files.get(split, ()))
            raise HSDatasetNotFoundError(f"{type(self).__name__} {split} labels not found under {self.root} "
                                         f"(looked for {names}). {self._where()}")
        keys = self._keys[key]
        return read_mat_labels(self.files[key], keys[0], keys[1:])
