"""Write tiny PanCollection HDF5 files in the official layout: datasets ``gt`` / ``ms`` / ``lms`` / ``pan``,
(N, C, H, W) float64 digital numbers, ratio 4.

``write(path, n, bands, ms_size, full, ...)`` writes one file and returns its arrays; ``make(root)`` writes the
WV3 train / validation / test / full-resolution test files under ``root`` (the official folder names).
Run as a script to write into a folder: ``python make_fixture.py OUT``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import h5py
import numpy as np


def _dn(rng, shape, full):
    """float64 digital numbers, as PanCollection stores them."""
    return np.round(rng.uniform(0.05, 0.95, size=shape) * full)


def write(path: Path, n: int, bands: int, ms_size: int, full: int, gt: bool = True, seed: int = 0,
          drop: str | None = None) -> dict[str, np.ndarray]:
    """An h5 file with the official datasets: gt / ms / lms / pan, (N, C, H, W) float64 DN."""
    rng = np.random.default_rng(seed)
    H = 4 * ms_size
    arrays = {"ms": _dn(rng, (n, bands, ms_size, ms_size), full), "lms": _dn(rng, (n, bands, H, H), full),
              "pan": _dn(rng, (n, 1, H, H), full)}
    if gt:
        arrays["gt"] = _dn(rng, (n, bands, H, H), full)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        for k, v in arrays.items():
            if k != drop:
                f.create_dataset(k, data=v, dtype="float64")
    return arrays


def make(root: str | Path) -> dict[str, dict[str, np.ndarray]]:
    """The WV3 files of the official layout under ``root``: split -> the arrays written."""
    root = Path(root)
    return {
        "train": write(root / "training_data" / "train_wv3.h5", 5, 8, 16, 2047, seed=1),
        "val": write(root / "validation_data" / "valid_wv3.h5", 3, 8, 16, 2047, seed=2),
        "test": write(root / "test_data" / "WV3" / "test_wv3_multiExm1.h5", 2, 8, 64, 2047, seed=3),
        "test_full": write(root / "test_data" / "WV3" / "test_wv3_OrigScale_multiExm1.h5", 1, 8, 32, 2047,
                           gt=False, seed=4),
    }


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "pancollection_fixture")
    make(out)
    print(out)
