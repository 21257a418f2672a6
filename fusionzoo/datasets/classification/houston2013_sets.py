"""The Houston 2013 pixel and patch sets of the EndNet / MDL-RS papers (Hong et al.): the authors' ``.mat``
files, as their TF code reads them.

* FC (pixel) sets, folder ``HSI_LiDAR_FC/`` of MDL-RS (the same files ship with EndNet): ``HSI_TrSet`` (2832,
  144), ``HSI_TeSet`` (12197, 144) (HS spectra scaled by one global min-max), ``LiDAR_TrSet`` (2832, 21),
  ``LiDAR_TeSet`` (12197, 21) (21 morphological-profile features of the DSM, 8-bit quantised), ``TrLabel`` /
  ``TeLabel`` (N, 1) uint8 1..15.  MATLAB v5, one variable per file named as the file.
* CNN (patch) sets, folder ``HSI_LiDAR_CNN/``: the same names with (N, 7*7*C) vectors: MATLAB's column-major
  flattening of a 7 x 7 x C patch (element ``row + 7*col + 49*channel``), see
  :func:`~fusionzoo.datasets.classification.sampling.vectors_to_patches`.

The samples are in row-major raster order over the official TR / VA maps (``TR.ravel('C')[TR > 0]`` equals
``TrLabel``), so each sample's pixel position is known: with ``split_maps`` (a folder holding the maps
``2013_IEEE_GRSS_DF_Contest_Samples_TR.tif`` / ``_VA.tif`` or the ROI ``.txt`` exports) the samples carry
``row`` / ``col``.

Download: https://github.com/danfenghong/IEEE_TGRS_MDL-RS (the LiDAR sets and labels are in the repository; the
HS sets are on the Google Drive / Baidu links of its README) and https://github.com/danfenghong/IEEE_GRSL_EndNet.
No checksum is published: the sha256 pins below were computed here from the copies in
danfenghong/IEEE_GRSL_EndNet @ adbaf62 (FC) and danfenghong/IEEE_TGRS_MDL-RS @ cb0e128 (CNN).  Terms: those of
Houston 2013 (see :mod:`.houston2013`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torchgeo.datasets import NonGeoDataset

from ..hs_ms_fusion._common import HSDatasetNotFoundError, find_file, read_mat_variable
from ._common import plot_class_map, plot_sample, resolve_modalities, sha256_file
from .houston2013 import Houston2013, read_split_map
from .sampling import PATCH_LAYOUTS, labelled_pixels, vectors_to_patches

__all__ = ["HoustonMDLRSSets"]

_SPLIT_MAPS = {"train": "2013_IEEE_GRSS_DF_Contest_Samples_TR", "test": "2013_IEEE_GRSS_DF_Contest_Samples_VA"}


class HoustonMDLRSSets(NonGeoDataset):
    """The EndNet / MDL-RS Houston 2013 sets (``.mat`` pixel or patch vectors).

    Args:
        root: the folder holding the set files, or its parent with the authors' folders ``HSI_LiDAR_FC/``
            (used for ``mode="pixel"``) / ``HSI_LiDAR_CNN/`` (``mode="patch"``).
        split: ``"train"`` (``*_TrSet``, ``TrLabel``) or ``"test"`` (``*_TeSet``, ``TeLabel``).
        modalities: ``"hs"`` and / or ``"lidar"`` (default: those whose files are present; a modality asked for
            whose file is missing, e.g. ``HSI_TeSet``, is an error).
        mode: ``"pixel"`` (vectors (C,); from the patch sets, the patches' centre pixels) or ``"patch"`` ((C, k,
            k) from the patch vectors).
        layout: ``"correct"`` (default: the physically right patch) or ``"authors"`` (the authors' TF
            reshape, a fixed scramble), see :func:`~fusionzoo.datasets.classification.sampling.vectors_to_patches`.
        split_maps: a folder with the official split maps: adds ``row`` / ``col`` to the samples (and checks the
            order of the set against the map).
        transforms: a function applied to each sample dict.
        checksum: verify the files against the pins (computed here; none is published).

    The values are used as the authors stored them (already scaled); samples: ``hs`` / ``lidar``, ``label``
    0..14 (file id - 1), ``index`` (position in the set) and, with ``split_maps``, ``row`` / ``col``.
    """

    classes = Houston2013.classes
    colors = Houston2013.colors
    all_modalities = ("hs", "lidar")
    channels: ClassVar[dict] = {"hs": 144, "lidar": 21}
    splits = ("train", "test")
    url = "https://github.com/danfenghong/IEEE_TGRS_MDL-RS"
    folders: ClassVar[dict] = {"pixel": "HSI_LiDAR_FC", "patch": "HSI_LiDAR_CNN"}
    _prefix: ClassVar[dict] = {"hs": "HSI", "lidar": "LiDAR"}
    _suffix: ClassVar[dict] = {"train": "TrSet", "test": "TeSet"}
    _labels: ClassVar[dict] = {"train": "TrLabel", "test": "TeLabel"}
    #: sha256 of the authors' files by name; a name may have one pin per set (FC, CNN)
    sha256: ClassVar[dict[str, tuple[str, ...]]] = {
        "HSI_TrSet.mat": ("06d547a98f454631c3d57be1e031c946ed2d7cff82d865acb9fa07f0be944321",),
        "LiDAR_TrSet.mat": ("20dfe8bc476af4e9c5b91258319668856c2da5dbb4d6a7dba27c5aed148b5386",
                            "0b2eeeceaa6cc1686c5cf22dc2be2b8c0f11d52ffb4de8003b71b76044d0fa8f"),
        "LiDAR_TeSet.mat": ("fae577c169f47010bf7bf44f5b33d1a339ab610c1e2c7803d6e8f2549724eee7",),
        "TrLabel.mat": ("c1185317a8fd0a8b19a87163ca2d57ffc12f490f690e052c74120063f16fe2ae",
                        "9b60b797a9b6fd9ca62438c57252ec82094b11a3d356b9d195f45dd9dd990252"),
        "TeLabel.mat": ("aa4df0fb9d91ffc30bee19e537f7dd84d28cf74e8e5c16742f42003665315c6e",
                        "0065c4702700032cd936aff8bc899cac5d1f0312ebb8bddc7845ae8aacab1af8"),
    }

    def __init__(self, root: str | os.PathLike = "data", split: str = "train", modalities: Sequence[str] | None = None,
                 mode: str = "pixel", layout: str = "correct", split_maps: str | os.PathLike | None = None,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, checksum: bool = False) -> None:
        if split not in self.splits:
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        if mode not in ("pixel", "patch"):
            raise ValueError(f"mode must be 'pixel' or 'patch', got {mode!r}")
        if layout not in PATCH_LAYOUTS:
            raise ValueError(f"layout must be one of {PATCH_LAYOUTS}, got {layout!r}")
        self.root = Path(root).expanduser()
        self.split, self.mode, self.layout, self.transforms = split, mode, layout, transforms
        self.dir = self._folder()
        self.modalities = resolve_modalities(
            modalities, self.all_modalities, [m for m in self.all_modalities if self._file(m) is not None],
            none_found=f"no {split} set (HSI_{self._suffix[split]}.mat or LiDAR_{self._suffix[split]}.mat) in "
                       f"{self.dir}. {self._where()}",
            missing=lambda m: f"the {m!r} set {self._name(m)}.mat was requested but is not in {self.dir}. "
                              f"{self._where()}")
        label_file = self.dir / f"{self._labels[split]}.mat"
        if checksum:
            self._verify([label_file, *(self._file(m) for m in self.modalities)])  # type: ignore[list-item]
        lab = np.asarray(read_mat_variable(label_file, self._labels[split])).reshape(-1)
        if lab.size and (lab.min() < 1 or lab.max() > len(self.classes)):
            raise ValueError(f"{label_file}: labels {lab.min()}..{lab.max()}, expected 1..{len(self.classes)}")
        self.targets = lab.astype(np.int64) - 1
        self.data: dict[str, np.ndarray] = {}
        for m in self.modalities:
            self.data[m] = self._load(m, lab.size)
        self.rows = self.cols = None
        self.split_maps = Path(split_maps).expanduser() if split_maps is not None else None
        if self.split_maps is not None:
            self.rows, self.cols = self._positions(lab)

    # ------------------------------------------------------------------------------------------------ files
    def _where(self) -> str:
        return (f"Download the authors' sets from {self.url} (LiDAR sets and labels in the repository, HS sets on "
                f"the Google Drive / Baidu links of its README; no checksum is published) and put the files of "
                f"HSI_LiDAR_FC/ (pixel sets) or HSI_LiDAR_CNN/ (patch sets) in {self.root} (or keep those folders "
                f"under it)")

    def _folder(self) -> Path:
        label = f"{self._labels[self.split]}.mat"
        for d in (self.root, self.root / self.folders[self.mode]):
            if (d / label).is_file():
                return d
        raise HSDatasetNotFoundError(f"{label} not found in {self.root} or {self.root / self.folders[self.mode]}. "
                                     f"{self._where()}")

    def _name(self, m: str) -> str:
        return f"{self._prefix[m]}_{self._suffix[self.split]}"

    def _file(self, m: str) -> Path | None:
        p = self.dir / f"{self._name(m)}.mat"
        return p if p.is_file() else None

    def _verify(self, files: Sequence[Path]) -> None:
        for p in files:
            want = self.sha256.get(p.name, ())
            got = sha256_file(p)
            if want and got not in want:
                raise ValueError(f"{p}: sha256 {got} matches none of the pinned {', '.join(want)}; re-download it, or "
                                 f"pass checksum=False")
            if not want:
                raise ValueError(f"{p.name}: no checksum is known for this file; pass checksum=False")

    def _load(self, m: str, n: int) -> np.ndarray:
        p = self._file(m)
        v = np.asarray(read_mat_variable(p, self._name(m)), dtype=np.float32)  # type: ignore[arg-type]
        c = self.channels[m]
        if v.ndim != 2 or v.shape[0] != n:
            raise ValueError(f"{p}: shape {v.shape}, expected ({n}, {c}) or ({n}, k*k*{c}) as the labels")
        k = round((v.shape[1] / c) ** 0.5)
        if k * k * c != v.shape[1] or k % 2 == 0:
            raise ValueError(f"{p}: {v.shape[1]} values per sample is neither {c} (pixel) nor k*k*{c} (patch, odd k)")
        if k == 1 and self.mode == "patch":
            raise ValueError(f"{p} holds pixel vectors (FC set); mode='patch' needs the CNN patch sets "
                             f"({self.folders['patch']}/)")
        if k == 1:
            return v
        if self.mode == "pixel":  # the centre pixel, wherever the layout puts it: read it from the true layout
            return np.ascontiguousarray(vectors_to_patches(v, k, c, "correct")[:, :, k // 2, k // 2])
        return vectors_to_patches(v, k, c, self.layout)

    def _positions(self, lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        stem = _SPLIT_MAPS[self.split]
        p = find_file(self.split_maps, [stem + ".tif", stem + ".txt"]) if self.split_maps is not None else None
        if p is None:
            raise HSDatasetNotFoundError(f"split map {stem}.tif (or .txt) not found under {self.split_maps}; get it "
                                         f"from https://github.com/danfenghong/ISPRS_S2FL or the contest archive")
        rows, cols, ids = labelled_pixels(read_split_map(p))
        if ids.size != lab.size or not np.array_equal(ids.astype(np.int64), lab.astype(np.int64)):
            raise ValueError(f"the {self.split} set's labels do not follow the row-major order of {p.name} "
                             f"({lab.size} samples, {ids.size} labelled pixels); wrong map or set?")
        self.map_shape = read_split_map(p).shape
        return rows, cols

    # ---------------------------------------------------------------------------------------------- access
    def arrays(self) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The whole set: ``({modality: (N, C) or (N, C, k, k)}, labels (N,) 0-based)``."""
        return dict(self.data), self.targets.copy()

    def label_map(self, split: str | None = None) -> np.ndarray:
        """The official split map of file ids (needs ``split_maps``)."""
        s = self.split if split is None else split
        if self.split_maps is None:
            raise ValueError("label_map needs split_maps= (the folder of the official TR / VA maps)")
        p = find_file(self.split_maps, [_SPLIT_MAPS[s] + ".tif", _SPLIT_MAPS[s] + ".txt"])
        if p is None:
            raise HSDatasetNotFoundError(f"split map {_SPLIT_MAPS[s]}.tif not found under {self.split_maps}")
        return read_split_map(p).astype(np.uint8)

    def rasters(self, modalities: Sequence[str] | None = None) -> dict[str, torch.Tensor]:
        raise NotImplementedError("the authors' sets hold pixels of the split only, not whole rasters; use "
                                  "Houston2013 (the contest rasters) for scene maps")

    def __len__(self) -> int:
        return int(self.targets.size)

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} samples")
        i = index % len(self)
        sample: dict[str, Any] = {m: torch.from_numpy(np.array(self.data[m][i])) for m in self.modalities}
        sample["label"] = torch.tensor(int(self.targets[i]), dtype=torch.long)
        sample["index"] = torch.tensor(i, dtype=torch.long)
        if self.rows is not None and self.cols is not None:
            sample["row"] = torch.tensor(int(self.rows[i]), dtype=torch.long)
            sample["col"] = torch.tensor(int(self.cols[i]), dtype=torch.long)
        if self.transforms is not None:
            sample = self.transforms(sample)
        return sample

    def plot(self, sample: Mapping[str, Any] | np.ndarray | torch.Tensor, show_titles: bool = True,
             suptitle: str | None = None):
        """A sample (one panel per modality) or a class map (H, W) of file ids with a legend; returns the figure."""
        if isinstance(sample, Mapping):
            return plot_sample(sample, self.modalities, self.classes, show_titles, suptitle)
        return plot_class_map(sample, self.classes, self.colors, title=suptitle)
