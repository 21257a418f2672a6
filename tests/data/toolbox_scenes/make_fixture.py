"""Write tiny scenes in the pansharpening toolbox's ``.mat`` layout (``I_MS_LR``, ``I_MS``, ``I_PAN``, ``I_GT``,
h x w x C uint16, optional ``sensor``), as MATLAB v5 or v7.3 files.

``arrays(rng, bands, h, full)`` gives the arrays; ``write(path, arrays, version, sensor)`` writes one file;
``make(root, version)`` writes ``Toolbox_WV3.mat`` and returns its arrays.
Run as a script to write into a folder: ``python make_fixture.py OUT [v5|v7.3]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:  # run as a script
    sys.path.insert(0, _ROOT)
from tests.helpers.matlab import savemat  # noqa: E402


def arrays(rng, bands=8, h=16, full=2047) -> dict[str, np.ndarray]:
    return {"I_MS_LR": rng.integers(50, full, (h, h, bands)).astype(np.uint16),
            "I_MS": rng.integers(50, full, (4 * h, 4 * h, bands)).astype(np.uint16),
            "I_PAN": rng.integers(50, full, (4 * h, 4 * h)).astype(np.uint16),
            "I_GT": rng.integers(50, full, (4 * h, 4 * h, bands)).astype(np.uint16)}


def write(path: Path, a: dict, version: str = "v5", sensor: str | None = None) -> Path:
    savemat(Path(path), {**a, "sensor": sensor} if sensor else dict(a), version)
    return Path(path)


def make(root: str | Path, version: str = "v5") -> dict[str, np.ndarray]:
    """``<root>/Toolbox_WV3.mat``: an 8-band WV3 scene, 16 x 16 MS; returns its arrays."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    a = arrays(np.random.default_rng(0))
    write(root / "Toolbox_WV3.mat", a, version, sensor="WV3")
    return a


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "toolbox_fixture")
    make(out, sys.argv[2] if len(sys.argv) > 2 else "v5")
    print(out)
