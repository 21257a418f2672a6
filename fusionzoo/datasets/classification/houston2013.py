"""Houston 2013 (2013 IEEE GRSS Data Fusion Contest): CASI hyperspectral + LiDAR DSM over the University of
Houston campus, 349 x 1905 pixels at 2.5 m, 15 land-cover classes, the standard fixed split (2832 training /
12197 test pixels).

Files (official names; any sub-folder of ``root``):

* ``2013_IEEE_GRSS_DF_Contest_CASI.tif``: 144 bands (364-1046 nm), uint16, (349, 1905); optional (the
  LiDAR-only use works without it).
* ``2013_IEEE_GRSS_DF_Contest_LiDAR.tif``: the DSM, float32 (349, 1905), metres.
* The split: the rasterised maps ``2013_IEEE_GRSS_DF_Contest_Samples_TR.tif`` / ``_VA.tif`` (uint8, 0 =
  unlabelled, 1..15; as distributed with S2FL, danfenghong/ISPRS_S2FL), else the ENVI ASCII ROI exports
  ``2013_IEEE_GRSS_DF_Contest_Samples_TR.txt`` (official) / ``_VA.txt`` (the contest ships the test ROIs only as
  the binary ``.roi`` inside ``_Samples_VA.zip``; a ``.txt`` export of it circulates, e.g. through
  rs-fusion-datasets).  The binary ENVI ``.roi`` files store polygons, whose ENVI fill rule is not documented:
  they are not read (a polygon fill reproduces 99.6 % of the training pixels, not all).

Class ids are those of the ROI files (the order of the ROIs, named ``grass_healthy`` ... ``running_track``);
class colours are the ROIs' own ``rgb value``.  Download: https://hyperspectral.ee.uh.edu/?page_id=459
(registration; the archive ``2013_DFTC.zip``).  Checksums: none is published by the organisers; the sha256 pins
below are those of rs-fusion-datasets (songyz2019/rs-fusion-datasets, Apache-2.0) for the official archive's
binary members, verified here on the LiDAR, ``_TR.roi`` and ``_VA.zip`` copies, plus the sha256 of the S2FL
split maps and of the ``_VA.roi`` member, computed here.  Text files (``.hdr``, ``.txt``) are not pinned: their
line endings change with how the archive is unpacked.

Terms: "only available for the scientific purposes of the 2013 IEEE GRSS Data Fusion Contest"; cite it as
"2013_IEEE_GRSS_DF_Contest" and acknowledge the University of Houston, NCALM and the GRSS Data Fusion Technical
Committee; the data may not be redistributed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ._common import ClassificationDataset, HSDatasetNotFoundError

__all__ = ["HOUSTON2013_ROI_NAMES", "EnviROI", "Houston2013", "read_envi_roi_txt", "read_split_map", "rois_to_map"]

#: the ROI names of the contest files, in class-id order (id = position + 1)
HOUSTON2013_ROI_NAMES = ("grass_healthy", "grass_stressed", "grass_synthetic", "tree", "soil", "water", "residential",
                         "commercial", "road", "highway", "railway", "parking_lot1", "parking_lot2", "tennis_court",
                         "running_track")

_PREFIX = "2013_IEEE_GRSS_DF_Contest"


@dataclass
class EnviROI:
    """One region of an ENVI ASCII ROI export: name, display colour (R, G, B), 0-based pixel rows / cols."""

    name: str
    rgb: tuple[int, int, int]
    rows: np.ndarray
    cols: np.ndarray


def read_envi_roi_txt(path: str | os.PathLike) -> tuple[list[EnviROI], tuple[int, int]]:
    """Parse an ENVI ASCII ROI export (``File > Output ROIs to ASCII``): the ROIs and the image size (H, W).

    The layout: ``; File Dimension: W x H``, then per ROI ``; ROI name: ...``, ``; ROI rgb value: {r, g, b}``,
    ``; ROI npts: n``, a column header (``;   ID     X    Y ...``) and n rows; X / Y are 1-based (column, line).
    The number of rows read must equal ``npts``.
    """
    path = Path(path)
    rois: list[EnviROI] = []
    size: tuple[int, int] | None = None
    cur: dict[str, Any] | None = None
    xi = yi = None

    def close() -> None:
        if cur is None:
            return
        n = len(cur["x"])
        if cur["npts"] is not None and n != cur["npts"]:
            raise ValueError(f"{path}: ROI {cur['name']!r} declares {cur['npts']} points, {n} were read")
        rois.append(EnviROI(cur["name"], cur["rgb"], np.asarray(cur["y"], dtype=np.int64) - 1,
                            np.asarray(cur["x"], dtype=np.int64) - 1))

    with open(path, encoding="latin-1") as f:
        for line in f:
            s = line.strip()
            if not s:
                continue
            if s.startswith(";"):
                body = s[1:].strip()
                m = re.match(r"File Dimension:\s*(\d+)\s*x\s*(\d+)", body, flags=re.IGNORECASE)
                if m:
                    size = (int(m.group(2)), int(m.group(1)))
                elif body.lower().startswith("roi name:"):
                    close()
                    cur = {"name": body.split(":", 1)[1].strip(), "rgb": (0, 0, 0), "npts": None, "x": [], "y": []}
                    xi = yi = None
                elif body.lower().startswith("roi rgb value:") and cur is not None:
                    vals = [int(v) for v in re.findall(r"\d+", body.split(":", 1)[1])]
                    cur["rgb"] = tuple(vals[:3]) if len(vals) >= 3 else (0, 0, 0)
                elif body.lower().startswith("roi npts:") and cur is not None:
                    cur["npts"] = int(body.split(":", 1)[1].split()[0])
                elif cur is not None and re.match(r"ID\b", body):
                    cols = body.split()
                    if "X" not in cols or "Y" not in cols:
                        raise ValueError(f"{path}: ROI {cur['name']!r} has no X / Y columns ({body!r})")
                    xi, yi = cols.index("X"), cols.index("Y")
                continue
            if cur is None or xi is None or yi is None:
                raise ValueError(f"{path}: data line before a ROI header ({s[:40]!r}); not an ENVI ASCII ROI export")
            parts = s.split()
            cur["x"].append(int(float(parts[xi])))
            cur["y"].append(int(float(parts[yi])))
    close()
    if size is None:
        raise ValueError(f"{path}: no '; File Dimension: W x H' line; not an ENVI ASCII ROI export")
    if not rois:
        raise ValueError(f"{path}: no ROI found")
    return rois, size


def rois_to_map(rois: Sequence[EnviROI], size: tuple[int, int], names: Sequence[str] | None = None) -> np.ndarray:
    """A uint8 map (H, W) of the ROIs: id = position of the ROI's name in ``names`` + 1 (default: the ROIs'
    order in the file), 0 elsewhere.  A pixel claimed by two ROIs is an error."""
    m = np.zeros(size, dtype=np.uint8)
    for k, roi in enumerate(rois):
        if names is None:
            cid = k + 1
        else:
            low = [n.lower() for n in names]
            if roi.name.lower() not in low:
                raise ValueError(f"unknown ROI name {roi.name!r}; expected one of {tuple(names)}")
            cid = low.index(roi.name.lower()) + 1
        if roi.rows.size and (roi.rows.min() < 0 or roi.rows.max() >= size[0] or roi.cols.min() < 0
                              or roi.cols.max() >= size[1]):
            raise ValueError(f"ROI {roi.name!r} has pixels outside the {size[0]} x {size[1]} image")
        taken = m[roi.rows, roi.cols]
        if np.any(taken):
            raise ValueError(f"ROI {roi.name!r} overlaps another ROI at {int(np.count_nonzero(taken))} pixels")
        m[roi.rows, roi.cols] = cid
    return m


def read_split_map(path: str | os.PathLike) -> np.ndarray:
    """A Houston 2013 split map (H, W) uint8 of class ids from a rasterised ``.tif`` or an ROI ``.txt`` export."""
    p = Path(path)
    if p.suffix.lower() == ".txt":
        rois, size = read_envi_roi_txt(p)
        return rois_to_map(rois, size, HOUSTON2013_ROI_NAMES)
    from ...io import read_geotiff

    a, _ = read_geotiff(p, "Houston 2013 split map")
    if a.shape[0] != 1:
        raise ValueError(f"{p}: {a.shape[0]} bands, a split map has one")
    return a[0]


class Houston2013(ClassificationDataset):
    """Houston 2013 (DFC2013) HS + LiDAR classification with the standard split.

    Args:
        root, split (``"train"`` = the TR ROIs, ``"test"`` = the VA ROIs), modalities (``"hs"``, ``"lidar"``;
        default: those present), mode, patch_size, normalize (default ``"band"``), transforms, checksum: see
        :class:`~fusionzoo.datasets.classification.ClassificationDataset`.
        labels: ``"auto"`` (the split maps ``_Samples_TR.tif`` / ``_VA.tif`` where present, else the ROI
            ``.txt`` exports), ``"tif"`` or ``"txt"``.

    Samples: ``hs`` (144 bands), ``lidar`` (1 band, the DSM), ``label`` 0..14, ``row``, ``col``, ``norm``.
    """

    classes = ("Healthy grass", "Stressed grass", "Synthetic grass", "Trees", "Soil", "Water", "Residential",
               "Commercial", "Road", "Highway", "Railway", "Parking Lot 1", "Parking Lot 2", "Tennis Court",
               "Running Track")
    #: the ROIs' own display colours (``; ROI rgb value`` of the official TR file)
    colors = ("#00cd00", "#7fff00", "#2e8b57", "#008b00", "#a0522d", "#00ffff", "#ffffff", "#d8bfd8", "#ff0000",
              "#8b0000", "#000000", "#ffff00", "#ee9a00", "#551a8b", "#ff7f50")
    all_modalities = ("hs", "lidar")
    splits = ("train", "test")
    url = "https://hyperspectral.ee.uh.edu/?page_id=459"
    num_bands: ClassVar[dict] = {"hs": 144, "lidar": 1}
    sha256: ClassVar[dict] = {
        f"{_PREFIX}_LiDAR.tif": "9f4facce8876ee84642d9cb03536baf0389506de97ddc01b73366fe4521de981",
        f"{_PREFIX}_CASI.tif": "1440f38594e8e82cc1944c084fc138ef55a70af54122828e999c4fb438574c14",
        f"{_PREFIX}_Samples_TR.roi": "feedf41f7064d8f80cf2d9bda72fcbcc98b64658d01e519ad0b90b1ca88f1375",
        f"{_PREFIX}_Samples_VA.roi": "b34cfe240deae8fda422703ac913c3beba356a19f47629e2a0837cf94e697cf4",
        f"{_PREFIX}_Samples_VA.zip": "aac7015c7a986063002a86eb7f7cc57ed6f14f5eaf3e9ca29c0cb1e63fd7e0d5",
        f"{_PREFIX}_Samples_TR.tif": "c943016242f98a4c1e70fb35842562e654425de5364c58ceb5e1186029c193f7",
        f"{_PREFIX}_Samples_VA.tif": "9fd0093af69a8f91cc0f3ef7c67dd7f961445223c0a2497bdbed03e7f329a010",
    }
    filenames: ClassVar[dict] = {"hs": f"{_PREFIX}_CASI.tif", "lidar": f"{_PREFIX}_LiDAR.tif"}
    _split_stem: ClassVar[dict] = {"train": f"{_PREFIX}_Samples_TR", "test": f"{_PREFIX}_Samples_VA"}

    def __init__(self, root: str | os.PathLike = "data", split: str = "train", modalities: Sequence[str] | None = None,
                 mode: str = "pixel", patch_size: int = 7, normalize: str | None | Mapping[str, str | None] = "band",
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, checksum: bool = False,
                 labels: str = "auto") -> None:
        if labels not in ("auto", "tif", "txt"):
            raise ValueError(f"labels must be 'auto', 'tif' or 'txt', got {labels!r}")
        self.labels = labels
        super().__init__(root, split, modalities, mode, patch_size, normalize, transforms, checksum)

    def _where(self) -> str:
        return (f"Download the 2013 IEEE GRSS Data Fusion Contest data (2013_DFTC.zip) from {self.url} "
                f"(registration; no checksum is published by the organisers) and put "
                f"{_PREFIX}_CASI.tif, {_PREFIX}_LiDAR.tif and the split ({_PREFIX}_Samples_TR.tif / _VA.tif from "
                f"https://github.com/danfenghong/ISPRS_S2FL, or the ROI exports {_PREFIX}_Samples_TR.txt / "
                f"_VA.txt) under {self.root}")

    def _locate(self) -> None:
        for m, name in self.filenames.items():
            p = self._find([name])
            if p is not None:
                self.files[m] = p
        for split, stem in self._split_stem.items():
            tif = self._find([stem + ".tif"]) if self.labels in ("auto", "tif") else None
            txt = self._find([stem + ".txt"]) if self.labels in ("auto", "txt") and tif is None else None
            if tif is not None or txt is not None:
                self.files[f"labels_{split}"] = tif if tif is not None else txt  # type: ignore[assignment]
        if f"labels_{self.split}" not in self.files:
            want = {"auto": ".tif or .txt", "tif": ".tif", "txt": ".txt"}[self.labels]
            raise HSDatasetNotFoundError(f"Houston 2013 {self.split} split not found under {self.root} (looked for "
                                         f"{self._split_stem[self.split]}{want}). {self._where()}")

    def _read_raster(self, name: str) -> np.ndarray:
        from ...io import read_geotiff

        a, _ = read_geotiff(self.files[name], f"Houston 2013 {name}")
        if a.shape[0] != self.num_bands[name]:
            raise ValueError(f"{self.files[name]}: {a.shape[0]} bands, the Houston 2013 {name} raster has "
                             f"{self.num_bands[name]} (349 x 1905 pixels)")
        return a

    def _read_label_map(self, split: str) -> np.ndarray:
        p = self.files.get(f"labels_{split}")
        if p is None:
            raise HSDatasetNotFoundError(f"Houston 2013 {split} split not found under {self.root}. {self._where()}")
        return read_split_map(p)
