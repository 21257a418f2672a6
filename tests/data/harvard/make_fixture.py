"""Write tiny Harvard files in the official format: MATLAB v5 ``img*.mat`` with ``ref`` (H, W, 31) float64 and
``lbl`` (H, W) uint8.  ``python make_fixture.py OUT``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.io

SIZE = (5, 4)


def ref(n: int, size=SIZE) -> np.ndarray:
    i, j, k = np.meshgrid(np.arange(size[0]), np.arange(size[1]), np.arange(31), indexing="ij")
    return (0.01 * (k + 1) + 0.1 * i + 0.02 * j + n).astype(np.float64)


def make(root: str | Path, names=("imga1", "imgb2"), size=SIZE) -> Path:
    root = Path(root) / "CZ_hsdb"
    root.mkdir(parents=True, exist_ok=True)
    for n, name in enumerate(names):
        lbl = np.zeros(size, np.uint8)
        lbl[0, :] = 1
        scipy.io.savemat(root / f"{name}.mat", {"ref": ref(n, size), "lbl": lbl})
    return root.parent


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "harvard_fixture"))
