"""Write tiny Trento files in the formats circulating (MGMNet, tyust-dayu), with synthetic values.

* ``LiDAR.mat`` key ``LiDAR`` float32 (H, W); ``HSI.mat`` key ``HSI`` float32 (H, W, 63) (optional);
* ``TRLabel.mat`` key ``TRLabel`` / ``TSLabel.mat`` key ``TSLabel`` uint8 (H, W), disjoint, 1..6;
* ``allgrd.mat`` key ``mask_test`` uint8 (their union) (optional);
* ``Italy_lidar.mat`` key ``data`` float32 (H, W, 2) (optional, ``tyust=True``).

MATLAB v5.  Class c has ``c`` training pixels in row c - 1 and ``2 c`` test pixels in row c + 5.
``python make_fixture.py OUT``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.io

SIZE = (12, 16)


def maps(size=SIZE) -> tuple[np.ndarray, np.ndarray]:
    tr = np.zeros(size, np.uint8)
    ts = np.zeros(size, np.uint8)
    for c in range(1, 7):
        tr[c - 1, :c] = c
        ts[c + 5, :2 * c] = c
    return tr, ts


def dsm(size=SIZE) -> np.ndarray:
    i, j = np.meshgrid(np.arange(size[0]), np.arange(size[1]), indexing="ij")
    return (i + 0.5 * j).astype(np.float32)


def hsi(size=SIZE) -> np.ndarray:
    i, j, k = np.meshgrid(np.arange(size[0]), np.arange(size[1]), np.arange(63), indexing="ij")
    return (100.0 * k + 10 * i + j).astype(np.float32)


def make(root: str | Path, with_hs: bool = True, allgrd: bool = True, tyust: bool = False, size=SIZE) -> Path:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    tr, ts = maps(size)
    scipy.io.savemat(root / "LiDAR.mat", {"LiDAR": dsm(size)})
    if with_hs:
        scipy.io.savemat(root / "HSI.mat", {"HSI": hsi(size)})
    scipy.io.savemat(root / "TRLabel.mat", {"TRLabel": tr})
    scipy.io.savemat(root / "TSLabel.mat", {"TSLabel": ts})
    if allgrd:
        scipy.io.savemat(root / "allgrd.mat", {"mask_test": np.maximum(tr, ts)})
    if tyust:
        two = np.stack([dsm(size), 100 + dsm(size) * 3], axis=-1).astype(np.float32)
        scipy.io.savemat(root / "Italy_lidar.mat", {"data": two})
    return root


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "trento_fixture"))
