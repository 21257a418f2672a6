"""Datasets in the published layouts, on tiny fixtures written here in each exact format: PanCollection HDF5
files, toolbox and GRIP ``.mat`` files (MATLAB v5 through scipy, v7.3 through h5py), PAN + MS GeoTIFF pairs."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.io  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from fusionzoo.datamodules import PanCollectionDataModule  # noqa: E402
from fusionzoo.datasets import (GeoTiffPairs, GripScenes, PanCollection, PanCollectionNotFoundError,  # noqa: E402
                                Scene, ToolboxScenes)
from fusionzoo.io import GeoreferenceError  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "pansharpening"


# --- fixture writers ------------------------------------------------------------------------------------
def _dn(rng, shape, full):
    """float64 digital numbers, as PanCollection stores them."""
    return np.round(rng.uniform(0.05, 0.95, size=shape) * full)


def write_pancollection(path: Path, n: int, bands: int, ms_size: int, full: int, gt: bool = True, seed: int = 0,
                        drop: str | None = None) -> dict[str, np.ndarray]:
    """An h5 file with the official datasets: gt / ms / lms / pan, (N, C, H, W) float64 DN."""
    rng = np.random.default_rng(seed)
    H = 4 * ms_size
    arrays = {"ms": _dn(rng, (n, bands, ms_size, ms_size), full), "lms": _dn(rng, (n, bands, H, H), full),
              "pan": _dn(rng, (n, 1, H, H), full)}
    if gt:
        arrays["gt"] = _dn(rng, (n, bands, H, H), full)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        for k, v in arrays.items():
            if k != drop:
                f.create_dataset(k, data=v, dtype="float64")
    return arrays


def savemat73(path: Path, d: dict) -> None:
    """A MATLAB v7.3 file: HDF5 with the 512-byte MATLAB user block, arrays in column-major order
    (stored transposed), char arrays as uint16 with MATLAB_class 'char'."""
    with h5py.File(path, "w", userblock_size=512) as f:
        for k, v in d.items():
            if isinstance(v, str):
                ds = f.create_dataset(k, data=np.array([[ord(c)] for c in v], dtype=np.uint16))
                ds.attrs["MATLAB_class"] = np.bytes_("char")
            else:
                a = np.asarray(v)
                ds = f.create_dataset(k, data=a.T)
                ds.attrs["MATLAB_class"] = np.bytes_({"u": "uint16", "f": "double"}.get(a.dtype.kind, "double")
                                                     if a.dtype != np.uint8 else "uint8")
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    header = header.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02" + b"IM"
    with open(path, "r+b") as f:
        f.write(header)


# --- PanCollection --------------------------------------------------------------------------------------
@pytest.fixture()
def pc_root(tmp_path):
    root = tmp_path / "pancollection"
    files = {
        "train": write_pancollection(root / "training_data" / "train_wv3.h5", 5, 8, 16, 2047, seed=1),
        "val": write_pancollection(root / "validation_data" / "valid_wv3.h5", 3, 8, 16, 2047, seed=2),
        "test": write_pancollection(root / "test_data" / "WV3" / "test_wv3_multiExm1.h5", 2, 8, 64, 2047, seed=3),
        "test_full": write_pancollection(root / "test_data" / "WV3" / "test_wv3_OrigScale_multiExm1.h5", 1, 8, 32,
                                         2047, gt=False, seed=4),
    }
    return root, files


def test_pancollection_samples_scaling_metadata(pc_root):
    root, files = pc_root
    ds = PanCollection(root, sensor="wv3", split="train")
    assert len(ds) == 5 and ds.path.name == "train_wv3.h5"  # found in a sub-folder, by name
    s = ds[3]
    assert set(s) == {"ms", "lms", "pan", "gt", "sensor", "bit_depth", "scale", "ratio", "name"}
    assert s["ms"].shape == (8, 16, 16) and s["lms"].shape == (8, 64, 64) and s["pan"].shape == (1, 64, 64)
    assert s["gt"].shape == (8, 64, 64) and s["ms"].dtype == torch.float32
    for k in ("ms", "lms", "pan", "gt"):
        np.testing.assert_allclose(s[k].numpy(), files["train"][k][3] / 2047, rtol=1e-6)
    assert (s["sensor"], s["scale"], s["bit_depth"], s["ratio"]) == ("WV3", 2047.0, 11, 4)
    assert 0 <= float(s["pan"].min()) and float(s["pan"].max()) <= 1
    assert len(PanCollection(root, "wv3", "val")) == 3
    assert len(PanCollection(root, "wv3", "valid")) == 3
    scene = ds.scene(3)
    assert isinstance(scene, Scene) and scene.bit_depth == 11 and torch.equal(scene.gt, s["gt"])
    with pytest.raises(IndexError):
        ds[5]


def test_pancollection_test_splits(pc_root):
    root, files = pc_root
    red = PanCollection(root, "wv3", "test")
    assert len(red) == 2 and red[1]["gt"].shape == (8, 256, 256)
    full = PanCollection(root, "wv3", "test_full")
    s = full[0]
    assert "gt" not in s and s["pan"].shape == (1, 128, 128) and s["ms"].shape == (8, 32, 32)
    np.testing.assert_allclose(s["lms"].numpy(), files["test_full"]["lms"][0] / 2047, rtol=1e-6)
    assert full.scene(0).gt is None


def test_pancollection_gf2_scale_and_explicit_file(tmp_path):
    arrays = write_pancollection(tmp_path / "elsewhere" / "my_gf2.h5", 2, 4, 16, 1023)
    ds = PanCollection(tmp_path, "gf2", "train", files={"train": "elsewhere/my_gf2.h5"})
    s = ds[0]
    assert (s["sensor"], s["scale"], s["bit_depth"]) == ("GF2", 1023.0, 10)
    np.testing.assert_allclose(s["pan"].numpy(), arrays["pan"][0] / 1023, rtol=1e-6)


def test_pancollection_missing_file_message(tmp_path):
    with pytest.raises(PanCollectionNotFoundError) as e:
        PanCollection(tmp_path, "qb", "test")
    msg = str(e.value)
    assert "test_qb_multiExm1.h5" in msg and str(tmp_path) in msg
    assert "drive.google.com/drive/folders/1g4kB3Yxmn6Y8_OCqE1Mra1GoUKCmHOUm" in msg
    assert "github.com/liangjiandeng/PanCollection" in msg
    assert isinstance(e.value, FileNotFoundError)
    with pytest.raises(PanCollectionNotFoundError, match="cannot be downloaded automatically.*Google Drive"):
        PanCollection(tmp_path, "qb", "train", download=True)


def test_pancollection_checks(tmp_path):
    write_pancollection(tmp_path / "train_qb.h5", 2, 4, 16, 2047, drop="lms")
    with pytest.raises(ValueError, match="missing dataset.*lms"):
        PanCollection(tmp_path, "qb", "train")
    write_pancollection(tmp_path / "valid_qb.h5", 2, 8, 16, 2047)  # 8 bands in a QuickBird file
    with pytest.raises(ValueError, match="ms has 8 bands"):
        PanCollection(tmp_path, "qb", "val")
    with pytest.raises(ValueError, match="no train data for wv2"):
        PanCollection(tmp_path, "wv2", "train")
    with pytest.raises(ValueError, match="sensor must be one of"):
        PanCollection(tmp_path, "ikonos", "test")
    assert PanCollection.md5s == {}  # none is published: the structure is checked instead


def test_pancollection_plot_and_loader(pc_root):
    root, _ = pc_root
    ds = PanCollection(root, "wv3", "test")
    s = ds[0]
    fig = ds.plot(s, suptitle="wv3")
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    s["prediction"] = s["lms"]
    assert len(ds.plot(s).axes) == 4
    batch = next(iter(torch.utils.data.DataLoader(ds, batch_size=2, num_workers=0)))
    assert batch["gt"].shape == (2, 8, 256, 256) and list(batch["sensor"]) == ["WV3", "WV3"]


def test_pancollection_datamodule(pc_root):
    root, files = pc_root
    dm = PanCollectionDataModule(root, sensor="wv3", batch_size=2)
    dm.setup("fit")
    batch = next(iter(dm.train_dataloader()))
    assert batch["ms"].shape == (2, 8, 16, 16) and batch["gt"].shape == (2, 8, 64, 64)
    out = dm.on_after_batch_transfer(batch, 0)
    assert float(out["gt"].max()) <= 1 and float(out["gt"].max()) > 0.5  # no torchgeo /255
    val = next(iter(dm.val_dataloader()))
    assert val["pan"].shape[1:] == (1, 64, 64)
    dm.setup("test")
    assert next(iter(dm.test_dataloader()))["gt"].shape[1:] == (8, 256, 256)
    dm_full = PanCollectionDataModule(root, sensor="wv3", batch_size=1, test_split="test_full")
    dm_full.setup("test")
    assert "gt" not in next(iter(dm_full.test_dataloader()))


# --- toolbox .mat ---------------------------------------------------------------------------------------
def _toolbox_arrays(rng, bands=8, h=16, full=2047):
    return {"I_MS_LR": rng.integers(50, full, (h, h, bands)).astype(np.uint16),
            "I_MS": rng.integers(50, full, (4 * h, 4 * h, bands)).astype(np.uint16),
            "I_PAN": rng.integers(50, full, (4 * h, 4 * h)).astype(np.uint16),
            "I_GT": rng.integers(50, full, (4 * h, 4 * h, bands)).astype(np.uint16)}


@pytest.mark.parametrize("version", ["v5", "v7.3"])
def test_toolbox_scenes(tmp_path, version):
    rng = np.random.default_rng(0)
    a = _toolbox_arrays(rng)
    if version == "v5":
        scipy.io.savemat(tmp_path / "Toolbox_WV3.mat", {**a, "sensor": "WV3"})
    else:
        savemat73(tmp_path / "Toolbox_WV3.mat", {**a, "sensor": "WV3"})
    ds = ToolboxScenes(tmp_path)
    s = ds[0]
    assert s["ms"].shape == (8, 16, 16) and s["pan"].shape == (1, 64, 64) and s["gt"].shape == (8, 64, 64)
    np.testing.assert_allclose(s["ms"].numpy(), a["I_MS_LR"].transpose(2, 0, 1) / 2047, rtol=1e-6)
    np.testing.assert_allclose(s["lms"].numpy(), a["I_MS"].transpose(2, 0, 1) / 2047, rtol=1e-6)  # I_MS kept
    np.testing.assert_allclose(s["pan"][0].numpy(), a["I_PAN"] / 2047, rtol=1e-6)
    np.testing.assert_allclose(s["gt"].numpy(), a["I_GT"].transpose(2, 0, 1) / 2047, rtol=1e-6)
    assert (s["sensor"], s["bit_depth"], s["ratio"], s["name"]) == ("WV3", 11, 4, "Toolbox_WV3")
    assert isinstance(ds.plot(s), Figure)


def test_toolbox_scene_without_sensor_or_upsampled_ms(tmp_path):
    rng = np.random.default_rng(1)
    a = _toolbox_arrays(rng, bands=4, full=4095)
    del a["I_MS"], a["I_GT"]
    scipy.io.savemat(tmp_path / "scene.mat", a)
    with pytest.raises(ValueError, match="pass sensor="):
        ToolboxScenes(tmp_path)[0]
    s = ToolboxScenes(tmp_path, sensor="PLEIADES")[0]
    assert "gt" not in s and s["bit_depth"] == 12 and s["lms"].shape == (4, 64, 64)
    from fusionzoo.ops import interp23tap

    torch.testing.assert_close(s["lms"], interp23tap(s["ms"][None].double(), 4)[0].float(), rtol=1e-5, atol=1e-6)
    with pytest.raises(FileNotFoundError, match="no toolbox .mat files"):
        ToolboxScenes(tmp_path / "empty")


# --- GRIP .mat ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["v5", "v7.3"])
def test_grip_scenes(tmp_path, version):
    rng = np.random.default_rng(2)
    ik = {"I_MS": rng.integers(1, 2047, (32, 32, 4)).astype(np.uint16),
          "I_PAN": rng.integers(1, 2047, (128, 128)).astype(np.uint16),
          "L": np.array([[11]], np.uint8), "ratio": np.array([[4]], np.uint8), "sensor": "IKONOS",
          "RGB_indexes": np.array([[3, 2, 1]], np.uint8)}
    ge = {"I_MS": rng.integers(1, 255, (32, 32, 4)).astype(np.uint8),
          "I_PAN": rng.integers(1, 255, (128, 128)).astype(np.uint8),
          "L": np.array([[8]], np.uint8), "ratio": np.array([[4]], np.uint8), "sensor": "GeoEye1"}
    save = scipy.io.savemat if version == "v5" else savemat73
    save(tmp_path / "imgIK.mat", ik)
    save(tmp_path / "imgGE1.mat", ge)
    ds = GripScenes(tmp_path)
    assert len(ds) == 2
    s_ge, s_ik = ds[0], ds[1]  # sorted by name
    assert (s_ik["sensor"], s_ik["bit_depth"], s_ik["ratio"]) == ("IKONOS", 11, 4) and "gt" not in s_ik
    np.testing.assert_allclose(s_ik["ms"].numpy(), ik["I_MS"].transpose(2, 0, 1) / 2047, rtol=1e-6)
    assert (s_ge["sensor"], s_ge["bit_depth"], s_ge["scale"]) == ("GE1", 8, 255.0)
    np.testing.assert_allclose(s_ge["pan"][0].numpy(), ge["I_PAN"] / 255, rtol=1e-6)
    assert s_ik["lms"].shape == (4, 128, 128)
    assert ds.scene(1).meta["rgb"] == [2, 1, 0]
    assert isinstance(ds.plot(s_ik), Figure)


# --- GeoTIFF pairs --------------------------------------------------------------------------------------
def _write_tif(path: Path, arr: np.ndarray, x0: float, y0: float, res: float, crs: str = "EPSG:32631") -> None:
    import rasterio
    from rasterio.transform import from_origin

    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[2], height=arr.shape[1], count=arr.shape[0],
                       dtype=arr.dtype, crs=crs, transform=from_origin(x0, y0, res, res)) as dst:
        dst.write(arr)


def _pair(tmp_path, ms_origin=(500000.0, 5700000.0), ms_res=2.0, gt=False):
    rng = np.random.default_rng(3)
    pan = rng.integers(1, 2047, (1, 64, 64)).astype(np.uint16)
    ms = rng.integers(1, 2047, (4, 16, 16)).astype(np.uint16)
    _write_tif(tmp_path / "scene1_pan.tif", pan, 500000.0, 5700000.0, 0.5)
    _write_tif(tmp_path / "scene1_ms.tif", ms, *ms_origin, ms_res)
    if gt:
        _write_tif(tmp_path / "scene1_ref.tif", rng.integers(1, 2047, (4, 64, 64)).astype(np.uint16),
                   500000.0, 5700000.0, 0.5)
    return pan, ms


def test_geotiff_pairs(tmp_path):
    pan, ms = _pair(tmp_path, gt=True)
    ds = GeoTiffPairs(tmp_path, sensor="QB")
    assert len(ds) == 1
    s = ds[0]
    assert s["ms"].shape == (4, 16, 16) and s["pan"].shape == (1, 64, 64) and "gt" not in s
    assert (s["ratio"], s["bit_depth"], s["sensor"], s["name"]) == (4, 11, "QB", "scene1_pan")
    np.testing.assert_allclose(s["ms"].numpy(), ms / 2047, rtol=1e-6)
    np.testing.assert_allclose(s["pan"].numpy(), pan / 2047, rtol=1e-6)
    assert ds.scene(0).meta["crs"].to_string() == "EPSG:32631"
    with_ref = GeoTiffPairs(tmp_path, sensor="QB", gt_token="ref")[0]
    assert with_ref["gt"].shape == (4, 64, 64)
    assert isinstance(ds.plot(with_ref), Figure)


def test_geotiff_pairs_georeference_mismatch(tmp_path):
    _pair(tmp_path, ms_origin=(500010.0, 5700000.0))  # MS shifted by 10 m
    ds = GeoTiffPairs(tmp_path, sensor="QB")
    with pytest.raises(GeoreferenceError, match="same extent"):
        ds[0]
    assert GeoTiffPairs(tmp_path, sensor="QB", check_georef=False)[0]["ms"].shape == (4, 16, 16)


def test_geotiff_pairs_ratio_disagrees_with_transforms(tmp_path):
    _pair(tmp_path, ms_res=1.0)  # pixel sizes say ratio 2, image sizes say 4
    with pytest.raises(GeoreferenceError, match="ratio"):
        GeoTiffPairs(tmp_path, sensor="QB")[0]


def test_geotiff_pairs_unpaired(tmp_path):
    _write_tif(tmp_path / "a_pan.tif", np.ones((1, 8, 8), np.uint16), 0.0, 0.0, 1.0)
    with pytest.raises(FileNotFoundError, match="no partner"):
        GeoTiffPairs(tmp_path, sensor="QB", ms_token="mul")


# --- the real scenes, where present ---------------------------------------------------------------------
@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data (the real scenes) is not here")
def test_real_scene_folders():
    ds = GripScenes(DATA / "grip_wv2_ikonos_geoeye1")
    scenes = [ds.scene(i) for i in range(len(ds))]  # (no upsampled MS: quick)
    assert {s.sensor: s.bit_depth for s in scenes} == {"GE1": 8, "IKONOS": 11, "WV2": 11}
    assert all(s.pan.shape == (1, 1280, 1280) and 0 < float(s.pan.max()) <= 1 for s in scenes)
    sn = GeoTiffPairs(DATA / "spacenet3_shanghai_wv3", sensor="WV3", pan_token="PAN", ms_token="MUL").scene(0)
    assert sn.ms.shape == (8, 325, 325) and sn.pan.shape == (1, 1300, 1300)
