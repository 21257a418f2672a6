"""Write tiny HySure demo files in their format (MATLAB v5): ``paris_data_hs_ms.mat`` with ``HSim`` (n, n, 128),
``MSim`` (n, n, 9) float64 and ``non_del_bands`` (1, 128) uint8; ``paris_data_hs_pan.mat`` with ``HSim``
(h, w, 128) and ``PCim`` (3h, 3w).  ``python make_fixture.py OUT``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.io

#: the Hyperion bands kept in the real files: 8..57 (VNIR) and 77..224 minus absorption bands; here any 128
NON_DEL = np.r_[8:58, 79:121, 133:165, 183:187].astype(np.uint8)


def make(root: str | Path, n: int = 6) -> Path:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    assert NON_DEL.size == 128
    rng = np.random.default_rng(0)
    hs = rng.uniform(0.01, 1.0, (n, n, 128))
    ms = rng.uniform(0.05, 1.4, (n, n, 9))
    scipy.io.savemat(root / "paris_data_hs_ms.mat", {"HSim": hs, "MSim": ms, "non_del_bands": NON_DEL[None]})
    scipy.io.savemat(root / "paris_data_hs_pan.mat", {"HSim": hs[:, : n - 1], "PCim": rng.uniform(0.2, 2, (3 * n, 3 * (n - 1))),
                                                      "non_del_bands": NON_DEL[None]})
    return root


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "hysure_fixture"))
