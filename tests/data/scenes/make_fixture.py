"""Write the scene catalogue (:data:`fusionzoo.datasets.PUBLIC_SCENES`) as tiny random scenes, each at its
catalogue path under a data root and in its own layout (``unit`` / ``toolbox`` / ``grip`` .mat files, GeoTIFF
pairs), with the band count of its sensor, so that ``load_scene(name, root)`` reads every one.

``make(root, names=None, size=32)`` writes the scenes (all by default; PAN ``size`` pixels, MS ``size / ratio``)
and returns the names written; ``write_grip(path, bands, bits, size, sensor)`` writes one GRIP .mat scene (the
training recipes read these).  Run as a script: ``python make_fixture.py OUT [NAME ...]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:  # run as a script
    sys.path.insert(0, _ROOT)
from tests.helpers import load_fixture  # noqa: E402

write_grip = load_fixture("grip_scenes").write_scene
_write_tif = load_fixture("geotiff_pairs").write_tif


def _write(src, root: Path, size: int, rng) -> None:
    import scipy.io

    from fusionzoo.sensors import get_sensor

    bands, r = len(get_sensor(src.sensor).bands), src.ratio
    full, h = 2**src.bit_depth - 1, size // src.ratio
    dtype = np.uint8 if src.bit_depth <= 8 else np.uint16
    paths = [root / f for f in src.files]
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
    if src.layout == "grip":
        write_grip(paths[0], bands, src.bit_depth, size, src.sensor)
    elif src.layout == "unit":
        scipy.io.savemat(paths[0], {"gt": rng.uniform(0, 1, (size, size, bands)),
                                    "lrms": rng.uniform(0, 1, (h, h, bands)), "pan": rng.uniform(0, 1, (size, size))})
    elif src.layout == "toolbox":
        scipy.io.savemat(paths[0], {"I_MS_LR": rng.integers(1, full, (h, h, bands)).astype(dtype),
                                    "I_PAN": rng.integers(1, full, (size, size)).astype(dtype)})
    elif src.layout == "tif_pair":
        arrays = [rng.integers(1, full, (bands, h, h)), rng.integers(1, full, (1, size, size)),
                  rng.integers(1, full, (bands, size, size))]
        for p, a, res in zip(paths, arrays, (2.0 * r, 2.0, 2.0)):
            _write_tif(p, a.astype(dtype), 500000.0, 5700000.0, res)
    else:  # pragma: no cover - a new layout needs a writer here
        raise ValueError(f"no fixture writer for layout {src.layout!r}")


def make(root: str | Path, names=None, size: int = 32) -> list[str]:
    from fusionzoo.datasets import PUBLIC_SCENES

    root = Path(root)
    names = list(PUBLIC_SCENES) if names is None else list(names)
    rng = np.random.default_rng(0)
    for n in names:
        _write(PUBLIC_SCENES[n], root, size, rng)
    return names


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "scenes_fixture")
    print(make(out, sys.argv[2:] or None))
