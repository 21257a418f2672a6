"""The Chikusei airborne hyperspectral scene (Yokoya and Iwasaki, "Airborne hyperspectral data over Chikusei",
Space Application Laboratory, University of Tokyo, Tech. Rep. SAL-2016-05-27, 2016).

Headwall Hyperspec-VNIR-C over Chikusei, Ibaraki, Japan, 29 July 2014: 2517 x 2335 pixels, 2.5 m, 128 bands
from 363 to 1018 nm.  Download page https://naotoyokoya.com/Download.html (MATLAB version
:attr:`Chikusei.url`; ENVI version and ground truth beside it); licence CC BY 3.0 with the acknowledgement the
authors ask for.  No checksum is published.

The MATLAB file ``HyperspecVNIR_Chikusei_20140729.mat`` is a v7.3 (HDF5) file with the variable ``chikusei``
(2517 x 2335 x 128 in MATLAB, so (128, 2335, 2517) as h5py sees it: HDF5 stores MATLAB arrays transposed); it
is read with h5py and transposed back, and ``window`` reads a part of it without loading the whole cube
(about 1.5 GB as uint16).  :attr:`wavelengths` are nominal (evenly spaced over 363-1018 nm; the ENVI header
of the ENVI version has the exact centres).  ``scale="max"`` (the default) divides by the maximum of what was
read; pass ``scale=10000`` for the convention of the Yokoya HS-MS fusion toolbox demo.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ._common import Degrade, HSCubeDataset, find_file, hwc_to_chw, read_mat_variable

__all__ = ["Chikusei"]


class Chikusei(HSCubeDataset):
    """Chikusei (128 bands, 363-1018 nm), one sample.

    Args:
        root: folder holding ``HyperspecVNIR_Chikusei_20140729.mat`` (any sub-folder, e.g. the unpacked
            ``Hyperspec_Chikusei_MATLAB/``).
        window: ``(top, left, height, width)`` of the part to read (default: the whole scene).
        scale: ``"max"`` (default), a number (e.g. 10000), ``"band_max"`` or ``None``.
        degrade, transforms, seed: as :class:`~fusionzoo.datasets.hs_ms_fusion.CAVE`.
        download: fetch and unpack :attr:`url` when the file is missing.
    """

    filename = "HyperspecVNIR_Chikusei_20140729.mat"
    key = "chikusei"
    page = "https://naotoyokoya.com/Download.html"
    url = "http://park.itc.u-tokyo.ac.jp/sal/hyperdata/Hyperspec_Chikusei_MATLAB.zip"
    #: No checksum is published.
    md5: str | None = None
    num_bands = 128
    wavelengths = np.linspace(363.0, 1018.0, 128)
    wavelengths_nominal = True
    size = (2517, 2335)

    def __init__(self, root: str | os.PathLike = "data", window: tuple[int, int, int, int] | None = None,
                 scale: float | str | None = "max", degrade: Degrade | str | None = None,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, download: bool = False,
                 seed: int = 0) -> None:
        super().__init__(scale, degrade, transforms, seed)
        self.root = Path(root).expanduser()
        if window is not None:
            if len(window) != 4 or min(window[2:]) < 1 or min(window[:2]) < 0:
                raise ValueError(f"window must be (top, left, height, width) with positive sizes, got {window}")
        self.window = tuple(int(v) for v in window) if window is not None else None
        path = find_file(self.root, [self.filename])
        if path is None and download:
            from torchgeo.datasets.utils import download_and_extract_archive

            self.root.mkdir(parents=True, exist_ok=True)
            download_and_extract_archive(self.url, str(self.root), md5=self.md5)
            path = find_file(self.root, [self.filename])
        self._use_file(path, f"Chikusei file {self.filename} not found under {self.root}. Download the MATLAB "
                       f"version ({self.url}, linked from {self.page}; no checksum is published), unzip it and "
                       f"put {self.filename} under {self.root} (any sub-folder), or pass download=True")

    def _read_raw(self, index: int) -> tuple[np.ndarray, dict[str, Any]]:
        a = read_mat_variable(self.path, self.key, window=self.window)
        if a.ndim != 3 or 0 in a.shape:
            raise ValueError(f"{self.path}: variable {self.key!r} has shape {a.shape}; expected (rows, columns, "
                             f"128) (an empty window?)")
        meta: dict[str, Any] = {"name": "chikusei", "path": str(self.path), "wavelengths_nominal": True}
        if self.window is not None:
            meta["window"] = list(self.window)
        return hwc_to_chw(a), meta
