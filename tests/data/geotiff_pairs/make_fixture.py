"""Write a tiny PAN + MS GeoTIFF pair (UTM 31N; PAN 0.5 m 64 x 64, MS 4 bands 16 x 16 uint16) named as
:class:`fusionzoo.datasets.GeoTiffPairs` pairs them: ``scene1_pan.tif`` / ``scene1_ms.tif`` (and
``scene1_ref.tif``, a reference at the PAN resolution, with ``gt=True``).

``make(root, ms_origin=..., ms_res=..., gt=...)`` returns the (pan, ms) arrays; moving the MS origin or changing
its pixel size makes the georeferencing disagree.  Run as a script: ``python make_fixture.py OUT``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def write_tif(path: Path, arr: np.ndarray, x0: float, y0: float, res: float, crs: str = "EPSG:32631") -> None:
    import rasterio
    from affine import Affine

    # north-up transform (rasterio.transform.from_origin multiplies Affines with the deprecated ``*``)
    transform = Affine(res, 0.0, x0, 0.0, -res, y0)
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[2], height=arr.shape[1], count=arr.shape[0],
                       dtype=arr.dtype, crs=crs, transform=transform) as dst:
        dst.write(arr)


def make(root: str | Path, ms_origin=(500000.0, 5700000.0), ms_res=2.0, gt=False) -> tuple[np.ndarray, np.ndarray]:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    pan = rng.integers(1, 2047, (1, 64, 64)).astype(np.uint16)
    ms = rng.integers(1, 2047, (4, 16, 16)).astype(np.uint16)
    write_tif(root / "scene1_pan.tif", pan, 500000.0, 5700000.0, 0.5)
    write_tif(root / "scene1_ms.tif", ms, *ms_origin, ms_res)
    if gt:
        write_tif(root / "scene1_ref.tif", rng.integers(1, 2047, (4, 64, 64)).astype(np.uint16),
                  500000.0, 5700000.0, 0.5)
    return pan, ms


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "geotiff_pairs_fixture")
    make(out, gt=True)
    print(out)
