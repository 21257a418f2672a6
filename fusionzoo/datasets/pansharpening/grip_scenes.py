"""A folder of GRIP-UNINA ``.mat`` scenes (Scarpa et al.)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from .scenes import Scene, load_grip_mat, read_mat
from .common import SceneFolder, _glob, _mat_int, _mat_string, _resolve_sensor

__all__ = ["GripScenes"]


class GripScenes(SceneFolder):
    """A folder of GRIP-UNINA ``.mat`` scenes (Scarpa et al., e.g. the PNN / Z-PNN test images).

    Each file holds ``I_MS`` (h, w, C) (the low-resolution MS, despite the name), ``I_PAN`` (H, W), ``L`` (the
    bit depth), ``ratio``, ``sensor`` and often ``RGB_indexes`` (1-based), in digital numbers; full
    resolution, so samples have no ``gt``.  The arguments override what the files say.
    """

    def __init__(self, root: str | os.PathLike = "data", sensor: str | None = None, bit_depth: int | None = None,
                 ratio: int | None = None, pattern: str = "*.mat",
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        super().__init__(root, _glob(Path(root).expanduser(), pattern), transforms,
                         f"GRIP .mat files matching {pattern!r}")
        self.sensor, self.bit_depth, self.ratio = sensor, bit_depth, ratio

    def _load(self, index: int) -> tuple[Scene, torch.Tensor | None]:
        path = self._path(index)
        d = read_mat(path)
        if "I_MS" not in d or "I_PAN" not in d:
            raise KeyError(f"{path}: not a GRIP .mat file (needs I_MS and I_PAN, has {sorted(d)})")
        a = np.asarray(d["I_MS"])
        c = a.shape[2] if a.ndim == 3 else 1
        s = _resolve_sensor(self.sensor or _mat_string(d.get("sensor")), c, str(path))
        bits = self.bit_depth or _mat_int(d.get("L")) or s.bit_depth
        ratio = self.ratio or _mat_int(d.get("ratio")) or s.ratio
        # the file's L and ratio are the reader's defaults; explicit arguments win
        scene = load_grip_mat(path, path.stem, s.name, bits, ratio)
        if scene.bit_depth != bits or scene.ratio != ratio:
            scene = Scene(scene.name, scene.ms * (2**scene.bit_depth - 1) / (2**bits - 1),
                          scene.pan * (2**scene.bit_depth - 1) / (2**bits - 1), s.name, bits, ratio,
                          meta=scene.meta)
        rgb = d.get("RGB_indexes")
        scene.meta.update(path=str(path), file_sensor=_mat_string(d.get("sensor")),
                          rgb=[int(i) - 1 for i in np.asarray(rgb).ravel()] if rgb is not None else None)
        return scene, None

