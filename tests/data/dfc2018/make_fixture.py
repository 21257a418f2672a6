"""Write a tiny 2018 IEEE GRSS Data Fusion Contest training area in the contest formats, with synthetic values.

* ``HSI/2018_IEEE_GRSS_DFC_HSI_TR`` + ``.HDR``: ENVI, 50 bands uint16, (4, 6) at 1 m (the HS-MS fixture
  ``tests/data/houston2018``), map info corner (271460, 3290891).
* ``GT/2018_IEEE_GRSS_DFC_GT_TR.tif``: uint8 (8, 12) at 0.5 m, UTM 15N (NAD83), the same corner.
* ``Lidar GeoTiff Rasters/Intensity_C1/UH17_GI1F051_TR.tif`` (C2, C3 alike) and ``DSM_C12/UH17c_GEF051_TR.tif``:
  float32 (8, 12) at 0.5 m; C1 has one no-data sample (1e35) and the DSM a whole 2 x 2 block of them.
* ``Final RGB HR Imagery/UH_NAD83_<easting>_<northing>.tif``: two uint8 RGB tiles at 0.05 m, each 4 x 3 m
  (80 x 60 pixels), side by side; each 20 x 20 block has mean ``rgb_mean(I, J)`` on the 1 m grid.

``python make_fixture.py OUT``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HS_SIZE = (4, 6)
X0, Y0 = 271460.0, 3290891.0
LIDAR = {"Intensity_C1": "UH17_GI1F051_TR.tif", "Intensity_C2": "UH17_GI2F051_TR.tif",
         "Intensity_C3": "UH17_GI3F051_TR.tif", "DSM_C12": "UH17c_GEF051_TR.tif"}


def _houston2018():
    """The fixture script ``tests/data/houston2018`` (this one builds on it)."""
    repo = str(Path(__file__).resolve().parents[3])
    if repo not in sys.path:  # run as a script: the repository on the path
        sys.path.insert(0, repo)
    from tests.helpers import load_fixture

    return load_fixture("houston2018")


def gt() -> np.ndarray:
    """(8, 12) uint8 at 0.5 m.  Block (I, J) of the 1 m grid is uniformly class ``(6 I + J) % 20 + 1`` except:
    block (0, 0) unlabelled; (0, 1) = [[5, 5], [7, 0]] (mode 5); (0, 2) = [[9, 4], [0, 0]] (half unlabelled, tie:
    4); (0, 3) = [[3, 0], [0, 0]] (mostly unlabelled: 0)."""
    g = np.zeros((8, 12), np.uint8)
    for i in range(4):
        for j in range(6):
            g[2 * i:2 * i + 2, 2 * j:2 * j + 2] = (6 * i + j) % 20 + 1
    g[0:2, 0:2] = 0
    g[0:2, 2:4] = [[5, 5], [7, 0]]
    g[0:2, 4:6] = [[9, 4], [0, 0]]
    g[0:2, 6:8] = [[3, 0], [0, 0]]
    return g


def gt_1m() -> np.ndarray:
    """The expected labels on the 1 m grid."""
    e = np.array([[(6 * i + j) % 20 + 1 for j in range(6)] for i in range(4)], np.uint8)
    e[0, :4] = [0, 5, 4, 0]
    return e


def lidar(band: int) -> np.ndarray:
    i, j = np.meshgrid(np.arange(8), np.arange(12), indexing="ij")
    a = (100.0 * band + 10 * i + j).astype(np.float32)
    if band == 0:
        a[0, 0] = 1e35
    if band == 3:
        a[2:4, 2:4] = -1e38
    return a


def rgb_mean(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """(3, ...) the mean of the VHR block under 1 m pixel (i, j)."""
    return np.stack([10 * i + j + 20, 5 * i + 2 * j + 40, 3 * i + j + 60]).astype(np.float64)


def _write(path: Path, a: np.ndarray, x0: float, res: float) -> None:
    import rasterio
    from affine import Affine

    a = a if a.ndim == 3 else a[None]
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", width=a.shape[2], height=a.shape[1], count=a.shape[0],
                       dtype=a.dtype.name, crs="EPSG:26915", transform=Affine(res, 0.0, x0, 0.0, -res, Y0)) as dst:
        dst.write(a)


def make(root: str | Path, hs: bool = True, lidar_rasters: bool = True, vhr: bool = True) -> Path:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if hs:
        _houston2018().make_envi(root / "HSI", size=HS_SIZE)
    _write(root / "GT" / "2018_IEEE_GRSS_DFC_GT_TR.tif", gt(), X0, 0.5)
    if lidar_rasters:
        for b, (folder, name) in enumerate(LIDAR.items()):
            _write(root / "Lidar GeoTiff Rasters" / folder / name, lidar(b), X0, 0.5)
    if vhr:
        f = 20
        for t in range(2):
            ii, jj = np.meshgrid(np.arange(4), np.arange(3 * t, 3 * t + 3), indexing="ij")
            m = np.repeat(np.repeat(rgb_mean(ii, jj), f, axis=1), f, axis=2)
            wiggle = np.where((np.arange(3 * f) % 2) == 0, 1.0, -1.0)[None, None, :]  # zero mean over a block
            tile = (m + wiggle).astype(np.uint8)
            _write(root / "Final RGB HR Imagery" / f"UH_NAD83_{int(X0) + 3 * t}_{int(Y0) - 4}.tif", tile,
                   X0 + 3 * t, 0.05)
    return root


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "dfc2018_fixture"))
