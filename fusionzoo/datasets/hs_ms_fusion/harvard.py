"""The Harvard real-world hyperspectral images (Chakrabarti and Zickler, "Statistics of Real-World Hyperspectral
Images", CVPR 2011).

Indoor and outdoor scenes taken with a tunable-filter camera, 1392 x 1040 pixels, 31 bands from 420 to 720 nm in
steps of 10 nm.  Project page: http://vision.seas.harvard.edu/hyperspec/ (download page
:attr:`Harvard.url`): two tar archives, ``CZ_hsdb.tar`` (50 scenes under daylight) and ``CZ_hsdbi.tar``
(scenes under artificial and mixed illumination).  No checksum is published.

Each scene is one MATLAB file ``img*.mat`` holding ``ref`` (H, W, 31), the calibrated image (not normalised: the
values are relative radiance on an arbitrary scale), and ``lbl`` (H, W), a binary mask of the file's labelled
regions (the authors mark the regions affected by scene motion during the capture), returned as ``mask``.
Fusion papers normalise ``ref``, most by the image maximum: ``scale="max"`` (the default) does so; pass a
number to divide by a fixed value instead.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from ._common import Degrade, HSCubeDataset, HSDatasetNotFoundError, hwc_to_chw, read_mat_variable

__all__ = ["Harvard"]


class Harvard(HSCubeDataset):
    """The Harvard database (31 bands, 420-720 nm), one sample per ``.mat`` file.

    Args:
        root: folder holding the ``.mat`` files (any sub-folder, e.g. the unpacked ``CZ_hsdb/`` and
            ``CZ_hsdbi/``).
        scenes: file stems to use (e.g. ``["imga1", "imgb2"]``; default: every file matching ``pattern``).
        pattern: file name pattern (``img*.mat``).
        scale: ``"max"`` (each image's maximum, the default), a number, ``"band_max"`` or ``None`` (as stored).
        degrade, transforms, seed: as :class:`~fusionzoo.datasets.hs_ms_fusion.CAVE`.
        mask: also return ``lbl`` as ``mask`` (H, W) uint8.

    Samples: ``gt`` (31, H, W) float32 (or ``hs``, ``ms``, ``gt`` from ``degrade``), ``wavelengths`` (31,) nm,
    ``scale``, ``name`` and ``mask``.
    """

    url = "http://vision.seas.harvard.edu/hyperspec/download.html"
    archives = ("CZ_hsdb.tar", "CZ_hsdbi.tar")
    #: No checksum is published.
    md5: str | None = None
    num_bands = 31
    wavelengths = np.arange(420.0, 721.0, 10.0)

    def __init__(self, root: str | os.PathLike = "data", scenes: Sequence[str] | None = None,
                 pattern: str = "img*.mat", scale: float | str | None = "max",
                 degrade: Degrade | str | None = None, mask: bool = True,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, seed: int = 0) -> None:
        super().__init__(scale, degrade, transforms, seed)
        self.root = Path(root).expanduser()
        self.mask = mask
        files = sorted((p for p in self.root.rglob("*") if p.is_file() and fnmatch.fnmatch(p.name.lower(),
                                                                                            pattern.lower())),
                       key=lambda p: p.name) if self.root.is_dir() else []
        if scenes is not None:
            by_stem = {p.stem: p for p in files}
            missing = [s for s in scenes if s.removesuffix(".mat") not in by_stem]
            if missing:
                raise HSDatasetNotFoundError(self._message(f"Harvard scene(s) {', '.join(missing)}"))
            files = [by_stem[s.removesuffix(".mat")] for s in scenes]
        if not files:
            raise HSDatasetNotFoundError(self._message(f"no Harvard file matching {pattern!r}"))
        self.items = files

    def _message(self, what: str) -> str:
        return (f"{what} found under {self.root}. Download {' and '.join(self.archives)} from {self.url} (no "
                f"checksum is published), unpack them and put the img*.mat files under {self.root} (any "
                f"sub-folder, e.g. {self.root}/CZ_hsdb/imga1.mat)")

    def _read_raw(self, index: int) -> tuple[np.ndarray, dict[str, Any]]:
        p = self.items[index]
        raw = hwc_to_chw(read_mat_variable(p, "ref"))
        meta: dict[str, Any] = {"name": p.stem, "path": str(p)}
        if self.mask:
            try:
                lbl = np.asarray(read_mat_variable(p, "lbl"))
            except KeyError:
                lbl = None
            if lbl is not None:
                if lbl.shape != raw.shape[1:]:
                    raise ValueError(f"{p}: lbl {lbl.shape} does not match ref {raw.shape[1:]}")
                meta["mask"] = torch.from_numpy(np.ascontiguousarray(lbl.astype(np.uint8)))
        return raw, meta
