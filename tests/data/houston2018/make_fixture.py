"""Write tiny Houston 2018 files in the contest formats.

* ``make_envi``: ``2018_IEEE_GRSS_DFC_HSI_TR`` (raw data) + ``2018_IEEE_GRSS_DFC_HSI_TR.HDR`` (ENVI header),
  50 stored bands (as the contest's training file), uint16, a chosen interleave and byte order.
* ``make_crop``: ``houston_dataset.mat`` (MATLAB v5) with ``hyprImg`` (h, w, 48) uint16, ``rgbImg``
  (4h, 4w, 3) uint8 and ``clasLabs`` (4h, 4w) uint8.

``python make_fixture.py OUT``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.io

SIZE = (4, 6)


def cube(bands: int = 50, size=SIZE) -> np.ndarray:
    """(bands, rows, cols)."""
    k, i, j = np.meshgrid(np.arange(bands), np.arange(size[0]), np.arange(size[1]), indexing="ij")
    return (100 * k + 10 * i + j + 1).astype(np.uint16)


def make_envi(root: str | Path, interleave: str = "bsq", big_endian: bool = False, wavelengths: bool = True,
              size=SIZE) -> Path:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    a = cube(50, size)
    arr = {"bsq": a, "bil": a.transpose(1, 0, 2), "bip": a.transpose(1, 2, 0)}[interleave]
    arr.astype(">u2" if big_endian else "<u2").tofile(root / "2018_IEEE_GRSS_DFC_HSI_TR")
    lines = ["ENVI", "description = {fixture}", f"samples = {size[1]}", f"lines   = {size[0]}", "bands   = 50",
             "header offset = 0", "file type = ENVI Standard", "data type = 12", f"interleave = {interleave}",
             f"byte order = {1 if big_endian else 0}",
             "map info = {UTM, 1.000, 1.000, 271460.000, 3290891.000, 1.0, 1.0, 15, North, North America 1983}"]
    if wavelengths:
        wl = ", ".join(f"{v:.2f}" for v in np.linspace(380, 1050, 48)) + ", 0.00, 0.00"
        lines += ["wavelength units = Nanometers", "wavelength = {", wl + "}"]
    (root / "2018_IEEE_GRSS_DFC_HSI_TR.HDR").write_text("\n".join(lines) + "\n")
    return root


def make_crop(root: str | Path, size=(8, 8)) -> Path:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    hs = cube(48, size).transpose(1, 2, 0)
    H, W = 4 * size[0], 4 * size[1]
    i, j = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    rgb = np.stack([(i * 7) % 256, (j * 5) % 256, (i + j) % 256], axis=-1).astype(np.uint8)
    scipy.io.savemat(root / "houston_dataset.mat", {"hyprImg": hs, "rgbImg": rgb,
                                                     "clasLabs": ((i + j) % 13).astype(np.uint8)})
    return root


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "houston_fixture"
    make_envi(out)
    print(make_crop(out))
