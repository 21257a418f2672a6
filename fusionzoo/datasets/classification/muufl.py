"""MUUFL Gulfport (University of Southern Mississippi Gulf Park campus, November 2010): CASI hyperspectral (64
bands after the noisy first and last four of 72 are dropped) + LiDAR (two rasterised returns), 325 x 220 pixels
at about 1 m, 11 scene-label classes, no official train / test split.

Files (any sub-folder of ``root``), in order of preference:

* the official GatorSense file ``muufl_gulfport_campus_1_hsi_220_label.mat`` (folder
  ``MUUFLGulfportSceneLabels/`` of https://github.com/GatorSense/MUUFLGulfport): a MATLAB struct ``hsi`` with
  ``Data`` (325, 220, 64), ``Lidar`` (its first element's ``z``: (325, 220, 2)), ``sceneLabels.labels`` (325, 220,
  -1 unlabelled, 1..11).  The target-detection file ``muufl_gulfport_campus_w_lidar_1.mat`` (the same struct
  without ``sceneLabels``, 325 x 337 x 72) is accepted too: its ``Data`` is cut to the first 220 columns and
  bands 5..68 as GatorSense did for the scene labels, and the labels come from ``gt.mat``.  v5 and v7.3.
* the common flat form: ``HSI.mat`` (key ``HSI``, or ``hsi``, ``data``, ``hsi_data``) (325, 220, 64),
  ``LiDAR.mat`` key ``LiDAR`` float32 (325, 220, 2) and ``gt.mat`` key ``gt`` uint8 (325, 220), 0 unlabelled.

Class names: the GatorSense ``hsi.sceneLabels.Materials_Type`` order with the README correction of 2018-12-06
(7 = shadow of buildings, 8 = buildings).  Split: ``"train"`` / ``"test"`` are this package's published seeded
random split, :func:`~fusionzoo.datasets.classification.sampling.stratified_split` with ``per_class=0.05``,
``seed=0`` (MFT's protocol: 5 % per class, 2683 training pixels; its own draw is not published);
:attr:`MUUFL.split_digest` is the sha256 of that split's training pixel indices on the official labels, so a
change of numpy's random stream cannot change it silently.  ``"all"``: every labelled pixel.

Checksums: none is published; ``muufl_gulfport_campus_1_hsi_220_label.mat`` is pinned by rs-fusion-datasets (not
verified here); ``LiDAR.mat`` / ``gt.mat`` were computed here from the copies in ZhangYongshan/ETAP @ bb4e0ef.
Terms: MIT (GatorSense); a publication must cite Gader et al. 2013 (REP-2013-570) and Du & Zare 2017
(Tech. Rep. 20170417).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ._common import PALETTE20, HSDatasetNotFoundError, MatRasterDataset, as_chw
from .sampling import stratified_split

__all__ = ["MUUFL", "read_mat_struct_field"]

_SCENE_FILE = "muufl_gulfport_campus_1_hsi_220_label.mat"
_TARGET_FILE = "muufl_gulfport_campus_w_lidar_1.mat"


def _first(v: Any) -> Any:
    """The first element of a MATLAB struct / cell array as scipy gives it (object ndarray), else ``v``."""
    while isinstance(v, np.ndarray) and v.dtype == object:
        if v.size == 0:
            raise ValueError("empty MATLAB cell / struct array")
        v = v.flat[0]
    return v


def read_mat_struct_field(path: str | os.PathLike, *fields: str) -> np.ndarray:
    """A field of a MATLAB struct (``fields = ("hsi", "sceneLabels", "labels")``) in MATLAB's order.

    For struct or cell arrays on the way (e.g. ``hsi.Lidar``), the first element is taken.  v5 files are read
    with scipy, v7.3 (HDF5) with h5py (object references followed, arrays transposed back)."""
    import h5py

    path = Path(path)
    if h5py.is_hdf5(str(path)):
        with h5py.File(path, "r") as f:
            node: Any = f
            for name in fields:
                if isinstance(node, h5py.Dataset):  # an array of references (struct / cell array)
                    node = f[node[()].flat[0]]
                if name not in node:
                    raise KeyError(f"{path}: no field {name!r} in {'.'.join(fields)}")
                node = node[name]
            if isinstance(node, h5py.Dataset) and node.dtype == h5py.ref_dtype:
                node = f[node[()].flat[0]]
            if not isinstance(node, h5py.Dataset):
                raise KeyError(f"{path}: {'.'.join(fields)} is not an array")
            return np.asarray(node[()]).T
    import scipy.io

    d = scipy.io.loadmat(path, variable_names=[fields[0]], squeeze_me=True, struct_as_record=False)
    if fields[0] not in d:
        raise KeyError(f"{path}: no variable {fields[0]!r}")
    v: Any = d[fields[0]]
    for name in fields[1:]:
        v = _first(v)
        if not hasattr(v, name):
            raise KeyError(f"{path}: no field {name!r} in {'.'.join(fields)}")
        v = getattr(v, name)
    return np.asarray(_first(v) if isinstance(v, np.ndarray) and v.dtype == object else v)


class MUUFL(MatRasterDataset):
    """MUUFL Gulfport HS + LiDAR classification.

    Args:
        root, modalities (``"hs"``, ``"lidar"``; default: those present), mode, patch_size, normalize (default
            ``"band"``), transforms, checksum: see :class:`~fusionzoo.datasets.classification.ClassificationDataset`.
        split: ``"train"`` / ``"test"`` (the seeded stratified split) or ``"all"``.
        per_class, seed: of the split (a fraction or a count per class; default 5 %, seed 0: the published split).
    """

    classes = ("Trees", "Mostly grass", "Mixed ground surface", "Dirt and sand", "Road", "Water", "Building shadow",
               "Buildings", "Sidewalk", "Yellow curb", "Cloth panels")
    colors = PALETTE20[:11]
    all_modalities = ("hs", "lidar")
    splits = ("train", "test", "all")
    url = "https://github.com/GatorSense/MUUFLGulfport"
    folders = ("MUUFLGulfportSceneLabels", "MUUFL")
    raster_files: ClassVar[dict] = {"hs": (("HSI.mat", ("HSI", "hsi", "data", "hsi_data")),),
                                    "lidar": (("LiDAR.mat", ("LiDAR", "lidar", "data", "lidar_data")),)}
    label_files: ClassVar[dict] = {"all": (("gt.mat", ("gt", "labels")),)}
    #: sha256 of the training pixels' flat (row-major) indices of the default split on the official labels
    split_digest = "a35eb3059f57e531ba39367ca6e73fb9c3bc6bc35137564b58d3aa1cfd49f9d8"
    default_per_class = 0.05
    sha256: ClassVar[dict] = {
        _SCENE_FILE: "69420a72866dff4a858ae503e6e2981af46f406a4ad8f4dd642efa43feb59edc",
        "LiDAR.mat": "6ff05737867f68ba381807564f431eafa8e603434971988767953122103ec09b",
        "gt.mat": "32746e45d4f9aacfa8a34f2338a5ea4af4e2024a0219c543800a06733fc3b419",
    }

    def __init__(self, root: str | os.PathLike = "data", split: str = "train", modalities: Sequence[str] | None = None,
                 mode: str = "pixel", patch_size: int = 7, normalize: str | None | Mapping[str, str | None] = "band",
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, checksum: bool = False,
                 per_class: float = 0.05, seed: int = 0) -> None:
        self.per_class, self.seed = per_class, seed
        self._split_maps: dict[str, np.ndarray] | None = None
        super().__init__(root, split, modalities, mode, patch_size, normalize, transforms, checksum)

    def _where(self) -> str:
        return (f"Download {_SCENE_FILE} from {self.url} (folder MUUFLGulfportSceneLabels/; no checksum is published) "
                f"and put it under {self.root}, or put the flat files HSI.mat, LiDAR.mat and gt.mat there")

    def _locate(self) -> None:
        self.struct = self._find([_SCENE_FILE, _TARGET_FILE])
        super()._locate()
        if self.struct is not None:
            self.files.setdefault("hs", self.struct)
            self.files.setdefault("lidar", self.struct)
            if self.struct.name == _SCENE_FILE:
                self.files.setdefault("labels_all", self.struct)
        if "labels_all" not in self.files:
            raise HSDatasetNotFoundError(f"MUUFL labels not found under {self.root} (looked for {_SCENE_FILE} and "
                                         f"gt.mat). {self._where()}")

    def _check_labels(self) -> None:  # the split comes from the "all" map, checked in _locate
        return

    def _crop(self, a: np.ndarray) -> np.ndarray:
        """The target-detection file's wider scene (325 x 337) -> the scene-label area, its first columns (220)."""
        if self.struct is not None and self.struct.name == _TARGET_FILE and a.ndim >= 2:
            return a[:, :self.map_shape[1]]
        return a

    def _read_raster(self, name: str) -> np.ndarray:
        p = self.files[name]
        if p != self.struct:
            return super()._read_raster(name)
        if name == "hs":
            a = self._crop(np.asarray(read_mat_struct_field(p, "hsi", "Data")))
            if a.ndim == 3 and a.shape[2] == 72:  # GatorSense dropped the first and last four (noisy) bands
                a = a[:, :, 4:68]
            return as_chw(a)
        z = self._crop(np.asarray(read_mat_struct_field(p, "hsi", "Lidar", "z")))
        return as_chw(z)

    def _read_label_map(self, split: str) -> np.ndarray:
        if split == "all":
            p = self.files["labels_all"]
            if p == self.struct:
                a = np.asarray(read_mat_struct_field(p, "hsi", "sceneLabels", "labels"), dtype=np.int64)
                return np.where(a < 0, 0, a).astype(np.uint8)
            return super()._read_label_map("all")
        if self._split_maps is None:
            tr, te = stratified_split(self._read_label_map("all"), self.per_class, self.seed)
            self._split_maps = {"train": tr, "test": te}
        return self._split_maps[split]

    def train_digest(self) -> str:
        """The sha256 of this split's training pixel indices (row-major flat, int64 little-endian); equals
        :attr:`split_digest` for the default split on the official labels."""
        idx = np.flatnonzero(self._read_label_map("train").ravel() > 0).astype("<i8")
        return hashlib.sha256(idx.tobytes()).hexdigest()
