"""The Paris demo data of HySure (Simoes, Bioucas-Dias, Almeida and Chanussot, "A Convex Formulation for
Hyperspectral Image Superresolution via Subspace-Based Regularization", IEEE TGRS 53(6), 2015;
https://github.com/alfaiate/HySure, folder ``data/``).

A real two-sensor pair from the EO-1 satellite over Paris: Hyperion (hyperspectral, 30 m) and ALI (multispectral,
30 m, and panchromatic, 10 m).

* ``paris_data_hs_ms.mat``: ``HSim`` 72 x 72 x 128 (the Hyperion bands listed in ``non_del_bands``, 1-based),
  ``MSim`` 72 x 72 x 9 (ALI MS-1p, 1, 2, 3, 4, 4p, 5p, 5, 7), both on the same 30 m grid.  HySure's demo
  normalises each band by its 0.999 quantile, blurs the HS with the Starck-Murtagh kernel and decimates it by 3
  (``reduce=`` here, with a callable from :mod:`fusionzoo.degradation`), and keeps the original HS as the
  reference.
* ``paris_data_hs_pan.mat``: ``HSim`` 72 x 58 x 128 and ``PCim`` 216 x 174 (ALI panchromatic, ratio 3),
  returned as a one-band ``ms``.

Wavelengths: Hyperion band centres from the sensor's nominal linear calibration (VNIR bands 1-70:
355.59 + 10.1743 (k - 1) nm; SWIR bands 71-242: 851.92 + 10.0904 (k - 71) nm; within about 0.5 nm of the
published table); ALI bands: the centres of their published pass bands.  The files carry no checksum; the
sha256 of the files at alfaiate/HySure@8652a58 are in :attr:`HySureParis.sha256s` (computed, not published).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ._common import Degrade, HSDatasetNotFoundError, apply_scale, find_file, hwc_to_chw, read_mat_variable
from ._pairs import RealPairDataset, Reduce

__all__ = ["HySureParis", "HySureDemo", "hyperion_wavelengths", "ALI_MS_WAVELENGTHS", "ALI_PAN_WAVELENGTH"]

#: Centres (nm) of the nine ALI multispectral pass bands, in the order of ``MSim``.
ALI_MS_WAVELENGTHS = np.array([443.0, 482.5, 565.0, 660.0, 790.0, 867.5, 1250.0, 1650.0, 2215.0])
#: Centre of the ALI panchromatic pass band (480-690 nm).
ALI_PAN_WAVELENGTH = 585.0
#: The Hyperion bands (1-based) under each ALI MS band, as HySure's ``demo_paris_hs_ms.m`` lists them.
ALI_TO_HYPERION_BANDS = ((9, 10), (11, 16), (18, 25), (28, 33), (42, 45), (49, 53), (106, 115), (141, 160),
                         (193, 219))


def hyperion_wavelengths(bands) -> np.ndarray:
    """Nominal centres (nm) of Hyperion bands given by their 1-based numbers (1-70 VNIR, 71-242 SWIR)."""
    b = np.asarray(bands, dtype=np.float64).ravel()
    if b.size and (b.min() < 1 or b.max() > 242):
        raise ValueError(f"Hyperion band numbers run from 1 to 242, got {b.min():g}..{b.max():g}")
    return np.where(b <= 70, 355.59 + 10.1743 * (b - 1), 851.92 + 10.0904 * (b - 71))


class HySureParis(RealPairDataset):
    """HySure's Paris Hyperion + ALI pair, one sample.

    Args:
        root: folder holding the ``.mat`` file (any sub-folder), or the file itself.
        variant: ``"hs_ms"`` (``paris_data_hs_ms.mat``: 128-band HS + 9-band MS, same grid) or ``"hs_pan"``
            (``paris_data_hs_pan.mat``: HS + ALI PAN at ratio 3).
        scale: ``"quantile"`` (each band divided by its 0.999 quantile, HS and MS alike, as HySure's demos; the
            default), ``"max"``, a number or ``None`` (as stored: reflectance-like, about 0-1.5).
        reduce, reduce_ms, degrade: see :class:`~fusionzoo.datasets.hs_ms_fusion._pairs.RealPairDataset`;
            ``reduce_ms`` defaults to ``False`` (the demo keeps the real MS at full resolution).
        transforms, seed: as :class:`~fusionzoo.datasets.hs_ms_fusion.CAVE`.

    Samples: ``hs`` (128, 72, 72), ``ms`` (9, 72, 72) (``ratio`` 1 until reduced), ``wavelengths``,
    ``ms_wavelengths``, ``scale`` / ``ms_scale`` ((C,) tensors for per-band scales), ``hyperion_bands``,
    ``name`` (plus ``gt`` with ``reduce``).
    """

    files = {"hs_ms": "paris_data_hs_ms.mat", "hs_pan": "paris_data_hs_pan.mat"}
    keys = {"hs_ms": ("HSim", "MSim"), "hs_pan": ("HSim", "PCim")}
    source = "https://github.com/alfaiate/HySure/tree/master/data"
    urls = {k: f"https://github.com/alfaiate/HySure/raw/master/data/{v}" for k, v in files.items()}
    sha256s = {"hs_ms": "81e13528535ff32a0e0069368daa3aa9206d1393317391571a29958f5f57d839",
               "hs_pan": "238baead1beab1c79da7d767ce5bc7f00ec4a7eb1380875fd9a28e6d0ab37837"}
    num_bands = 128

    def __init__(self, root: str | os.PathLike = "data", variant: str = "hs_ms", scale: float | str | None = "quantile",
                 reduce: Reduce | int | None = None, reduce_ms: bool = False, degrade: Degrade | str | None = None,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, download: bool = False,
                 seed: int = 0) -> None:
        if variant not in self.files:
            raise ValueError(f"variant must be one of {', '.join(self.files)}, got {variant!r}")
        super().__init__(reduce, reduce_ms, degrade, transforms, seed)
        self.variant, self.scale = variant, scale
        name = self.files[variant]
        r = Path(root).expanduser()
        p = r if r.is_file() else find_file(r, [name])
        if p is None and download:
            from torchgeo.datasets.utils import download_url

            r.mkdir(parents=True, exist_ok=True)
            download_url(self.urls[variant], str(r), filename=name)
            p = find_file(r, [name])
        if p is None:
            raise HSDatasetNotFoundError(f"HySure demo file {name} not found under {r}. Download it from "
                                         f"{self.urls[variant]} (HySure's data folder {self.source}; sha256 "
                                         f"{self.sha256s[variant]}) and put it at {r / name} (any sub-folder "
                                         f"works), or pass download=True")
        self.path = p
        self.items = [p]

    def _read_pair(self, index: int):
        p = self.path
        hk, mk = self.keys[self.variant]
        hs_raw = hwc_to_chw(read_mat_variable(p, hk))
        ms_raw = hwc_to_chw(read_mat_variable(p, mk))
        if hs_raw.shape[0] != self.num_bands:
            raise ValueError(f"{p}: {hk} has {hs_raw.shape[0]} bands, the Paris Hyperion cube has {self.num_bands}")
        try:
            bands = np.asarray(read_mat_variable(p, "non_del_bands")).ravel().astype(np.int64)
        except KeyError:
            bands = None
        hs, div = apply_scale(hs_raw, self.scale, f"{p}:{hk}")
        ms, ms_div = apply_scale(ms_raw, self.scale, f"{p}:{mk}")
        meta: dict[str, Any] = {"name": p.stem, "scale": div, "ms_scale": ms_div}
        if bands is not None and bands.size == hs.shape[0]:
            meta["wavelengths"] = hyperion_wavelengths(bands)
            meta["hyperion_bands"] = torch.from_numpy(bands)
        if self.variant == "hs_ms":
            if ms.shape[0] != 9:
                raise ValueError(f"{p}: {mk} has {ms.shape[0]} bands, the ALI MS has 9")
            meta["ms_wavelengths"] = ALI_MS_WAVELENGTHS
        else:
            meta["ms_wavelengths"] = np.array([ALI_PAN_WAVELENGTH])
        return torch.from_numpy(hs), torch.from_numpy(ms), meta


#: Alias: the dataset of the HySure demo files.
HySureDemo = HySureParis
