"""Single pansharpening scenes: readers for the common file layouts and a catalogue of public real scenes.

A :class:`Scene` holds one image pair as float tensors on fusionzoo's [0, 1] scale (``DN / (2**bits - 1)``):
``ms`` (C, h, w) and ``pan`` (1, H, W) with ``H = ratio * h``; a reduced-resolution scene also has its
reference ``gt`` (C, H, W).

Layouts read here:

* toolbox ``.mat`` (Vivone et al.): ``I_MS_LR`` (h, w, C), ``I_PAN`` (H, W), optional ``I_MS``, ``I_GT``, ``sensor``;
* GRIP ``.mat`` (Scarpa et al.): ``I_MS``, ``I_PAN``, ``L`` (bits), ``ratio``, ``sensor``;
* ``gt`` / ``lrms`` / ``pan`` ``.mat`` files already on a [0, 1] scale (e.g. the CDIF test scenes);
* PAN + MS GeoTIFF pairs (MS band-interleaved, PAN single band).

:data:`PUBLIC_SCENES` names real scenes from public research repositories (source, licence, layout); they
are read from a local ``root`` folder that the user fills (fusionzoo never redistributes them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ...sensors import get_sensor

__all__ = ["Scene", "SceneSource", "PUBLIC_SCENES", "load_scene", "read_mat", "crop_to_ratio"]


@dataclass
class Scene:
    """One pansharpening image pair on the [0, 1] scale."""

    name: str
    ms: torch.Tensor  # (C, h, w) low-resolution MS
    pan: torch.Tensor  # (1, H, W)
    sensor: str
    bit_depth: int
    ratio: int
    gt: torch.Tensor | None = None  # (C, H, W) reference (reduced-resolution scenes only)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def reduced(self) -> bool:
        return self.gt is not None

    def __post_init__(self) -> None:
        if self.ms.dim() != 3 or self.pan.dim() != 3 or self.pan.shape[0] != 1:
            raise ValueError(f"{self.name}: ms must be (C, h, w) and pan (1, H, W), got {tuple(self.ms.shape)} "
                             f"and {tuple(self.pan.shape)}")
        h, w = self.ms.shape[-2:]
        if tuple(self.pan.shape[-2:]) != (self.ratio * h, self.ratio * w):
            raise ValueError(f"{self.name}: pan {tuple(self.pan.shape[-2:])} is not ratio {self.ratio} times ms "
                             f"{(h, w)}")
        for k in ("ms", "pan", "gt"):
            t = getattr(self, k)
            if t is not None and torch.isnan(t).any():
                raise ValueError(f"{self.name}: {k} contains NaN values")


def read_mat(path: str | Path) -> dict[str, Any]:
    """Read a MATLAB file, v5 (scipy) or v7.3 (HDF5, h5py; arrays transposed back to MATLAB order)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    import scipy.io

    try:
        d = scipy.io.loadmat(path)
        return {k: v for k, v in d.items() if not k.startswith("__")}
    except NotImplementedError:  # v7.3
        import h5py

        out = {}
        with h5py.File(path, "r") as f:
            for k, v in f.items():
                if isinstance(v, h5py.Dataset):
                    a = v[()]
                    out[k] = a.T if isinstance(a, np.ndarray) else a
        return out


def _hwc_to_chw(a: np.ndarray) -> torch.Tensor:
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 2:
        a = a[:, :, None]
    return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))


def _scalar(v: Any) -> Any:
    a = np.asarray(v).ravel()
    return a[0].item() if a.dtype.kind in "iuf" else str(a[0])


def crop_to_ratio(ms: torch.Tensor, pan: torch.Tensor, ratio: int, multiple: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Crop (top-left anchored) so that pan is exactly ``ratio`` times ms and ms is a multiple of ``multiple``."""
    h = min(ms.shape[-2], pan.shape[-2] // ratio) // multiple * multiple
    w = min(ms.shape[-1], pan.shape[-1] // ratio) // multiple * multiple
    return ms[..., :h, :w], pan[..., : h * ratio, : w * ratio]


def load_toolbox_mat(path: Path, name: str, sensor: str, bit_depth: int, ratio: int) -> Scene:
    d = read_mat(path)
    if "I_MS_LR" not in d or "I_PAN" not in d:
        raise KeyError(f"{path}: not a toolbox .mat file (needs I_MS_LR and I_PAN, has {sorted(d)})")
    s = 2**bit_depth - 1
    gt = _hwc_to_chw(d["I_GT"]) / s if "I_GT" in d else None
    return Scene(name, _hwc_to_chw(d["I_MS_LR"]) / s, _hwc_to_chw(d["I_PAN"]) / s, sensor, bit_depth, ratio, gt)


def load_grip_mat(path: Path, name: str, sensor: str, bit_depth: int | None, ratio: int | None) -> Scene:
    d = read_mat(path)
    if "I_MS" not in d or "I_PAN" not in d:
        raise KeyError(f"{path}: not a GRIP .mat file (needs I_MS and I_PAN, has {sorted(d)})")
    bits = int(_scalar(d["L"])) if "L" in d else bit_depth
    r = int(_scalar(d["ratio"])) if "ratio" in d else ratio
    s = 2**bits - 1
    return Scene(name, _hwc_to_chw(d["I_MS"]) / s, _hwc_to_chw(d["I_PAN"]) / s, sensor, bits, r,
                 meta={"file_sensor": _scalar(d["sensor"]) if "sensor" in d else None})


def load_unit_mat(path: Path, name: str, sensor: str, bit_depth: int, ratio: int) -> Scene:
    """``gt`` / ``lrms`` / ``pan`` already on [0, 1] (reduced resolution with reference)."""
    d = read_mat(path)
    if not {"gt", "lrms", "pan"} <= set(d):
        raise KeyError(f"{path}: expected keys gt, lrms, pan, has {sorted(d)}")
    return Scene(name, _hwc_to_chw(d["lrms"]), _hwc_to_chw(d["pan"]), sensor, bit_depth, ratio, _hwc_to_chw(d["gt"]))


def _read_tif(path: Path) -> np.ndarray:
    import rasterio

    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    with rasterio.open(path) as r:
        return r.read()


def load_tif_pair(ms_path: Path, pan_path: Path, name: str, sensor: str, bit_depth: int, ratio: int,
                  gt_path: Path | None = None) -> Scene:
    s = 2**bit_depth - 1
    ms = torch.from_numpy(_read_tif(ms_path).astype(np.float32)) / s
    pan = torch.from_numpy(_read_tif(pan_path).astype(np.float32)) / s
    ms, pan = crop_to_ratio(ms, pan, ratio)
    gt = torch.from_numpy(_read_tif(gt_path).astype(np.float32)) / s if gt_path is not None else None
    return Scene(name, ms.clamp(0, 1), pan.clamp(0, 1), sensor, bit_depth, ratio, gt)


@dataclass(frozen=True)
class SceneSource:
    """A real scene from a public repository: where it comes from, its terms and how to read it."""

    name: str
    files: tuple[str, ...]  # relative to the data root
    layout: str  # "toolbox", "grip", "unit", "tif_pair"
    sensor: str
    bit_depth: int
    ratio: int
    kind: str  # "full" or "reduced"
    source: str
    terms: str
    note: str = ""

    def load(self, root: str | Path) -> Scene:
        root = Path(root)
        paths = [root / f for f in self.files]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise FileNotFoundError(
                f"scene {self.name!r}: missing {', '.join(missing)}. Get it from {self.source} and place it "
                f"under {root} as {', '.join(self.files)}")
        loader: Callable[..., Scene] = {
            "toolbox": load_toolbox_mat, "grip": load_grip_mat, "unit": load_unit_mat}.get(self.layout)  # type: ignore[assignment]
        if loader is not None:
            scene = loader(paths[0], self.name, self.sensor, self.bit_depth, self.ratio)
        elif self.layout == "tif_pair":
            scene = load_tif_pair(paths[0], paths[1], self.name, self.sensor, self.bit_depth, self.ratio,
                                  paths[2] if len(paths) > 2 else None)
        else:
            raise ValueError(f"unknown layout {self.layout!r}")
        scene.meta.update(source=self.source, terms=self.terms, kind=self.kind)
        get_sensor(self.sensor, num_bands=scene.ms.shape[0])  # band count agrees with the sensor
        return scene


_GRIP = "sergiovitale/pansharpening-cnn-python-version @ 08e10d7 (GRIP-UNINA)"
_GRIP_TERMS = "GRIP-UNINA: non-profit use only, cite"
PUBLIC_SCENES: dict[str, SceneSource] = {
    s.name: s
    for s in [
        SceneSource("wv3_cdif", ("pansharpening/wv3_cdif/WV3_test.mat",), "unit", "WV3", 11, 4, "reduced",
                    "liangjiandeng/CDIF @ 8e6bcbd (WV3_test.mat)", "Apache-2.0"),
        SceneSource("pleiades_cdif", ("pansharpening/pleiades_cdif/Pleiades_test.mat",), "unit", "PLEIADES", 12,
                    4, "reduced", "liangjiandeng/CDIF @ 8e6bcbd (Pleiades_test.mat)", "Apache-2.0"),
        SceneSource("qb_abfnet_test", ("pansharpening/qb_abfnet/reduced_res_test/0_lr.tif",
                                       "pansharpening/qb_abfnet/reduced_res_test/0_pan.tif",
                                       "pansharpening/qb_abfnet/reduced_res_test/0_mul.tif"), "tif_pair", "QB",
                    11, 4, "reduced", "hunchteller/ABFNet_Pansharpening @ 8173bb6", "none stated",
                    "low-resolution MS decimated at offset 0, not the toolbox's centre offset"),
        SceneSource("qb_abfnet_full", ("pansharpening/qb_abfnet/full_res/0_lr.tif",
                                       "pansharpening/qb_abfnet/full_res/0_pan.tif"), "tif_pair", "QB", 11, 4,
                    "full", "hunchteller/ABFNet_Pansharpening @ 8173bb6", "none stated"),
        SceneSource("wv2_grip", ("pansharpening/grip_wv2_ikonos_geoeye1/imgWV2.mat",), "grip", "WV2", 11, 4,
                    "full", _GRIP, _GRIP_TERMS),
        SceneSource("ikonos_grip", ("pansharpening/grip_wv2_ikonos_geoeye1/imgIK.mat",), "grip", "IKONOS", 11, 4,
                    "full", _GRIP, _GRIP_TERMS),
        SceneSource("geoeye1_grip", ("pansharpening/grip_wv2_ikonos_geoeye1/imgGE1.mat",), "grip", "GE1", 8, 4,
                    "full", _GRIP, _GRIP_TERMS, "stored at 8 bits"),
        SceneSource("wv3_zpnn", ("pansharpening/wv3_zpnn/WV3_example.mat",), "toolbox", "WV3", 11, 4, "full",
                    "matciotola/Z-PNN @ 0bcea2f", "GRIP-UNINA non-profit"),
        SceneSource("wv2_rio", ("pansharpening/wv2_rio/WV2RioMSLR.tif", "pansharpening/wv2_rio/WV2RioPAN.tif"),
                    "tif_pair", "WV2", 11, 4, "full", "hasandc/Pansharpening (97f078c, d5df585)", "none stated",
                    "float32 DN; a reduced-resolution input pair without reference, used here as a scene"),
        SceneSource("wv3_spacenet_shanghai", ("pansharpening/spacenet3_shanghai_wv3/MUL_AOI_4_Shanghai_img1920.tif",
                                              "pansharpening/spacenet3_shanghai_wv3/PAN_AOI_4_Shanghai_img1920.tif"),
                    "tif_pair", "WV3", 11, 4, "full", "SpaceNet 3 AOI 4 Shanghai img1920 (sshuair/torchsat @ a737212)",
                    "CC BY-SA 4.0"),
    ]
}


def load_scene(name: str, root: str | Path) -> Scene:
    """Load a scene of :data:`PUBLIC_SCENES` from ``root``."""
    if name not in PUBLIC_SCENES:
        raise KeyError(f"unknown scene {name!r}; known: {', '.join(PUBLIC_SCENES)}")
    return PUBLIC_SCENES[name].load(root)
