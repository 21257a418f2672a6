"""Pavia University and Pavia Centre (ROSIS-03 airborne scenes over Pavia, Italy; Prof. Paolo Gamba, University
of Pavia), as distributed by the Computational Intelligence Group of the University of the Basque Country
(EHU GIC): http://www.ehu.eus/ccwintco/index.php/Hyperspectral_Remote_Sensing_Scenes

* Pavia University: ``PaviaU.mat``, variable ``paviaU``, 610 x 340 pixels, 103 bands (ground truth
  ``PaviaU_gt.mat`` / ``paviaU_gt``, 9 classes).
* Pavia Centre: ``Pavia.mat``, variable ``pavia``, 1096 x 715 pixels, 102 bands (ground truth ``Pavia_gt.mat``
  / ``pavia_gt``, 9 classes).

1.3 m ground sampling distance; ROSIS covers 430-860 nm with 115 bands, of which the noisy ones were removed
before distribution.  The files carry no wavelengths; :attr:`wavelengths` are nominal, evenly spaced over
430-860 nm (the convention of e.g. HySure's Pavia demo), and say so in ``sample["wavelengths_nominal"]``.  The
values are digital numbers (reflectance-like, up to about 8000); ``scale="max"`` (the default, as HySure's
demo) divides by the scene's maximum.  The GIC publishes no checksum.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ._common import Degrade, HSCubeDataset, HSDatasetNotFoundError, find_file, hwc_to_chw, read_mat_variable

__all__ = ["PaviaUniversity", "PaviaCentre"]

_GIC = "https://www.ehu.eus/ccwintco/uploads/"


class _Pavia(HSCubeDataset):
    filename: str = ""
    key: str = ""
    gt_filename: str = ""
    gt_key: str = ""
    url: str = ""
    gt_url: str = ""
    title: str = ""
    #: The GIC publishes no checksum.
    md5: str | None = None
    wavelengths_nominal = True

    def __init__(self, root: str | os.PathLike = "data", scale: float | str | None = "max",
                 degrade: Degrade | str | None = None, labels: bool = False,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, download: bool = False,
                 seed: int = 0) -> None:
        super().__init__(scale, degrade, transforms, seed)
        self.root = Path(root).expanduser()
        self.labels = labels
        path = find_file(self.root, [self.filename])
        if path is None and download:
            self._download(self.url, self.filename)
            path = find_file(self.root, [self.filename])
        self._use_file(path, self._message(self.filename, self.url))
        self.gt_path: Path | None = None
        if labels:
            self.gt_path = find_file(self.root, [self.gt_filename])
            if self.gt_path is None and download:
                self._download(self.gt_url, self.gt_filename)
                self.gt_path = find_file(self.root, [self.gt_filename])
            if self.gt_path is None:
                raise HSDatasetNotFoundError(self._message(self.gt_filename, self.gt_url) + " (labels=True)")

    def _message(self, name: str, url: str) -> str:
        return (f"{self.title} file {name} not found under {self.root}. Download it from {url} (EHU GIC, "
                f"http://www.ehu.eus/ccwintco/index.php/Hyperspectral_Remote_Sensing_Scenes; no checksum is "
                f"published) and put it at {self.root / name} (any sub-folder works), or pass download=True")

    def _download(self, url: str, name: str) -> None:
        from torchgeo.datasets.utils import download_url

        self.root.mkdir(parents=True, exist_ok=True)
        download_url(url, str(self.root), filename=name, md5=self.md5)

    def _read_raw(self, index: int) -> tuple[np.ndarray, dict[str, Any]]:
        raw = hwc_to_chw(read_mat_variable(self.path, self.key))
        meta: dict[str, Any] = {"name": self.path.stem, "path": str(self.path), "wavelengths_nominal": True}
        if self.gt_path is not None:
            lab = np.asarray(read_mat_variable(self.gt_path, self.gt_key))
            if lab.shape != raw.shape[1:]:
                raise ValueError(f"{self.gt_path}: labels {lab.shape} do not match the image {raw.shape[1:]}")
            meta["label"] = torch.from_numpy(lab.astype(np.int64))
        return raw, meta


class PaviaUniversity(_Pavia):
    """Pavia University (``PaviaU.mat`` / ``paviaU``, 610 x 340 x 103), one sample.

    Args:
        root: folder holding ``PaviaU.mat`` (any sub-folder).
        scale: ``"max"`` (default), a number, ``"band_max"`` or ``None``.
        degrade, transforms, seed: as :class:`~fusionzoo.datasets.hs_ms_fusion.CAVE`.
        labels: also return the ground-truth classes ``PaviaU_gt.mat`` as ``label`` (H, W) int64.
        download: fetch the file(s) from the GIC when missing.
    """

    filename, key = "PaviaU.mat", "paviaU"
    gt_filename, gt_key = "PaviaU_gt.mat", "paviaU_gt"
    url = _GIC + "e/ee/PaviaU.mat"
    gt_url = _GIC + "5/50/PaviaU_gt.mat"
    title = "Pavia University"
    num_bands = 103
    wavelengths = np.linspace(430.0, 860.0, 103)


class PaviaCentre(_Pavia):
    """Pavia Centre (``Pavia.mat`` / ``pavia``, 1096 x 715 x 102), one sample; arguments as
    :class:`PaviaUniversity`."""

    filename, key = "Pavia.mat", "pavia"
    gt_filename, gt_key = "Pavia_gt.mat", "pavia_gt"
    url = _GIC + "e/e3/Pavia.mat"
    gt_url = _GIC + "5/53/Pavia_gt.mat"
    title = "Pavia Centre"
    num_bands = 102
    wavelengths = np.linspace(430.0, 860.0, 102)
