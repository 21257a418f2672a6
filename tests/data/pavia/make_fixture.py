"""Write tiny Pavia files in the EHU GIC format: MATLAB v5 ``PaviaU.mat`` (``paviaU`` (H, W, 103) uint16),
``PaviaU_gt.mat`` (``paviaU_gt`` uint8), ``Pavia.mat`` (``pavia`` (H, W, 102) uint16), ``Pavia_gt.mat``.
``python make_fixture.py OUT``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.io


def cube(bands: int, size=(4, 3)) -> np.ndarray:
    i, j, k = np.meshgrid(np.arange(size[0]), np.arange(size[1]), np.arange(bands), indexing="ij")
    return (10 * k + 1000 * i + 100 * j + 1).astype(np.uint16)


def make(root: str | Path, size=(4, 3)) -> Path:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    gt = (np.arange(size[0] * size[1]) % 10).reshape(size).astype(np.uint8)
    scipy.io.savemat(root / "PaviaU.mat", {"paviaU": cube(103, size)})
    scipy.io.savemat(root / "PaviaU_gt.mat", {"paviaU_gt": gt})
    scipy.io.savemat(root / "Pavia.mat", {"pavia": cube(102, size)})
    scipy.io.savemat(root / "Pavia_gt.mat", {"pavia_gt": gt})
    return root


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "pavia_fixture"))
