"""Write a tiny ``HyperspecVNIR_Chikusei_20140729.mat`` in MATLAB's v7.3 format: an HDF5 file with a 512-byte
MATLAB user block and the variable ``chikusei`` stored transposed, as MATLAB does (a (rows, cols, 128) array is
the HDF5 dataset (128, cols, rows)), class attribute ``MATLAB_class``.  ``python make_fixture.py OUT``."""

from __future__ import annotations

import sys
from pathlib import Path

import h5py
import numpy as np

SIZE = (7, 5)


def cube(size=SIZE) -> np.ndarray:
    """The cube in MATLAB order (rows, cols, 128)."""
    i, j, k = np.meshgrid(np.arange(size[0]), np.arange(size[1]), np.arange(128), indexing="ij")
    return (k + 200 * i + 1000 * j + 5).astype(np.uint16)


def make(root: str | Path, size=SIZE) -> Path:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    p = root / "HyperspecVNIR_Chikusei_20140729.mat"
    with h5py.File(p, "w", userblock_size=512) as f:
        d = f.create_dataset("chikusei", data=cube(size).T)  # MATLAB's column-major layout
        d.attrs["MATLAB_class"] = np.bytes_("uint16")
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    with open(p, "r+b") as fh:
        fh.write(header.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02" + b"IM")
    return root


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "chikusei_fixture"))
