"""Write tiny S2FL benchmark folders (HS-SAR-DSM Augsburg, HS-SAR Berlin) in the distributed format, with
synthetic values.

MATLAB v5, one variable per file named as the file: ``data_HS_LR`` (H, W, 180 or 244) float64, ``data_SAR_HR``
(H, W, 4) float64, ``data_DSM`` (H, W) float64 (Augsburg), ``TrainImage`` uint8 and ``TestImage`` **float32**
(whole numbers, as Augsburg's), disjoint.  Class c has c training pixels in row c - 1 and 2 c test pixels in
row c + 7.  ``python make_fixture.py OUT``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.io

SIZE = (16, 20)


def maps(n_classes: int, size=SIZE) -> tuple[np.ndarray, np.ndarray]:
    tr = np.zeros(size, np.uint8)
    te = np.zeros(size, np.float32)
    for c in range(1, n_classes + 1):
        tr[c - 1, :c] = c
        te[c + 7, :2 * c] = c
    return tr, te


def image(bands: int, size=SIZE, offset: float = 0.0) -> np.ndarray:
    i, j, k = np.meshgrid(np.arange(size[0]), np.arange(size[1]), np.arange(bands), indexing="ij")
    return (offset + 0.01 * k + 0.1 * i + 0.001 * j).astype(np.float64)


def _write(folder: Path, hs_bands: int, n_classes: int, dsm: bool, size) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(folder / "data_HS_LR.mat", {"data_HS_LR": image(hs_bands, size)})
    scipy.io.savemat(folder / "data_SAR_HR.mat", {"data_SAR_HR": image(4, size, offset=-1.0)})
    if dsm:
        scipy.io.savemat(folder / "data_DSM.mat", {"data_DSM": image(1, size, offset=500.0)[:, :, 0]})
    tr, te = maps(n_classes, size)
    scipy.io.savemat(folder / "TrainImage.mat", {"TrainImage": tr})
    scipy.io.savemat(folder / "TestImage.mat", {"TestImage": te})
    return folder


def make_augsburg(root: str | Path, size=SIZE) -> Path:
    return _write(Path(root) / "HS-SAR-DSM Augsburg", 180, 7, True, size)


def make_berlin(root: str | Path, size=SIZE) -> Path:
    return _write(Path(root) / "HS-SAR Berlin", 244, 8, False, size)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "s2fl_fixture"
    make_augsburg(out)
    print(make_berlin(out))
