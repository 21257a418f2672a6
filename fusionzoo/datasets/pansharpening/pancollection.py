"""Pansharpening datasets in the published file layouts (torchgeo ``NonGeoDataset``, dict samples).

* :class:`PanCollection`: the PanCollection benchmark (Deng et al.) as distributed by its authors, HDF5
  files with the datasets ``gt``, ``ms``, ``lms``, ``pan`` of shape (N, C, H, W), float64 digital numbers.
* :class:`ToolboxScenes`: a folder of single-scene ``.mat`` files of the pansharpening toolbox (Vivone et
  al.): ``I_MS_LR``, ``I_MS`` (upsampled), ``I_PAN``, optional ``I_GT``, ``sensor``.
* :class:`GripScenes`: a folder of GRIP-UNINA ``.mat`` files (Scarpa et al.): ``I_MS``, ``I_PAN``, ``L``
  (bits), ``ratio``, ``sensor``.
* :class:`GeoTiffPairs`: a folder of PAN + MS GeoTIFF pairs, checked with :func:`fusionzoo.io.read_pan_ms`
  (same CRS and extent, ratio from the image sizes agreeing with the transforms).

Every sample is ``{"ms": (C, h, w), "lms": (C, H, W), "pan": (1, H, W), "gt": (C, H, W) (when the
file has a reference), "sensor", "bit_depth", "scale", "ratio", "name"}`` with the images as float32 on
fusionzoo's [0, 1] scale (``DN / scale``, ``scale = 2**bit_depth - 1``) and ``lms`` the MS upsampled to the
PAN grid (as stored where the file has it, else by the 23-tap interpolator).  ``dataset.scene(i)`` gives
the same image pair as a :class:`~fusionzoo.datasets.scenes.Scene`, e.g. for
:func:`fusionzoo.benchmark.run_pansharpening_benchmark`.

The ``.mat`` and GeoTIFF readers are those of :mod:`fusionzoo.datasets.scenes` and :mod:`fusionzoo.io`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
from torchgeo.datasets import NonGeoDataset
from torchgeo.datasets.errors import DatasetNotFoundError

from ..sensors import Sensor, get_sensor
from .scenes import Scene, _hwc_to_chw, load_grip_mat, load_toolbox_mat, read_mat

__all__ = ["PanCollection", "ToolboxScenes", "GripScenes", "GeoTiffPairs", "PanCollectionNotFoundError",
           "plot_pansharpening_sample"]


# --------------------------------------------------------------------------------------------- helpers
class PanCollectionNotFoundError(DatasetNotFoundError):
    """A PanCollection file is missing; the message says where to get it and where to put it."""

    def __init__(self, message: str) -> None:  # noqa: D107 - the torchgeo base builds a generic message
        FileNotFoundError.__init__(self, message)


def _upsample(ms: torch.Tensor, ratio: int) -> torch.Tensor:
    """The MS on the PAN grid by the 23-tap interpolator (as the toolbox and PanCollection's ``lms``)."""
    from ..ops import interp23tap

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

    from ..io import rgb_indexes_for, stretch

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


# ------------------------------------------------------------------------------------------ PanCollection
_DRIVE = "https://drive.google.com/drive/folders/"
_BAIDU = "https://pan.baidu.com/s/"


class PanCollection(NonGeoDataset):
    """The PanCollection pansharpening benchmark (WorldView-3, QuickBird, GaoFen-2, WorldView-2).

    Project page: https://github.com/liangjiandeng/PanCollection (also
    https://liangjiandeng.github.io/PanCollection.html); described in Deng et al., "Machine Learning in
    Pansharpening: A Benchmark, from Shallow to Deep Networks", IEEE GRSM 2022, and Deng et al., Journal of
    Image and Graphics 2022.  Reduced-resolution data were simulated from the original images by Wald's
    protocol (MTF-matched filter, decimation by 4).

    Files (HDF5, float64 digital numbers, arrays (N, C, H, W)):

    ============  ===========================================  ===================================
    split         file                                         datasets
    ============  ===========================================  ===================================
    train         ``train_<sensor>.h5``                        gt, ms, lms, pan (64 x 64 patches)
    val           ``valid_<sensor>.h5``                        gt, ms, lms, pan (64 x 64 patches)
    test          ``test_<sensor>_multiExm1.h5``               gt, ms, lms, pan (20 images, 256 x 256)
    test_full     ``test_<sensor>_OrigScale_multiExm1.h5``     ms, lms, pan (20 images, 512 x 512, no gt)
    ============  ===========================================  ===================================

    Sensors ``wv3`` (8 bands), ``qb`` (4), ``gf2`` (4), ``wv2`` (8, test files only); the data are scaled
    to [0, 1] by 2047, 2047, 1023, 2047 (11, 11, 10, 11 bits).  ``ms`` is the low-resolution MS, ``lms``
    the MS upsampled to the PAN grid, ``pan`` the panchromatic image, ``gt`` the reference.

    Download: the authors distribute the files only through Google Drive and Baidu Cloud folders
    (:attr:`urls`, :attr:`baidu_urls`, password ``1234``); they cannot be fetched automatically, so
    ``download=True`` raises an error that says so.  Put each file under ``root`` (any sub-folder: the file
    is found by name, e.g. ``root/training_data/train_wv3.h5`` or ``root/test_data/WV3/...``), or name
    the files explicitly with ``files={"test": "/path/to/test_wv3_multiExm1.h5"}``.

    Checksums: PanCollection publishes none (neither md5 nor sha256), so :attr:`md5s` is empty; instead
    the structure of each file is verified when it is opened (the four datasets, their ranks, one sample
    count, the sensor's band count, PAN = 4 x MS, ``lms`` and ``gt`` on the PAN grid).

    Args:
        root: folder holding the files (searched recursively by file name).
        sensor: ``"wv3"``, ``"qb"``, ``"gf2"`` or ``"wv2"``.
        split: ``"train"``, ``"val"`` (``"valid"`` also accepted), ``"test"`` (reduced resolution) or
            ``"test_full"`` (full resolution, no ``gt``).
        files: optional ``{split: path}`` overriding the file of a split (relative paths are under
            ``root``).
        transforms: a function applied to each sample dict.
        download: must stay ``False`` (the default): see above.
    """

    sensors: dict[str, tuple[str, int, int]] = {  # key -> (fusionzoo sensor, bands, scale)
        "wv3": ("WV3", 8, 2047),
        "qb": ("QB", 4, 2047),
        "gf2": ("GF2", 4, 1023),
        "wv2": ("WV2", 8, 2047),
    }
    splits = ("train", "val", "test", "test_full")
    filenames = {
        "train": "train_{sensor}.h5",
        "val": "valid_{sensor}.h5",
        "test": "test_{sensor}_multiExm1.h5",
        "test_full": "test_{sensor}_OrigScale_multiExm1.h5",
    }
    ratio = 4
    #: Google Drive folders of the official README; training folders hold ``train_`` and ``valid_`` files.
    urls: dict[str, dict[str, str]] = {
        "wv3": {"train": _DRIVE + "1CHs49xius3zH3PIrAxAkbNfKEy82_fMb", "val": _DRIVE + "1CHs49xius3zH3PIrAxAkbNfKEy82_fMb",
                "test": _DRIVE + "1EYjaAxTheNPvukvifKXMq8m_dJ-8qz8G", "test_full": _DRIVE + "1x3b3ERBXKGXncTRL3gKcidV5BBdG2QjC"},
        "qb": {"train": _DRIVE + "1Gbk0oaXepD4tuIZIr0PMro4uJ8xUP9vG", "val": _DRIVE + "1Gbk0oaXepD4tuIZIr0PMro4uJ8xUP9vG",
               "test": _DRIVE + "1g4kB3Yxmn6Y8_OCqE1Mra1GoUKCmHOUm", "test_full": _DRIVE + "1E55TDuIRZlncPbzLSk1RIlYuO03vK2os"},
        "gf2": {"train": _DRIVE + "1gNV7BlGy06ee0BqgxBfFMNnfzGrPTA9K", "val": _DRIVE + "1gNV7BlGy06ee0BqgxBfFMNnfzGrPTA9K",
                "test": _DRIVE + "1g4f2NElV7By2gWhCavrDaglzCxiDT6CP", "test_full": _DRIVE + "17ZI94qlPXhsKE3iw94RHcSNPSeRNv3_L"},
        "wv2": {"test": _DRIVE + "1bpx99ewDRhe8jgAnr4XUMxvb2PqMxKk4", "test_full": _DRIVE + "1uIYVnceftT3KjM_WRLwMpy0IOgpNmMIv"},
    }
    #: Baidu Cloud mirrors of the same folders (password 1234).
    baidu_urls: dict[str, dict[str, str]] = {
        "wv3": {"train": _BAIDU + "18IlBDl4Xq7BdSn6XXYNoJg", "val": _BAIDU + "18IlBDl4Xq7BdSn6XXYNoJg",
                "test": _BAIDU + "1vh3ZxAovRRw_j10MBR_Pmg", "test_full": _BAIDU + "1AaSSMtk0AnlK_qBS8te8pA"},
        "qb": {"train": _BAIDU + "1lWmRpTZoMpwlyFZ5UjSzRg", "val": _BAIDU + "1lWmRpTZoMpwlyFZ5UjSzRg",
               "test": _BAIDU + "1OHUTvuyQJ-QTbl_kuAhxNA", "test_full": _BAIDU + "1IROZUFI3uh1uZz8IYV0cGw"},
        "gf2": {"train": _BAIDU + "1d70Ld7q2xDnvn4MqP1rtVA", "val": _BAIDU + "1d70Ld7q2xDnvn4MqP1rtVA",
                "test": _BAIDU + "17NauhNaYgTeOiScrqceLIg", "test_full": _BAIDU + "1sAVmBROQMUvKCqZuL5xJNw"},
        "wv2": {"test": _BAIDU + "1K5R0BW7QsoeHZwG65Q50fg", "test_full": _BAIDU + "1-LvVyUtsvOa1pxoOI_jD5w"},
    }
    #: No checksum is published by the PanCollection project; the file structure is verified instead.
    md5s: dict[str, str] = {}

    def __init__(self, root: str | os.PathLike = "data", sensor: str = "wv3", split: str = "train",
                 files: Mapping[str, str | os.PathLike] | None = None,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                 download: bool = False) -> None:
        key = str(sensor).lower().replace("-", "")
        if key not in self.sensors:
            raise ValueError(f"sensor must be one of {', '.join(self.sensors)}, got {sensor!r}")
        split = "val" if split == "valid" else split
        if split not in self.splits:
            raise ValueError(f"split must be one of {', '.join(self.splits)}, got {split!r}")
        if split not in self.urls[key] and not (files and split in files):
            raise ValueError(f"PanCollection has no {split} data for {key} (it has: "
                             f"{', '.join(self.urls[key])}); WorldView-2 is a test-only set")
        self.root = Path(root).expanduser()
        self.sensor_key, self.split, self.transforms, self.download = key, split, transforms, download
        self.sensor, num_bands, self.scale = self.sensors[key]
        self.bit_depth = int(round(np.log2(self.scale + 1)))
        self.filename = self.filenames[split].format(sensor=key)
        self.path = self._find(files)
        self._h5: Any = None
        self._pid: int | None = None
        self.length, self.has_gt = self._verify(num_bands)

    # --- files
    def _find(self, files: Mapping[str, str | os.PathLike] | None) -> Path:
        if files and self.split in files:
            p = Path(files[self.split]).expanduser()
            p = p if p.is_absolute() else self.root / p
            if p.is_file():
                return p
            candidates: list[Path] = []
        else:
            p = self.root / self.filename
            if p.is_file():
                return p
            candidates = sorted(self.root.rglob(self.filename)) if self.root.is_dir() else []
        if candidates:
            return candidates[0]
        url = self.urls[self.sensor_key].get(self.split, "")
        baidu = self.baidu_urls[self.sensor_key].get(self.split, "")
        where = (f"Download it from the PanCollection project ({url} on Google Drive, or {baidu} on Baidu Cloud, "
                 f"password 1234; see https://github.com/liangjiandeng/PanCollection) and put it at {p} (any "
                 f"sub-folder of {self.root} works: the file is found by name)")
        if self.download:
            raise PanCollectionNotFoundError(
                f"PanCollection {self.sensor_key} {self.split}: {p.name} cannot be downloaded automatically: "
                f"the authors distribute it only through Google Drive / Baidu Cloud folders, which need a "
                f"browser (or a Drive client such as `gdown --folder URL`). {where}")
        raise PanCollectionNotFoundError(f"PanCollection {self.sensor_key} {self.split} file {p.name} not found "
                                         f"under {self.root}. {where}")

    def _verify(self, num_bands: int) -> tuple[int, bool]:
        """Check the structure of the HDF5 file (no checksum is published); returns (N, has_gt)."""
        import h5py

        p = self.path
        try:
            f = h5py.File(p, "r")
        except OSError as e:
            raise ValueError(f"{p} is not a readable HDF5 file ({e}); download it again") from e
        with f:
            need = ("ms", "lms", "pan") + (("gt",) if self.split != "test_full" else ())
            missing = [k for k in need if k not in f]
            if missing:
                raise ValueError(f"{p}: not a PanCollection file, missing dataset(s) {', '.join(missing)} "
                                 f"(has {', '.join(sorted(f.keys()))}); expected gt/ms/lms/pan arrays (N, C, H, W)")
            shapes = {k: tuple(f[k].shape) for k in ("gt", "ms", "lms", "pan") if k in f}
            bad = [f"{k} {s}" for k, s in shapes.items() if len(s) != 4]
            if bad:
                raise ValueError(f"{p}: datasets must be (N, C, H, W), got {', '.join(bad)}")
            ns = {s[0] for s in shapes.values()}
            if len(ns) != 1:
                raise ValueError(f"{p}: the datasets hold different numbers of samples: {shapes}")
            ms, pan, lms = shapes["ms"], shapes["pan"], shapes["lms"]
            r = self.ratio
            problems = []
            if ms[1] != num_bands:
                problems.append(f"ms has {ms[1]} bands, {self.sensor} has {num_bands}")
            if pan[1] != 1:
                problems.append(f"pan has {pan[1]} bands, not 1")
            if pan[2:] != (r * ms[2], r * ms[3]):
                problems.append(f"pan {pan[2:]} is not {r} x ms {ms[2:]}")
            if lms[1:] != (ms[1], *pan[2:]):
                problems.append(f"lms {lms[1:]} is not ms bands on the pan grid")
            if "gt" in shapes and shapes["gt"][1:] != lms[1:]:
                problems.append(f"gt {shapes['gt'][1:]} differs from lms {lms[1:]}")
            if problems:
                raise ValueError(f"{p}: unexpected PanCollection structure: {'; '.join(problems)}")
            return int(ms[0]), "gt" in shapes

    def _file(self):
        import h5py

        if self._h5 is None or self._pid != os.getpid():  # one handle per (worker) process
            self._h5 = h5py.File(self.path, "r")
            self._pid = os.getpid()
        return self._h5

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_h5"], state["_pid"] = None, None
        return state

    def __len__(self) -> int:
        return self.length

    def _arrays(self, index: int) -> dict[str, torch.Tensor]:
        if not -self.length <= index < self.length:
            raise IndexError(f"index {index} out of range for {self.length} samples")
        index %= self.length
        f = self._file()
        keys = ("ms", "lms", "pan") + (("gt",) if self.has_gt else ())
        return {k: torch.from_numpy(np.asarray(f[k][index], dtype=np.float64) / self.scale).float() for k in keys}

    def __getitem__(self, index: int) -> dict[str, Any]:
        sample: dict[str, Any] = self._arrays(index)
        sample.update(sensor=self.sensor, bit_depth=self.bit_depth, scale=float(self.scale), ratio=self.ratio,
                      name=f"{self.path.stem}[{index}]")
        if self.transforms is not None:
            sample = self.transforms(sample)
        return sample

    def scene(self, index: int) -> Scene:
        """Sample ``index`` as a :class:`Scene` (``gt`` included where the file has it)."""
        a = self._arrays(index)
        return Scene(f"pancollection_{self.sensor_key}_{self.split}_{index % self.length}", a["ms"], a["pan"],
                     self.sensor, self.bit_depth, self.ratio, a.get("gt"),
                     meta={"source": "PanCollection", "file": str(self.path), "index": index})

    def close(self) -> None:
        if self._h5 is not None:
            self._h5.close()
            self._h5 = None

    def plot(self, sample: Mapping[str, Any], show_titles: bool = True, suptitle: str | None = None,
             rgb: Sequence[int] | None = None):
        """Quicklook (upsampled MS, PAN, reference / prediction where present), 2-98 % stretch."""
        return plot_pansharpening_sample(sample, rgb, suptitle, show_titles)


# ------------------------------------------------------------------------------ folders of single scenes
class _SceneFolder(NonGeoDataset):
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


class ToolboxScenes(_SceneFolder):
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


class GripScenes(_SceneFolder):
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


class GeoTiffPairs(_SceneFolder):
    """A folder of PAN + MS GeoTIFF pairs (optionally with a reference GeoTIFF), paired by file name.

    A file whose name contains ``pan_token`` (case-insensitive) is a PAN; its MS is the file with that token
    replaced by ``ms_token`` and its reference, when ``gt_token`` is given, the file with ``gt_token``
    (e.g. SpaceNet's ``PAN_AOI_x.tif`` / ``MUL_AOI_x.tif``: ``pan_token="PAN", ms_token="MUL"``).  Each pair is
    read and checked by :func:`fusionzoo.io.read_pan_ms`: one PAN band, same CRS, same extent, an integer
    ratio from the image sizes that the transforms agree with; a disagreement raises
    :class:`fusionzoo.io.GeoreferenceError` (``check_georef=False`` pairs the images by their sizes alone).

    Args:
        root: the folder.
        sensor: the sensor (``'WV3'``, ``'QB'``, ... or ``'generic'``); GeoTIFFs do not say.
        bit_depth: the radiometric resolution (default: 8 for uint8 files, else the sensor's).
        ratio: the expected ratio (default: whatever the pair has).
        pan_token, ms_token, gt_token: the file-name tokens, see above.
        pattern: file name pattern of the candidates (``*.tif*``).
        check_georef: check the georeference of each pair.
        transforms: a function applied to each sample dict.
    """

    def __init__(self, root: str | os.PathLike = "data", sensor: str = "generic", bit_depth: int | None = None,
                 ratio: int | None = None, pan_token: str = "pan", ms_token: str = "ms", gt_token: str | None = None,
                 pattern: str = "*.tif*", check_georef: bool = True,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        root_p = Path(root).expanduser()
        tok = re.compile(re.escape(pan_token), re.IGNORECASE)
        self.pairs: list[tuple[Path, Path, Path | None]] = []
        unpaired = []
        for p in _glob(root_p, pattern):
            if not tok.search(p.name):
                continue
            ms_p = p.with_name(tok.sub(ms_token, p.name, count=1))
            gt_p = p.with_name(tok.sub(gt_token, p.name, count=1)) if gt_token else None
            if ms_p == p or not ms_p.is_file() or (gt_p is not None and not gt_p.is_file()):
                unpaired.append(p.name)
                continue
            self.pairs.append((p, ms_p, gt_p))
        if unpaired and not self.pairs:
            want = f"'{ms_token}'" + (f" and '{gt_token}'" if gt_token else "")
            raise FileNotFoundError(f"{root_p}: PAN file(s) {', '.join(unpaired)} have no partner with "
                                    f"'{pan_token}' replaced by {want}; set pan_token / ms_token / gt_token")
        super().__init__(root, [pp for pp, _, _ in self.pairs], transforms,
                         f"PAN files (name containing {pan_token!r}) matching {pattern!r}")
        self.unpaired = unpaired
        self.sensor, self.bit_depth, self.ratio, self.check_georef = sensor, bit_depth, ratio, check_georef

    def _load(self, index: int) -> tuple[Scene, torch.Tensor | None]:
        from ..io import ImageryError, read_geotiff, read_pan_ms

        pan_p, ms_p, gt_p = self.pairs[self.paths.index(self._path(index))]
        pair = read_pan_ms(pan_p, ms_p, ratio=self.ratio, check_georef=self.check_georef)
        c = pair["ms"].shape[0]
        s = _resolve_sensor(self.sensor, c, str(pan_p))
        bits = self.bit_depth or (8 if pair["dtype"] == np.uint8 else s.bit_depth)
        scale = float(2**bits - 1)
        gt = None
        if gt_p is not None:
            g, _ = read_geotiff(gt_p, "reference")
            if g.shape != (c, *pair["pan"].shape[-2:]):
                raise ImageryError(f"reference {gt_p} is {g.shape}, expected {(c, *pair['pan'].shape[-2:])} "
                                   f"(the MS bands on the PAN grid)")
            gt = torch.from_numpy(g.astype(np.float32) / scale)
        ms = torch.from_numpy(pair["ms"].astype(np.float32) / scale)
        pan = torch.from_numpy(pair["pan"].astype(np.float32) / scale)
        scene = Scene(pan_p.stem, ms, pan, s.name, bits, pair["ratio"], gt,
                      meta={"path": str(pan_p), "ms_path": str(ms_p), "crs": pair["crs"],
                            "transform": pair["transform"]})
        return scene, None
