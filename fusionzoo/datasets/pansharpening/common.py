"""What the pansharpening datasets share: the sample dict of a scene, its quicklook, and the base of the
datasets that are folders of single-scene files (:class:`SceneFolder`).

Every sample is ``{"ms": (C, h, w), "lms": (C, H, W), "pan": (1, H, W), "gt": (C, H, W) (when the file has a
reference), "sensor", "bit_depth", "scale", "ratio", "name"}`` with the images as float32 on fusionzoo's
[0, 1] scale (``DN / scale``, ``scale = 2**bit_depth - 1``) and ``lms`` the MS upsampled to the PAN grid (as
stored where the file has it, else by the 23-tap interpolator).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
from torchgeo.datasets import NonGeoDataset

from ...sensors import Sensor, get_sensor
from .scenes import Scene

# --------------------------------------------------------------------------------------------- helpers
def _upsample(ms: torch.Tensor, ratio: int) -> torch.Tensor:
    """The MS on the PAN grid by the 23-tap interpolator (as the toolbox and PanCollection's ``lms``)."""
    from ...ops import interp23tap

    return interp23tap(ms[None].float(), ratio)[0]


def _mat_string(v: Any) -> str | None:
    """A MATLAB char array as read by :func:`read_mat`: v5 gives numpy strings, v7.3 (HDF5) uint16 codes."""
    if v is None:
        return None
    a = np.asarray(v)
    if a.dtype.kind in "US":
        return str(a.ravel()[0]) if a.size else None
    if a.dtype.kind in "iu" and a.size:
        return "".join(chr(int(c)) for c in a.ravel(order="F") if int(c) != 0)
    return None


def _mat_int(v: Any) -> int | None:
    if v is None:
        return None
    a = np.asarray(v).ravel()
    return int(a[0]) if a.size and a.dtype.kind in "iuf" else None


def _resolve_sensor(name: str | Sensor | None, num_bands: int, where: str) -> Sensor:
    if name is None:
        raise ValueError(f"{where}: the sensor is not stored in the file; pass sensor=... (e.g. 'WV3', 'QB', "
                         f"or 'generic') and bit_depth=...")
    try:
        return get_sensor(name, num_bands=num_bands)
    except KeyError as e:
        raise ValueError(f"{where}: unknown sensor {name!r}; pass sensor=... (a known one or 'generic') and "
                         f"bit_depth=...") from e


def _scene_sample(scene: Scene, lms: torch.Tensor | None = None) -> dict[str, Any]:
    sample: dict[str, Any] = {"ms": scene.ms, "lms": lms if lms is not None else _upsample(scene.ms, scene.ratio),
                              "pan": scene.pan}
    if scene.gt is not None:
        sample["gt"] = scene.gt
    sample.update(sensor=scene.sensor, bit_depth=scene.bit_depth, scale=float(2**scene.bit_depth - 1),
                  ratio=scene.ratio, name=scene.name)
    return sample


def plot_pansharpening_sample(sample: Mapping[str, Any], rgb: Sequence[int] | None = None,
                              suptitle: str | None = None, show_titles: bool = True):
    """Quicklook of a pansharpening sample: upsampled MS, PAN, reference and prediction where present.

    Each RGB channel is stretched linearly between its 2nd and 98th percentiles
    (:func:`fusionzoo.io.stretch`).  ``rgb`` are 0-based band indexes (default: by band count,
    :func:`fusionzoo.io.rgb_indexes_for`).  Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    from ...io import rgb_indexes_for, stretch

    ms = sample["lms"] if "lms" in sample else sample["ms"]
    c = ms.shape[-3]
    idx = list(rgb) if rgb is not None else list(rgb_indexes_for(c))
    panels = [("MS (upsampled)" if "lms" in sample else "MS", ms), ("PAN", sample["pan"])]
    for key, title in (("gt", "reference"), ("prediction", "prediction")):
        if key in sample:
            panels.append((title, sample[key]))

    def rgb_image(t: torch.Tensor) -> np.ndarray:
        a = t.detach().cpu().double().numpy()
        if a.ndim == 4:
            a = a[0]
        bands = [0, 0, 0] if a.shape[0] == 1 else idx
        return np.stack([stretch(a[i]) for i in bands], axis=-1)

    fig, axs = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.4), squeeze=False)
    for ax, (title, img) in zip(axs[0], panels):
        ax.imshow(rgb_image(img), interpolation="nearest")
        if show_titles:
            ax.set_title(title)
        ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------ folders of single scenes
class SceneFolder(NonGeoDataset):
    """A folder of single-scene files, one sample per scene."""

    def __init__(self, root: str | os.PathLike, paths: Sequence[Path],
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None, what: str) -> None:
        self.root = Path(root).expanduser()
        self.transforms = transforms
        if not paths:
            raise FileNotFoundError(f"no {what} found in {self.root}")
        self.paths = list(paths)

    def __len__(self) -> int:
        return len(self.paths)

    def _path(self, index: int):
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} scenes")
        return self.paths[index]

    def _load(self, index: int) -> tuple[Scene, torch.Tensor | None]:  # pragma: no cover - abstract
        raise NotImplementedError

    def scene(self, index: int) -> Scene:
        """Scene ``index`` as a :class:`Scene`."""
        return self._load(index)[0]

    def __getitem__(self, index: int) -> dict[str, Any]:
        scene, lms = self._load(index)
        sample = _scene_sample(scene, lms)
        if self.transforms is not None:
            sample = self.transforms(sample)
        return sample

    def plot(self, sample: Mapping[str, Any], show_titles: bool = True, suptitle: str | None = None,
             rgb: Sequence[int] | None = None):
        """Quicklook (upsampled MS, PAN, reference / prediction where present), 2-98 % stretch."""
        return plot_pansharpening_sample(sample, rgb, suptitle, show_titles)


def _glob(root: Path, pattern: str) -> list[Path]:
    return sorted(p for p in root.glob(pattern) if p.is_file()) if root.is_dir() else []

