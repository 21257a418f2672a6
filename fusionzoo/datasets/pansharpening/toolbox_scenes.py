"""A folder of single-scene ``.mat`` files of the pansharpening toolbox (Vivone et al.)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from .scenes import Scene, _hwc_to_chw, load_toolbox_mat, read_mat
from .common import SceneFolder, _glob, _mat_int, _mat_string, _resolve_sensor

__all__ = ["ToolboxScenes"]


class ToolboxScenes(SceneFolder):
    """A folder of pansharpening-toolbox ``.mat`` scenes (Vivone et al.; MATLAB v5 or v7.3).

    Each file holds ``I_MS_LR`` (h, w, C), ``I_PAN`` (H, W), optionally ``I_MS`` (the MS upsampled to the
    PAN grid, used as ``lms``), ``I_GT`` (the reference of a reduced-resolution scene) and ``sensor``, all
    in digital numbers.  The [0, 1] scale uses ``bit_depth`` (default: the sensor's, e.g. 11 for WV3).

    Args:
        root: the folder.
        sensor: overrides the file's ``sensor`` (needed when the file has none, or ``'none'``).
        bit_depth: overrides the sensor's bit depth.
        ratio: resolution ratio (default: the file's ``ratio``, else the sensor's).
        pattern: file name pattern (``*.mat``).
        transforms: a function applied to each sample dict.
    """

    def __init__(self, root: str | os.PathLike = "data", sensor: str | None = None, bit_depth: int | None = None,
                 ratio: int | None = None, pattern: str = "*.mat",
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        super().__init__(root, _glob(Path(root).expanduser(), pattern), transforms,
                         f"toolbox .mat files matching {pattern!r}")
        self.sensor, self.bit_depth, self.ratio = sensor, bit_depth, ratio

    def _load(self, index: int) -> tuple[Scene, torch.Tensor | None]:
        path = self._path(index)
        d = read_mat(path)  # for the fields the scene reader does not keep (sensor, I_MS)
        if "I_MS_LR" not in d or "I_PAN" not in d:
            raise KeyError(f"{path}: not a toolbox .mat file (needs I_MS_LR and I_PAN, has {sorted(d)})")
        c = np.asarray(d["I_MS_LR"]).shape[2] if np.asarray(d["I_MS_LR"]).ndim == 3 else 1
        name = self.sensor or _mat_string(d.get("sensor"))
        s = _resolve_sensor(name, c, str(path))
        bits = self.bit_depth or s.bit_depth
        ratio = self.ratio or _mat_int(d.get("ratio")) or s.ratio
        scene = load_toolbox_mat(path, path.stem, s.name, bits, ratio)
        scene.meta.update(path=str(path), file_sensor=_mat_string(d.get("sensor")))
        lms = None
        if "I_MS" in d:
            lms = _hwc_to_chw(d["I_MS"]) / (2**bits - 1)
            if tuple(lms.shape) != (c, *scene.pan.shape[-2:]):
                raise ValueError(f"{path}: I_MS {tuple(lms.shape)} is not the MS on the PAN grid")
        return scene, lms

