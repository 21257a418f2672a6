"""Write a tiny georeferenced HS + MS GeoTIFF pair (and a reference) with rasterio: HS 6 bands 4 x 4 at 4 m,
MS 3 bands 16 x 16 at 1 m, same origin, UTM 31N; band wavelengths in the band descriptions.

``make(root, ms_crs=..., ms_shift=..., ms_res=...)`` writes broken variants for the georeference checks.
``python make_fixture.py OUT``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

HS_WL = [450.0, 500.0, 550.0, 600.0, 650.0, 700.0]
MS_WL = [480.0, 560.0, 660.0]


def make(root: str | Path, ms_crs: str = "EPSG:32631", ms_shift: float = 0.0, ms_res: float = 1.0, ms_size: int = 16,
         georef: bool = True) -> Path:
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning
    from affine import Affine

    def from_origin(x, y, rx, ry):
        return Affine(rx, 0.0, x, 0.0, -ry, y)

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    x0, y0 = 500000.0, 4000000.0
    hs = (np.arange(6 * 16).reshape(6, 4, 4) * 10 + 100).astype(np.uint16)
    ms = (np.arange(3 * ms_size * ms_size).reshape(3, ms_size, ms_size) + 1000).astype(np.uint16)
    gt = (np.arange(6 * 256).reshape(6, 16, 16) + 2000).astype(np.uint16)
    specs = [("hs.tif", hs, "EPSG:32631", from_origin(x0, y0, 4.0, 4.0), [f"{w:g} nm" for w in HS_WL]),
             ("ms.tif", ms, ms_crs, from_origin(x0 + ms_shift, y0, ms_res, ms_res), [f"{w:g}" for w in MS_WL]),
             ("gt.tif", gt, "EPSG:32631", from_origin(x0, y0, 1.0, 1.0), None)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        for name, a, crs, tr, desc in specs:
            kw = {"crs": crs, "transform": tr} if georef else {}
            with rasterio.open(root / name, "w", driver="GTiff", width=a.shape[2], height=a.shape[1],
                               count=a.shape[0], dtype=a.dtype.name, **kw) as dst:
                dst.write(a)
                for b, d in enumerate(desc or [], 1):
                    dst.set_band_description(b, d)
    return root


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "geotiff_pair_fixture"))
