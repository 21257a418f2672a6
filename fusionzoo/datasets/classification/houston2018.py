"""Houston 2018 (2018 IEEE GRSS Data Fusion Contest, University of Houston campus, 16 February 2017) for
classification: the contest's training area with its 20-class ground truth, and the co-registered HS + RGB crop
``houston_dataset.mat``.

:class:`Houston2018Classification` (the contest files, any sub-folder of ``root``; on the 1 m HS grid):

* ``hs``: ``2018_IEEE_GRSS_DFC_HSI_TR`` + ``.HDR`` (ENVI, 601 x 2384 at 1 m, 48 bands kept of the 50 stored),
  read by :class:`fusionzoo.datasets.hs_ms_fusion.Houston2018`.
* ``lidar``: the multispectral LiDAR rasters at 0.5 m (1202 x 4768): intensities ``Intensity_C1/UH17_GI1F051_TR.tif``,
  ``Intensity_C2/UH17_GI2F051_TR.tif``, ``Intensity_C3/UH17_GI3F051_TR.tif`` and the first-return DSM
  ``DSM_C12/UH17c_GEF051_TR.tif``, in that channel order; brought to 1 m by the mean of each 2 x 2 block over its
  valid samples (no-data samples, non-finite or of magnitude above 1e10, are left out; a block without a valid
  sample takes the band's smallest valid value).
* ``ms``: the very-high-resolution RGB tiles at 0.05 m (``UH_NAD83_<easting>_<northing>.tif``, folder ``Final RGB
  HR Imagery``), placed on the 1 m grid by their georeference and averaged over each 20 x 20 block; pixels no tile
  covers are 0.
* labels: ``2018_IEEE_GRSS_DFC_GT_TR.tif`` (0.5 m, 0 unlabelled, 1..20), brought to 1 m by
  :func:`~fusionzoo.datasets.classification.sampling.block_mode` over each 2 x 2 block (the 1 m pixel covers
  exactly one 2 x 2 block: both grids start at the same corner).  The contest's own test labels are not used:
  ``split="train"`` / ``"test"`` are a spatially disjoint :func:`~.sampling.block_split` of this map (100 m
  blocks, test fraction 0.5, seed 0), ``"all"`` every labelled pixel.

Download: http://hyperspectral.ee.uh.edu/?page_id=1075 (registration) or IEEE DataPort ("2018 IEEE GRSS Data
Fusion Challenge - Fusion of Multispectral LiDAR and Hyperspectral Data").  No checksum is published.

:class:`Houston2018CropClassification`: ``houston_dataset.mat`` of Ramirez et al. (IGARSS 2021,
https://github.com/JuanMarcosRamirez/featurefusion_igarss2021): ``hyprImg`` 128 x 128 x 48 uint16 (1 m),
``rgbImg`` 512 x 512 x 3 uint8 and ``clasLabs`` 512 x 512 (0 unlabelled, 1..12), classified on the 128 x 128 HS
grid.  The file names no classes; its ids 1..12 are taken as the DFC2018 classes present in the crop in
increasing DFC2018 id (assumed, checked by eye on the imagery: artificial turf on the football field, stadium
seats on the stands, leafless crowns for the trees of February, major thoroughfare on the large road).

Terms: GRSS DFC data are for research; acknowledge the National Center for Airborne Laser Mapping and the
Hyperspectral Image Analysis Laboratory of the University of Houston and the IEEE GRSS IADF committee.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..hs_ms_fusion._common import hwc_to_chw, read_mat_variable
from ..hs_ms_fusion.houston2018 import Houston2018 as _HSReader
from ._common import PALETTE20, ClassificationDataset, HSDatasetNotFoundError
from .sampling import block_mode, block_split

__all__ = ["CROP_DFC2018_IDS", "DFC2018_CLASSES", "Houston2018Classification", "Houston2018CropClassification"]

#: the 20 DFC2018 classes, ids 1..20
DFC2018_CLASSES = ("Healthy grass", "Stressed grass", "Artificial turf", "Evergreen trees", "Deciduous trees",
                   "Bare earth", "Water", "Residential buildings", "Non-residential buildings", "Roads", "Sidewalks",
                   "Crosswalks", "Major thoroughfares", "Highways", "Railways", "Paved parking lots",
                   "Unpaved parking lots", "Cars", "Trains", "Stadium seats")
#: the DFC2018 ids of the crop's classes 1..12 (assumed: the classes present, in increasing DFC2018 id)
CROP_DFC2018_IDS = (1, 2, 3, 5, 9, 10, 11, 12, 13, 16, 18, 20)

_PAGE = "http://hyperspectral.ee.uh.edu/?page_id=1075"
_HS = "2018_IEEE_GRSS_DFC_HSI_TR.HDR"
_GT = "2018_IEEE_GRSS_DFC_GT_TR.tif"
_LIDAR = ("UH17_GI1F051_TR.tif", "UH17_GI2F051_TR.tif", "UH17_GI3F051_TR.tif", "UH17c_GEF051_TR.tif")
_NODATA = 1e10


def _block_mean_valid(a: np.ndarray, f: int) -> np.ndarray:
    """(H, W) -> (H/f, W/f): the mean of each f x f block over its valid samples (finite, |v| <= 1e10); blocks
    without one take the smallest valid value of the band."""
    a = np.asarray(a, dtype=np.float64)
    h, w = a.shape[0] // f, a.shape[1] // f
    a = a[:h * f, :w * f]
    ok = np.isfinite(a) & (np.abs(np.where(np.isfinite(a), a, 0)) <= _NODATA)
    if not ok.any():
        raise ValueError("the LiDAR raster has no valid sample")
    s = np.where(ok, a, 0).reshape(h, f, w, f).sum(axis=(1, 3))
    n = ok.reshape(h, f, w, f).sum(axis=(1, 3))
    out = np.where(n > 0, s / np.maximum(n, 1), a[ok].min())
    return out.astype(np.float32)


class Houston2018Classification(ClassificationDataset):
    """DFC2018 classification on the 1 m HS grid: modalities ``hs`` (48), ``lidar`` (4: intensities C1-C3 and
    the DSM), ``ms`` (3: the VHR RGB block mean).

    Args: root, split (``"train"``, ``"test"`` or ``"all"``), modalities (default: those present), mode,
    patch_size, normalize (default ``"band"``), transforms, checksum (none is published: raises): see
    :class:`~fusionzoo.datasets.classification.ClassificationDataset`.
    """

    classes = DFC2018_CLASSES
    colors = PALETTE20
    all_modalities = ("hs", "lidar", "ms")
    splits = ("train", "test", "all")
    url = _PAGE
    #: the split of ``"train"`` / ``"test"``: block side on the 1 m grid, test fraction, seed
    split_block, split_test_fraction, split_seed = 100, 0.5, 0
    sha256: ClassVar[dict[str, str]] = {}

    def _where(self) -> str:
        return (f"Download the 2018 IEEE GRSS Data Fusion Contest data from {self.url} (or IEEE DataPort; no checksum "
                f"is published) and put the training-area files (HSI/{_HS} with its data file, GT/{_GT}, "
                f"'Lidar GeoTiff Rasters/...', 'Final RGB HR Imagery/UH_NAD83_*.tif') under {self.root}")

    def _locate(self) -> None:
        gt = self._find([_GT])
        if gt is None:
            raise HSDatasetNotFoundError(f"Houston 2018 ground truth {_GT} not found under {self.root}. "
                                         f"{self._where()}")
        self.files["labels"] = gt
        hs = self._find([_HS])
        if hs is not None:
            self.files["hs"] = hs
        lid = [self._find([n]) for n in _LIDAR]
        if all(p is not None for p in lid):
            self.files["lidar"] = lid[0]  # type: ignore[assignment]
            self._lidar = lid
        tiles = sorted(p for p in self.root.rglob("UH_NAD83_*.tif") if p.is_file()) if self.root.is_dir() else []
        if tiles:
            self.files["ms"] = tiles[0]
            self._tiles = tiles

    def _files_used(self) -> list[Path]:
        out = [self.files["labels"], *(self.files[m] for m in ("hs",) if m in self.files)]
        return out + list(getattr(self, "_lidar", [])) + list(getattr(self, "_tiles", []))

    def _gt(self) -> tuple[np.ndarray, Any]:
        from ...io import read_geotiff

        a, meta = read_geotiff(self.files["labels"], "Houston 2018 ground truth")
        if a.shape[0] != 1 or a.shape[1] % 2 or a.shape[2] % 2:
            raise ValueError(f"{self.files['labels']}: shape {a.shape}; the ground truth is one band of even size "
                             f"(1202 x 4768 at 0.5 m)")
        return a[0], meta

    def _read_label_map(self, split: str) -> np.ndarray:
        full = block_mode(self._gt()[0], 2)
        if split == "all":
            return full
        tr, te = block_split(full, self.split_block, self.split_test_fraction, self.split_seed)
        return tr if split == "train" else te

    def _read_raster(self, name: str) -> np.ndarray:
        if name == "hs":
            return _HSReader(self.root, path=self.files["hs"], scale=None).cube(0)[0].numpy()
        if name == "lidar":
            from ...io import read_geotiff

            bands = []
            for p in self._lidar:
                a, _ = read_geotiff(p, "Houston 2018 LiDAR")
                bands.append(_block_mean_valid(a[0], 2))
            return np.stack(bands)
        return self._mosaic()

    def _grid(self) -> tuple[float, float, float]:
        """(easting, northing) of the 1 m grid's upper-left corner and its pixel size, from the ground truth's
        georeference (its pixel size doubled)."""
        _, meta = self._gt()
        t = meta.get("transform")
        if t is None:
            raise ValueError(f"{self.files['labels']} has no georeference; the VHR tiles cannot be placed")
        return float(t.c), float(t.f), 2.0 * float(t.a)

    def _mosaic(self) -> np.ndarray:
        import rasterio
        from rasterio.windows import Window

        x0, y0, res = self._grid()
        h, w = self.map_shape
        out = np.zeros((3, h, w), dtype=np.float64)
        for p in self._tiles:
            with rasterio.open(p) as src:
                f = res / src.transform.a
                if abs(f - round(f)) > 1e-6 or src.count < 3:
                    raise ValueError(f"{p}: pixel size {src.transform.a} m does not divide {res} m, or fewer than 3 "
                                     f"bands")
                f = round(f)
                c0 = (src.transform.c - x0) / res
                r0 = (y0 - src.transform.f) / res
                if abs(c0 - round(c0)) > 1e-6 or abs(r0 - round(r0)) > 1e-6:
                    raise ValueError(f"{p}: the tile's corner is not on the 1 m grid of {self.files['labels'].name}")
                c0, r0 = round(c0), round(r0)
                th, tw = src.height // f, src.width // f
                strip = 8  # rows of the 1 m grid read at once (8 x 20 VHR rows)
                for i in range(0, th, strip):
                    n = min(strip, th - i)
                    a = src.read((1, 2, 3), window=Window(0, i * f, tw * f, n * f)).astype(np.float64)
                    blk = a.reshape(3, n, f, tw, f).mean(axis=(2, 4))
                    rr, cc = r0 + i, c0
                    rs, re_ = max(rr, 0), min(rr + n, h)
                    cs, ce = max(cc, 0), min(cc + tw, w)
                    if rs < re_ and cs < ce:
                        out[:, rs:re_, cs:ce] = blk[:, rs - rr:re_ - rr, cs - cc:ce - cc]
        return out.astype(np.float32)


class Houston2018CropClassification(ClassificationDataset):
    """Classification on the ``houston_dataset.mat`` crop, on its 128 x 128 HS grid (1 m).

    Args:
        root: folder holding ``houston_dataset.mat`` (any sub-folder), or the file itself.
        split: ``"train"`` / ``"test"``: the published spatially disjoint split (16 x 16 blocks of the HS grid,
            :attr:`TEST_BLOCKS`, fixed here as data), or ``"all"``.
        modalities: ``"hs"`` (48 bands) and ``"ms"`` (the RGB on the HS grid), default both.
        rgb: ``"space_to_depth"`` (default: the 4 x 4 RGB pixels under each HS pixel as 48 channels, channel
            ``16 c + 4 dy + dx`` for colour c and sub-pixel (dy, dx), as ``torch.nn.functional.pixel_unshuffle``)
            or ``"mean"`` (their mean, 3 channels).
        mode, patch_size, normalize (default ``"band"``), transforms, checksum: see
            :class:`~fusionzoo.datasets.classification.ClassificationDataset`.

    Labels: the mode of each 4 x 4 block of ``clasLabs`` (:func:`~.sampling.block_mode`: unlabelled where more
    than half of the block is unlabelled, ties to the smaller id).  Class names: :data:`CROP_DFC2018_IDS`.
    """

    classes = tuple(DFC2018_CLASSES[i - 1] for i in CROP_DFC2018_IDS)
    colors = tuple(PALETTE20[i - 1] for i in CROP_DFC2018_IDS)
    all_modalities = ("hs", "ms")
    splits = ("train", "test", "all")
    filename = "houston_dataset.mat"
    url = "https://github.com/JuanMarcosRamirez/featurefusion_igarss2021"
    #: sha256 of the file in the source repository at commit 6ebbfc4 (computed; the authors publish none)
    sha256: ClassVar[dict] = {"houston_dataset.mat": "944585424ac0b9aa55f879d46dd8dad06b9df9cb02fd06c7a13042ab1d5a50c5"}
    ratio = 4
    #: the published split: side of the blocks on the HS grid and the test blocks (block index ``8 * i + j`` of
    #: block row i, column j); made by ``block_split(labels, 16, 0.5, seed=0)`` on the real file and fixed here
    BLOCK = 16
    TEST_BLOCKS = (0, 1, 2, 3, 6, 9, 11, 12, 18, 19, 20, 21, 22, 23, 25, 27, 28, 29, 31, 35, 36, 38, 43, 44, 45, 51, 53,
                   54, 55, 56, 58, 59)
    grid = (128, 128)

    def __init__(self, root: str | os.PathLike = "data", split: str = "train", modalities: Sequence[str] | None = None,
                 mode: str = "pixel", patch_size: int = 7, normalize: str | None | Mapping[str, str | None] = "band",
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, checksum: bool = False,
                 rgb: str = "space_to_depth") -> None:
        if rgb not in ("space_to_depth", "mean"):
            raise ValueError(f"rgb must be 'space_to_depth' or 'mean', got {rgb!r}")
        self.rgb = rgb
        super().__init__(root, split, modalities, mode, patch_size, normalize, transforms, checksum)

    def _where(self) -> str:
        return (f"Download {self.filename} from {self.url} (folder data/; GRSS DFC 2018 terms) and put it at "
                f"{self.root / self.filename} (any sub-folder works)")

    def _locate(self) -> None:
        p = self.root if self.root.is_file() else self._find([self.filename])
        if p is None:
            raise HSDatasetNotFoundError(f"{self.filename} not found under {self.root}. {self._where()}")
        self.files = {"hs": p, "ms": p, "labels": p}

    def _read_raster(self, name: str) -> np.ndarray:
        p = self.files[name]
        if name == "hs":
            a = hwc_to_chw(read_mat_variable(p, "hyprImg"))
            if a.shape[0] != 48:
                raise ValueError(f"{p}: hyprImg has {a.shape[0]} bands, the DFC2018 HSI has 48")
            return a
        rgb = np.asarray(read_mat_variable(p, "rgbImg"), dtype=np.float32)
        r = self.ratio
        H, W = rgb.shape[0] // r, rgb.shape[1] // r
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] != H * r or rgb.shape[1] != W * r:
            raise ValueError(f"{p}: rgbImg has shape {rgb.shape}, expected ({r}h, {r}w, 3)")
        blocks = rgb.reshape(H, r, W, r, 3)  # (i, dy, j, dx, c)
        if self.rgb == "mean":
            return np.ascontiguousarray(blocks.mean(axis=(1, 3)).transpose(2, 0, 1))
        return np.ascontiguousarray(blocks.transpose(4, 1, 3, 0, 2).reshape(3 * r * r, H, W))

    def full_label_map(self) -> np.ndarray:
        """All labels on the HS grid (4 x 4 block mode of ``clasLabs``)."""
        lab = np.asarray(read_mat_variable(self.files["labels"], "clasLabs"))
        if lab.ndim != 2:
            raise ValueError(f"{self.files['labels']}: clasLabs has shape {lab.shape}, expected (H, W)")
        return block_mode(lab.astype(np.uint8), self.ratio)

    def test_mask(self, shape: tuple[int, int]) -> np.ndarray:
        """The boolean mask of the published test blocks on the HS grid."""
        if tuple(shape) != self.grid:
            raise ValueError(f"the published split is defined on the {self.grid[0]} x {self.grid[1]} HS grid of the "
                             f"crop; this file's grid is {shape[0]} x {shape[1]} (use split='all')")
        rr, cc = np.meshgrid(np.arange(shape[0]) // self.BLOCK, np.arange(shape[1]) // self.BLOCK, indexing="ij")
        return np.isin(rr * (shape[1] // self.BLOCK) + cc, self.TEST_BLOCKS)

    def _read_label_map(self, split: str) -> np.ndarray:
        full = self.full_label_map()
        if split == "all":
            return full
        test = self.test_mask(full.shape)
        return np.where(test if split == "test" else ~test, full, 0).astype(np.uint8)

