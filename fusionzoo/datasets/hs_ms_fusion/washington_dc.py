"""The Washington DC Mall scene (HYDICE, 1995; distributed with Purdue's MultiSpec by D. Landgrebe and
L. Biehl).

A HYDICE flight line over the National Mall: 1208 x 307 pixels, 191 bands between 0.4 and 2.4 um (the 210
HYDICE channels without the water-absorption ones), about 3 m.  Download page
https://engineering.purdue.edu/~biehl/MultiSpec/hyperspectral.html (:attr:`WashingtonDCMall.url`): the file
``dc.tif``, a 191-band TIFF of 16-bit integers.  No checksum is published, and the TIFF carries no band
wavelengths: pass ``wavelengths=`` (nm) to have them in the samples (the MultiSpec page lists them).

The TIFF is read with tifffile where installed (multi-page and band-interleaved layouts alike), else rasterio.
Values are digital numbers; ``scale="max"`` (the default) divides by the scene maximum.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ._common import Degrade, HSCubeDataset, find_file

__all__ = ["WashingtonDCMall", "read_multiband_tiff"]


def read_multiband_tiff(path: str | os.PathLike, num_bands: int | None = None) -> np.ndarray:
    """A multi-band TIFF as (C, H, W): band-sequential, pixel-interleaved or one page per band.

    ``num_bands`` (when known) picks the band axis of an ambiguous 3-D array."""
    p = Path(path)
    try:
        import tifffile
    except ImportError:  # pragma: no cover - tifffile ships with the test environment
        tifffile = None
    if tifffile is not None:
        a = np.asarray(tifffile.imread(p))
    else:  # pragma: no cover
        from ...io import read_geotiff

        return read_geotiff(p, "image")[0]
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"{p}: expected a 3-D image, got shape {a.shape}")
    if num_bands is not None and a.shape[0] != num_bands and a.shape[2] == num_bands:
        a = a.transpose(2, 0, 1)
    elif num_bands is None and a.shape[2] < a.shape[0] and a.shape[2] < a.shape[1]:
        a = a.transpose(2, 0, 1)
    return np.ascontiguousarray(a)


class WashingtonDCMall(HSCubeDataset):
    """Washington DC Mall (``dc.tif``, 191 bands), one sample.

    Args:
        root: folder holding ``dc.tif`` (any sub-folder).
        wavelengths: the 191 band centres in nm, if you have them (the file has none).
        scale: ``"max"`` (default), a number, ``"band_max"`` or ``None``.
        degrade, transforms, seed: as :class:`~fusionzoo.datasets.hs_ms_fusion.CAVE`.
    """

    filename = "dc.tif"
    url = "https://engineering.purdue.edu/~biehl/MultiSpec/hyperspectral.html"
    #: No checksum is published.
    md5: str | None = None
    num_bands = 191
    wavelengths = None

    def __init__(self, root: str | os.PathLike = "data", wavelengths: Sequence[float] | None = None,
                 scale: float | str | None = "max", degrade: Degrade | str | None = None,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, seed: int = 0) -> None:
        super().__init__(scale, degrade, transforms, seed)
        self.root = Path(root).expanduser()
        if wavelengths is not None:
            if len(wavelengths) != self.num_bands:
                raise ValueError(f"wavelengths has {len(wavelengths)} values; dc.tif has {self.num_bands} bands")
            self.wavelengths = np.asarray(wavelengths, dtype=np.float64)
        path = find_file(self.root, [self.filename])
        self._use_file(path, f"Washington DC Mall file {self.filename} not found under {self.root}. Download dc.tif "
                       f"from the MultiSpec hyperspectral data page {self.url} (no checksum is published) and put "
                       f"it at {self.root / self.filename} (any sub-folder works)")

    def _read_raw(self, index: int) -> tuple[np.ndarray, dict[str, Any]]:
        return read_multiband_tiff(self.path, self.num_bands), {"name": "washington_dc_mall", "path": str(self.path)}
