"""Write tiny EndNet / MDL-RS Houston 2013 sets in the authors' formats, with synthetic values.

``make(root)`` writes, from the Houston 2013 fixture's split maps (``tests/data/houston2013``) and synthetic
rasters (144-band HS, 21-band "profile" image):

* ``HSI_LiDAR_FC/``: ``HSI_TrSet.mat`` (N_tr, 144), ``LiDAR_TrSet.mat`` (N_tr, 21), ``LiDAR_TeSet.mat`` (N_te, 21)
  float64 and ``TrLabel.mat`` / ``TeLabel.mat`` (N, 1) uint8 (no ``HSI_TeSet.mat``, as the authors' repository);
* ``HSI_LiDAR_CNN/``: ``LiDAR_TrSet.mat`` / ``LiDAR_TeSet.mat`` (N, 7*7*21) float64: the MATLAB column-major
  flattening of each 7 x 7 x 21 patch (element ``row + 7*col + 49*channel``, symmetric padding at the
  borders) and the labels;
* ``split_maps/``: the official ``..._Samples_TR.tif`` / ``_VA.tif``.

Samples are in row-major order over the maps.  MATLAB v5, one variable per file named as the file.
``python make_fixture.py OUT``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import scipy.io


def _houston2013():
    """The fixture script ``tests/data/houston2013`` (this one builds on it)."""
    repo = str(Path(__file__).resolve().parents[3])
    if repo not in sys.path:  # run as a script: the repository on the path
        sys.path.insert(0, repo)
    from tests.helpers import load_fixture

    return load_fixture("houston2013")


def rasters(size) -> dict[str, np.ndarray]:
    """Synthetic (C, H, W) float64 rasters in [0, 1]: ``hs`` (144), ``lidar`` (21)."""
    out = {}
    for m, c in (("hs", 144), ("lidar", 21)):
        k, i, j = np.meshgrid(np.arange(c), np.arange(size[0]), np.arange(size[1]), indexing="ij")
        out[m] = ((7 * k + 3 * i + j) % 97) / 96.0
    return out


def column_major_vectors(raster: np.ndarray, rows: np.ndarray, cols: np.ndarray, k: int = 7) -> np.ndarray:
    """(N, k*k*C): MATLAB's ``P(:)'`` of each k x k x C patch (rows fastest, then columns, then channels)."""
    h = k // 2
    p = np.pad(raster, ((0, 0), (h, h), (h, h)), mode="symmetric")
    out = np.empty((rows.size, k * k * raster.shape[0]))
    for n, (r, c) in enumerate(zip(rows, cols)):
        patch = p[:, r:r + k, c:c + k]  # (C, row, col)
        out[n] = patch.transpose(0, 2, 1).ravel()  # C order over (channel, col, row): row fastest
    return out


def make(root: str | Path, size=(12, 20)) -> Path:
    root = Path(root)
    hfx = _houston2013()
    maps_dir = root / "split_maps"
    hfx.make(maps_dir, with_hs=False, txts=False, size=size)
    (maps_dir / f"{hfx.PREFIX}_LiDAR.tif").unlink()
    tr, te = hfx.maps(size)
    ras = rasters(size)
    fc, cnn = root / "HSI_LiDAR_FC", root / "HSI_LiDAR_CNN"
    fc.mkdir(parents=True, exist_ok=True)
    cnn.mkdir(parents=True, exist_ok=True)
    for tag, m in (("Tr", tr), ("Te", te)):
        rr, cc = np.nonzero(m)  # row-major
        lab = m[rr, cc].astype(np.uint8)[:, None]
        for d in (fc, cnn):
            scipy.io.savemat(d / f"{tag}Label.mat", {f"{tag}Label": lab})
        scipy.io.savemat(fc / f"LiDAR_{tag}Set.mat", {f"LiDAR_{tag}Set": ras["lidar"][:, rr, cc].T})
        scipy.io.savemat(cnn / f"LiDAR_{tag}Set.mat", {f"LiDAR_{tag}Set": column_major_vectors(ras["lidar"], rr, cc)})
        if tag == "Tr":
            scipy.io.savemat(fc / "HSI_TrSet.mat", {"HSI_TrSet": ras["hs"][:, rr, cc].T})
    return root


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "mdlrs_fixture"))
