"""Write tiny MUUFL Gulfport files, with synthetic values.

* ``make_flat``: the common flat form: ``HSI.mat`` key ``HSI`` float32 (H, W, 64), ``LiDAR.mat`` key ``LiDAR``
  float32 (H, W, 2), ``gt.mat`` key ``gt`` uint8 (H, W), 0 unlabelled, 1..11 (MATLAB v5).
* ``make_struct``: the GatorSense scene-label file ``muufl_gulfport_campus_1_hsi_220_label.mat``: a struct ``hsi``
  with ``Data`` (H, W, 64), ``Lidar`` (a 1 x 2 struct array with fields x, y, z (H, W, 2), info), ``sceneLabels``
  (``Materials_Type`` cell of names, ``labels`` double with -1 unlabelled), ``RGB``; MATLAB v5 (scipy) or v7.3
  (HDF5 as MATLAB writes structs: groups, struct arrays as references into ``#refs#``).
  ``target=True`` writes the target-detection file ``muufl_gulfport_campus_w_lidar_1.mat`` instead: 337
  columns, 72 bands, no ``sceneLabels`` (plus a flat ``gt.mat``).

Class c (1..11) occupies 3 + 2 c pixels of row c - 1.  ``python make_fixture.py OUT``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import h5py
import numpy as np
import scipy.io

SIZE = (12, 30)
NAMES = ("trees", "mostly grass", "mixed ground surface", "dirt and sand", "road", "water", "building shadow",
         "buildings", "sidewalk", "yellow curb", "cloth panels")


def labels(size=SIZE) -> np.ndarray:
    gt = np.zeros(size, np.uint8)
    for c in range(1, 12):
        gt[c - 1, :3 + 2 * c] = c
    return gt


def cube(size=SIZE, bands: int = 64) -> np.ndarray:
    i, j, k = np.meshgrid(np.arange(size[0]), np.arange(size[1]), np.arange(bands), indexing="ij")
    return (0.01 * k + 0.001 * i + 0.0001 * j).astype(np.float32)


def lidar(size=SIZE) -> np.ndarray:
    i, j = np.meshgrid(np.arange(size[0]), np.arange(size[1]), indexing="ij")
    return np.stack([i + 0.1 * j, 100.0 + 3 * j], axis=-1).astype(np.float32)


def make_flat(root: str | Path, size=SIZE) -> Path:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(root / "HSI.mat", {"HSI": cube(size)})
    scipy.io.savemat(root / "LiDAR.mat", {"LiDAR": lidar(size)})
    scipy.io.savemat(root / "gt.mat", {"gt": labels(size)})
    return root


def _mat73_header(path: Path) -> None:
    head = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    with open(path, "r+b") as f:
        f.write(head.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02" + b"IM")


def _ds(group, name: str, a: np.ndarray, cls: str):
    d = group.create_dataset(name, data=np.asarray(a).T)
    d.attrs["MATLAB_class"] = np.bytes_(cls)
    return d


def make_struct(root: str | Path, version: str = "v5", target: bool = False, size=SIZE) -> Path:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    h, w = size
    if target:  # the detection scene: 337 columns (the scene labels cover the first 220), 72 bands
        w = w + 117
    data = cube((h, w), 72 if target else 64)
    z = lidar((h, w))
    lab = np.where(labels(size) > 0, labels(size).astype(np.float64), -1.0)
    name = "muufl_gulfport_campus_w_lidar_1.mat" if target else "muufl_gulfport_campus_1_hsi_220_label.mat"
    path = root / name
    if target:
        scipy.io.savemat(root / "gt.mat", {"gt": labels(size)})
    if version == "v5":
        lid = np.zeros((1, 2), dtype=[("x", "O"), ("y", "O"), ("z", "O"), ("info", "O")])
        for n in range(2):
            lid[0, n] = (np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64), z + n, f"flight {n + 1}")
        hsi = {"info": {"samples": float(w), "lines": float(h)}, "Data": data, "Lidar": lid,
               "RGB": np.zeros((h, w, 3), np.uint8)}
        if not target:
            hsi["sceneLabels"] = {"Materials_Type": np.array(NAMES, dtype=object), "labels": lab}
        scipy.io.savemat(path, {"hsi": hsi})
        return path
    with h5py.File(path, "w", userblock_size=512) as f:
        g = f.create_group("hsi")
        g.attrs["MATLAB_class"] = np.bytes_("struct")
        _ds(g, "Data", data, "single")
        _ds(g, "RGB", np.zeros((h, w, 3), np.uint8), "uint8")
        refs = f.create_group("#refs#")
        lg = g.create_group("Lidar")
        lg.attrs["MATLAB_class"] = np.bytes_("struct")
        zr = [_ds(refs, f"z{n}", z + n, "single").ref for n in range(2)]
        lg.create_dataset("z", data=np.array(zr, dtype=h5py.ref_dtype).reshape(2, 1))
        if not target:
            sl = g.create_group("sceneLabels")
            sl.attrs["MATLAB_class"] = np.bytes_("struct")
            _ds(sl, "labels", lab, "double")
    _mat73_header(path)
    return path


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "muufl_fixture"
    make_flat(Path(out) / "flat")
    print(make_struct(Path(out) / "struct"))
