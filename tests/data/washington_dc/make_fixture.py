"""Write a tiny ``dc.tif`` like the MultiSpec Washington DC Mall file: a 191-band TIFF of 16-bit integers,
band-sequential (rasterio) or one page per band (tifffile, ``pages=True``).  ``python make_fixture.py OUT``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SIZE = (6, 4)


def cube(size=SIZE) -> np.ndarray:
    k, i, j = np.meshgrid(np.arange(191), np.arange(size[0]), np.arange(size[1]), indexing="ij")
    return (k * 10 + i * 3 + j - 50).astype(np.int16)


def make(root: str | Path, size=SIZE, pages: bool = False) -> Path:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    p = root / "dc.tif"
    a = cube(size)
    if pages:
        import tifffile

        tifffile.imwrite(p, a, photometric="minisblack")
    else:
        import warnings

        import rasterio
        from rasterio.errors import NotGeoreferencedWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(p, "w", driver="GTiff", width=size[1], height=size[0], count=191, dtype="int16",
                               interleave="band") as dst:
                dst.write(a)
    return root


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "dc_fixture"))
