"""Write a tiny CAVE database in the official file format: per-band 16-bit grey PNGs ``<scene>_ms_NN.png``
(31 bands), the ``watercolors`` quirk (8-bit RGBA bands with R = G = B, A = 255) and ``<scene>_RGB.bmp``.

``make(root, nested=True)`` uses the official zip layout ``<scene>_ms/<scene>_ms/``; ``nested=False`` the
flattened one ``<scene>_ms/``.  Band ``k`` (1-based) of a scene holds ``value(scene_index, k, i, j)``.
Run as a script to write into a folder: ``python make_fixture.py OUT``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = (6, 5)  # rows, columns


def value(scene_index: int, band: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The stored value (16-bit scenes) of pixel (i, j) of band ``band`` (1-based)."""
    return (1000 * band + 100 * i + 7 * j + 3 * scene_index).astype(np.int64)


def value8(band: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The stored 8-bit value of the watercolors scene."""
    return ((7 * band + 11 * i + 3 * j) % 256).astype(np.int64)


def make(root: str | Path, scenes=("balloons", "watercolors"), nested: bool = True, size=SIZE) -> Path:
    root = Path(root)
    i, j = np.meshgrid(np.arange(size[0]), np.arange(size[1]), indexing="ij")
    for n, s in enumerate(scenes):
        folder = root / f"{s}_ms" / f"{s}_ms" if nested else root / f"{s}_ms"
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(1, 32):
            p = folder / f"{s}_ms_{k:02d}.png"
            if s == "watercolors":
                g = value8(k, i, j).astype(np.uint8)
                rgba = np.stack([g, g, g, np.full_like(g, 255)], axis=-1)
                Image.fromarray(rgba, mode="RGBA").save(p)
            else:
                Image.fromarray(value(n, k, i, j).astype(np.uint16)).save(p)  # mode I;16: 16-bit grey PNG
        rgb = np.zeros((*size, 3), np.uint8)
        rgb[..., 0] = 200
        Image.fromarray(rgb).save(folder / f"{s}_RGB.bmp")
    return root


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "cave_fixture"))
