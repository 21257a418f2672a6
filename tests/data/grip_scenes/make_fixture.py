"""Write tiny scenes in GRIP-UNINA's ``.mat`` layout (``I_MS`` h x w x C, ``I_PAN``, ``L`` bit depth, ``ratio``,
``sensor``, optional ``RGB_indexes``), as MATLAB v5 or v7.3 files.

``make(root, version)`` writes ``imgIK.mat`` (IKONOS, 11 bits) and ``imgGE1.mat`` (GeoEye-1, 8 bits) and returns
their arrays; ``write_scene(path, bands, bits, size, sensor)`` writes one random scene (v5), as the training
recipes' fixtures need.  Run as a script to write into a folder: ``python make_fixture.py OUT [v5|v7.3]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:  # run as a script
    sys.path.insert(0, _ROOT)
from tests.helpers.matlab import savemat  # noqa: E402


def make(root: str | Path, version: str = "v5") -> dict[str, dict]:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2)
    ik = {"I_MS": rng.integers(1, 2047, (32, 32, 4)).astype(np.uint16),
          "I_PAN": rng.integers(1, 2047, (128, 128)).astype(np.uint16),
          "L": np.array([[11]], np.uint8), "ratio": np.array([[4]], np.uint8), "sensor": "IKONOS",
          "RGB_indexes": np.array([[3, 2, 1]], np.uint8)}
    ge = {"I_MS": rng.integers(1, 255, (32, 32, 4)).astype(np.uint8),
          "I_PAN": rng.integers(1, 255, (128, 128)).astype(np.uint8),
          "L": np.array([[8]], np.uint8), "ratio": np.array([[4]], np.uint8), "sensor": "GeoEye1"}
    savemat(root / "imgIK.mat", ik, version)
    savemat(root / "imgGE1.mat", ge, version)
    return {"imgIK": ik, "imgGE1": ge}


def write_scene(path: str | Path, bands: int, bits: int = 11, size: int = 64, sensor: str = "WV2") -> Path:
    """A random scene in the exact GRIP .mat layout (I_MS h x w x C, I_PAN, L, ratio, sensor), MATLAB v5."""
    import scipy.io

    rng = np.random.default_rng(0)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    dtype = np.uint8 if bits == 8 else np.uint16
    scipy.io.savemat(p, {
        "I_MS": rng.integers(0, 2**bits, (size // 4, size // 4, bands)).astype(dtype),
        "I_PAN": rng.integers(0, 2**bits, (size, size)).astype(dtype),
        "L": np.array([[bits]], np.uint8), "ratio": np.array([[4]], np.uint8), "sensor": np.array([sensor]),
    })
    return p


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "grip_fixture")
    make(out, sys.argv[2] if len(sys.argv) > 2 else "v5")
    print(out)
