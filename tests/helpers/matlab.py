"""Write MATLAB files the way MATLAB does: v5 through scipy, v7.3 (HDF5 with MATLAB's user block) through h5py."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import scipy.io


def savemat73(path: Path, d: dict) -> None:
    """A MATLAB v7.3 file: HDF5 with the 512-byte MATLAB user block, arrays in column-major order
    (stored transposed), char arrays as uint16 with MATLAB_class 'char'."""
    with h5py.File(path, "w", userblock_size=512) as f:
        for k, v in d.items():
            if isinstance(v, str):
                ds = f.create_dataset(k, data=np.array([[ord(c)] for c in v], dtype=np.uint16))
                ds.attrs["MATLAB_class"] = np.bytes_("char")
            else:
                a = np.asarray(v)
                ds = f.create_dataset(k, data=a.T)
                ds.attrs["MATLAB_class"] = np.bytes_({"u": "uint16", "f": "double"}.get(a.dtype.kind, "double")
                                                     if a.dtype != np.uint8 else "uint8")
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    header = header.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02" + b"IM"
    with open(path, "r+b") as f:
        f.write(header)


def savemat(path: Path, d: dict, version: str = "v5") -> None:
    """``version``: ``"v5"`` (scipy.io.savemat) or ``"v7.3"``."""
    if version == "v5":
        scipy.io.savemat(path, d)
    elif version == "v7.3":
        savemat73(path, d)
    else:
        raise ValueError(f"version must be 'v5' or 'v7.3', got {version!r}")
