"""The 2018 IEEE GRSS Data Fusion Contest (Houston) hyperspectral data, and a co-registered HS + RGB crop of it.

* :class:`Houston2018`: the contest's hyperspectral image (ITRES CASI 1500, 16 February 2017, University of
  Houston campus): 48 bands from 380 to 1050 nm, 1 m, NAD83 / UTM 15N.  The contest distributes it as ENVI
  files: the training area ``2018_IEEE_GRSS_DFC_HSI_TR`` + ``2018_IEEE_GRSS_DFC_HSI_TR.HDR`` (601 x 2384
  pixels; the stored file has 50 bands, of which common loaders such as DeepHyperX keep the first 48) and the
  full flight ``FullHSIDataset/20170218_UH_CASI_S4_NAD83.pix`` + ``.hdr``.  A GeoTIFF export works as well
  (``path=``).  Download: http://hyperspectral.ee.uh.edu/?page_id=1075 (registration; now also on IEEE
  DataPort, "2018 IEEE GRSS Data Fusion Challenge - Fusion of Multispectral LiDAR and Hyperspectral Data").
  No checksum is published.  Wavelengths come from the ENVI header where it has them, else nominal (evenly
  spaced over 380-1050 nm).
* :class:`Houston2018Crop`: ``houston_dataset.mat`` of Ramirez et al. (IGARSS 2021 feature fusion,
  https://github.com/JuanMarcosRamirez/featurefusion_igarss2021): ``hyprImg`` 128 x 128 x 48 uint16 HS,
  ``rgbImg`` 512 x 512 x 3 uint8 very-high-resolution RGB on the same area (ratio 4) and ``clasLabs`` 512 x 512
  classes 0..12 (0 unlabelled): a real HS + RGB pair.

Terms: GRSS DFC data are for research; acknowledge the National Center for Airborne Laser Mapping and the
Hyperspectral Image Analysis Laboratory of the University of Houston and the IEEE GRSS IADF committee.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from ._common import (Degrade, HSCubeDataset, HSDatasetNotFoundError, apply_scale, envi_wavelengths, find_file,
                      hwc_to_chw, read_envi, read_envi_header, read_mat_variable)
from ._pairs import RealPairDataset, Reduce

__all__ = ["Houston2018", "Houston2018Crop"]

_PAGE = "http://hyperspectral.ee.uh.edu/?page_id=1075"
_NOMINAL = np.linspace(380.0, 1050.0, 48)


class Houston2018(HSCubeDataset):
    """The DFC2018 hyperspectral image (48 bands, 380-1050 nm), one sample.

    Args:
        root: folder holding the contest files (searched by name in any sub-folder: the training HSI
            ``2018_IEEE_GRSS_DFC_HSI_TR.HDR`` first, then the full flight ``20170218_UH_CASI_S4_NAD83.hdr``).
        path: an explicit ENVI header (``.hdr``) or GeoTIFF instead.
        window: ``(top, left, height, width)`` to read a part (ENVI files are memory-mapped).
        scale: ``"max"`` (default), a number, ``"band_max"`` or ``None``.
        degrade, transforms, seed: as :class:`~fusionzoo.datasets.hs_ms_fusion.CAVE`.
    """

    filenames = ("2018_IEEE_GRSS_DFC_HSI_TR.HDR", "20170218_UH_CASI_S4_NAD83.hdr")
    url = _PAGE
    #: No checksum is published.
    md5: str | None = None
    num_bands = 48
    wavelengths = _NOMINAL

    def __init__(self, root: str | os.PathLike = "data", path: str | os.PathLike | None = None,
                 window: tuple[int, int, int, int] | None = None, scale: float | str | None = "max",
                 degrade: Degrade | str | None = None,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, seed: int = 0) -> None:
        super().__init__(scale, degrade, transforms, seed)
        self.root = Path(root).expanduser()
        self.window = tuple(int(v) for v in window) if window is not None else None
        if path is not None:
            p: Path | None = Path(path).expanduser()
            if not p.is_absolute() and not p.is_file():
                p = self.root / p
            if not p.is_file():
                raise HSDatasetNotFoundError(f"Houston 2018 file {path} not found. {self._where()}")
        else:
            p = find_file(self.root, self.filenames)
            if p is None:
                raise HSDatasetNotFoundError(f"Houston 2018 hyperspectral image not found under {self.root} (looked "
                                             f"for {' or '.join(self.filenames)}). {self._where()}")
        self.path = p
        self.items = [p]

    def _where(self) -> str:
        return (f"Download the 2018 IEEE GRSS Data Fusion Contest data from {_PAGE} (or IEEE DataPort; no checksum "
                f"is published) and put the HSI files (header and data file side by side, e.g. "
                f"{self.root}/2018_IEEE_GRSS_DFC_HSI_TR and {self.root}/2018_IEEE_GRSS_DFC_HSI_TR.HDR) under "
                f"{self.root}, or pass path= to a .hdr or GeoTIFF")

    def _read_raw(self, index: int) -> tuple[np.ndarray, dict[str, Any]]:
        p = self.path
        meta: dict[str, Any] = {"name": p.stem, "path": str(p)}
        if p.suffix.lower() in (".tif", ".tiff"):
            from ...io import read_geotiff

            a, gm = read_geotiff(p, "Houston 2018 HSI")
            if self.window is not None:
                t, l, h, w = self.window
                a = a[:, t:t + h, l:l + w]
            wl = None
        else:
            hdr = read_envi_header(p)
            n = int(hdr["bands"])
            if n < self.num_bands:
                raise ValueError(f"{p}: {n} bands; the DFC2018 HSI has {self.num_bands}")
            a, hdr = read_envi(p, window=self.window, bands=slice(0, self.num_bands))
            wl = envi_wavelengths(hdr)
            wl = wl[: self.num_bands] if wl is not None and len(wl) >= self.num_bands else None
            if n != self.num_bands:
                meta["bands_dropped"] = n - self.num_bands
        if a.shape[0] != self.num_bands:
            raise ValueError(f"{p}: {a.shape[0]} bands; the DFC2018 HSI has {self.num_bands}")
        if wl is not None:
            meta["wavelengths"] = wl
        else:
            meta["wavelengths_nominal"] = True
        return a, meta


class Houston2018Crop(RealPairDataset):
    """The co-registered DFC2018 crop ``houston_dataset.mat``: a real HS (48 bands) + RGB pair, ratio 4.

    Args:
        root: folder holding ``houston_dataset.mat`` (any sub-folder), or the file itself.
        scale: divisor of the uint16 HS: ``"max"`` (default), a number or ``None``; the RGB is divided by 255.
        reduce: Wald's protocol on the real pair: a callable (C, H, W) -> (C, H/r, W/r) or an integer ratio
            (block average); then ``hs = reduce(HS)``, ``ms = reduce(RGB)`` (``reduce_ms``), ``gt = HS``.
        reduce_ms: also reduce the RGB (default ``True``: the benchmark degrades both alike).
        degrade: simulate the MS from the HS instead (see :class:`RealPairDataset`).
        labels: also return ``clasLabs`` as ``label`` (512, 512) int64 (on the original RGB grid, also when
            ``reduce`` is given).
        transforms, seed: as :class:`~fusionzoo.datasets.hs_ms_fusion.CAVE`.

    Samples: ``hs`` (48, 128, 128), ``ms`` (3, 512, 512) (R, G, B), ``ratio`` 4, ``wavelengths`` (nominal),
    ``scale``, ``ms_scale`` 255, ``name`` (plus ``gt`` with ``reduce``).
    """

    filename = "houston_dataset.mat"
    source = "https://github.com/JuanMarcosRamirez/featurefusion_igarss2021"
    #: sha256 of the file in the source repository at commit 6ebbfc4 (not published by the authors: computed).
    sha256 = "944585424ac0b9aa55f879d46dd8dad06b9df9cb02fd06c7a13042ab1d5a50c5"
    num_bands = 48
    wavelengths = _NOMINAL

    def __init__(self, root: str | os.PathLike = "data", scale: float | str | None = "max",
                 reduce: Reduce | int | None = None, reduce_ms: bool = True, degrade: Degrade | str | None = None,
                 labels: bool = False, transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                 seed: int = 0) -> None:
        super().__init__(reduce, reduce_ms, degrade, transforms, seed)
        r = Path(root).expanduser()
        p = r if r.is_file() else find_file(r, [self.filename])
        if p is None:
            raise HSDatasetNotFoundError(
                f"{self.filename} not found under {r}. Download it from {self.source} (file houston_dataset.mat; "
                f"GRSS DFC 2018 terms) and put it at {r / self.filename} (any sub-folder works)")
        self.path, self.scale, self.labels = p, scale, labels
        self.items = [p]

    def _read_pair(self, index: int):
        p = self.path
        hs_raw = hwc_to_chw(read_mat_variable(p, "hyprImg"))
        rgb = hwc_to_chw(read_mat_variable(p, "rgbImg"))
        if hs_raw.shape[0] != self.num_bands:
            raise ValueError(f"{p}: hyprImg has {hs_raw.shape[0]} bands, the DFC2018 HSI has {self.num_bands}")
        if rgb.shape[0] != 3:
            raise ValueError(f"{p}: rgbImg has {rgb.shape[0]} bands, expected 3 (R, G, B)")
        hs, div = apply_scale(hs_raw, self.scale, str(p))
        ms_div = 255.0 if rgb.dtype == np.uint8 else float(np.iinfo(rgb.dtype).max) if rgb.dtype.kind in "iu" else 1.0
        ms = (rgb.astype(np.float32) / ms_div).astype(np.float32)
        meta: dict[str, Any] = {"name": "houston2018_crop", "scale": div, "ms_scale": ms_div,
                                "wavelengths": self.wavelengths, "wavelengths_nominal": True}
        if self.labels:
            lab = np.asarray(read_mat_variable(p, "clasLabs"))
            meta["label"] = torch.from_numpy(lab.astype(np.int64))
        return torch.from_numpy(hs), torch.from_numpy(ms), meta

    def plot(self, sample, show_titles: bool = True, suptitle: str | None = None, rgb: Sequence[int] | None = None,
             ms_rgb: Sequence[int] | None = None):
        """RGB quicklook (the MS is R, G, B); returns the figure."""
        return super().plot(sample, show_titles, suptitle, rgb, ms_rgb if ms_rgb is not None else [0, 1, 2])
