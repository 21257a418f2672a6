"""Write a tiny Houston 2013 (DFC2013) folder in the contest formats, with synthetic values.

* ``2013_IEEE_GRSS_DF_Contest_CASI.tif``: 144 bands uint16 GeoTIFF (UTM 15N, NAD83, 2.5 m, the contest's
  corner); ``2013_IEEE_GRSS_DF_Contest_LiDAR.tif``: one band float32, same georeference, tiled.
* ``2013_IEEE_GRSS_DF_Contest_Samples_TR.tif`` / ``_VA.tif``: uint8 split maps, PackBits, no georeference (as
  S2FL ships them).
* ``2013_IEEE_GRSS_DF_Contest_Samples_TR.txt`` / ``_VA.txt``: ENVI ASCII ROI exports in the official layout
  (title, ``; Number of ROIs``, ``; File Dimension: W x H``, per ROI name / rgb / npts / column header and
  fixed-width rows ``ID X Y Lat Lon``, 1-based X / Y; two blank lines between ROIs, no final newline).

Class c (1..15) has 2 training pixels and 4 test pixels, in a 4 x 4 cell of the (12, 20) grid.
``python make_fixture.py OUT``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

SIZE = (12, 20)
PREFIX = "2013_IEEE_GRSS_DF_Contest"
NAMES = ("grass_healthy", "grass_stressed", "grass_synthetic", "tree", "soil", "water", "residential", "commercial",
         "road", "highway", "railway", "parking_lot1", "parking_lot2", "tennis_court", "running_track")
RGB = ((0, 205, 0), (127, 255, 0), (46, 139, 87), (0, 139, 0), (160, 82, 45), (0, 255, 255), (255, 255, 255),
       (216, 191, 216), (255, 0, 0), (139, 0, 0), (0, 0, 0), (255, 255, 0), (238, 154, 0), (85, 26, 139),
       (255, 127, 80))


def maps(size=SIZE) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) uint8 maps: class c in the 4 x 4 cell ((c-1) // 5, (c-1) % 5): training pixels (r, c0..c0+1),
    test pixels (r+1..r+2, c0..c0+1)."""
    tr = np.zeros(size, np.uint8)
    te = np.zeros(size, np.uint8)
    for c in range(1, 16):
        r, c0 = 4 * ((c - 1) // 5), 4 * ((c - 1) % 5)
        tr[r, c0:c0 + 2] = c
        te[r + 1:r + 3, c0:c0 + 2] = c
    return tr, te


def hs(size=SIZE) -> np.ndarray:
    """(144, H, W) uint16: 100 * band + 10 * row + col + 1."""
    k, i, j = np.meshgrid(np.arange(144), np.arange(size[0]), np.arange(size[1]), indexing="ij")
    return (100 * k + 10 * i + j + 1).astype(np.uint16)


def dsm(size=SIZE) -> np.ndarray:
    """(H, W) float32 heights in metres."""
    i, j = np.meshgrid(np.arange(size[0]), np.arange(size[1]), indexing="ij")
    return (5.0 + 0.5 * i + 0.25 * j).astype(np.float32)


def _write(path: Path, a: np.ndarray, georef: bool, **kw) -> None:
    import rasterio
    from affine import Affine
    from rasterio.errors import NotGeoreferencedWarning

    a = a if a.ndim == 3 else a[None]
    prof = {"driver": "GTiff", "width": a.shape[2], "height": a.shape[1], "count": a.shape[0], "dtype": a.dtype.name}
    if georef:
        prof.update(crs="EPSG:26915", transform=Affine(2.5, 0.0, 270795.0, 0.0, -2.5, 3290640.0))
    prof.update(kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", **prof) as dst:
            dst.write(a)


def roi_txt(label_map: np.ndarray, title: str, newline: str = "\n") -> str:
    """The ENVI ASCII ROI export of a map (ROIs in class order, pixels in row-major order)."""
    h, w = label_map.shape
    head = [f";{title}", "", "", f"; Number of ROIs: {len(NAMES)}", f"; File Dimension: {w} x {h}",
            "; X=1\t, Y=1 \t-> Upper-Left Corner", f"; X={w}, Y={h} -> Lower-Right Corner", "", ""]
    blocks = []
    for c, (name, rgb) in enumerate(zip(NAMES, RGB), start=1):
        rr, cc = np.nonzero(label_map == c)
        lines = [f"; ROI name: {name}", f"; ROI rgb value: {{{rgb[0]}, {rgb[1]}, {rgb[2]}}}", f"; ROI npts: {rr.size}",
                 ";   ID     X    Y              Lat               Lon"]
        for n, (r, col) in enumerate(zip(rr, cc), start=1):
            lat, lon = 29.73 - 2.25e-5 * r, -95.37 + 2.6e-5 * col
            lines.append(f"{n:6d}{col + 1:6d}{r + 1:5d}{lat:17.12f}{lon:18.12f}")
        blocks.append(newline.join(lines))
    return newline.join(head) + newline + (newline * 3).join(blocks)


def make(root: str | Path, with_hs: bool = True, tifs: bool = True, txts: bool = True, size=SIZE,
         newline: str = "\n") -> Path:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if with_hs:
        _write(root / f"{PREFIX}_CASI.tif", hs(size), georef=True)
    _write(root / f"{PREFIX}_LiDAR.tif", dsm(size), georef=True, tiled=True, blockxsize=16, blockysize=16)
    tr, te = maps(size)
    for tag, m in (("TR", tr), ("VA", te)):
        if tifs:
            _write(root / f"{PREFIX}_Samples_{tag}.tif", m, georef=False, compress="packbits")
        if txts:
            (root / f"{PREFIX}_Samples_{tag}.txt").write_bytes(roi_txt(m, f"{PREFIX}_Samples_{tag}", newline).encode())
    return root


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "houston2013_fixture"))
