"""PanCollection (Deng et al.): the pansharpening benchmark as distributed by its authors, HDF5 files with the
datasets ``gt``, ``ms``, ``lms``, ``pan`` of shape (N, C, H, W), float64 digital numbers (torchgeo
``NonGeoDataset``, dict samples as :mod:`.common` describes)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
from torchgeo.datasets import NonGeoDataset
from torchgeo.datasets.errors import DatasetNotFoundError

from .scenes import Scene
from .common import plot_pansharpening_sample

__all__ = ["PanCollection", "PanCollectionNotFoundError"]


class PanCollectionNotFoundError(DatasetNotFoundError):
    """A PanCollection file is missing; the message says where to get it and where to put it."""

    def __init__(self, message: str) -> None:  # noqa: D107 - the torchgeo base builds a generic message
        FileNotFoundError.__init__(self, message)


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

