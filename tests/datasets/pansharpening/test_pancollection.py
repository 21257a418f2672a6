"""PanCollection HDF5 files (``fusionzoo.datasets.PanCollection``), on the fixture of ``tests/data/pancollection/make_fixture.py``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from fusionzoo.datasets import PanCollection, PanCollectionNotFoundError, Scene  # noqa: E402
from tests.helpers import load_fixture

pc = load_fixture("pancollection")


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
    arrays = pc.write(tmp_path / "elsewhere" / "my_gf2.h5", 2, 4, 16, 1023)
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
    pc.write(tmp_path / "train_qb.h5", 2, 4, 16, 2047, drop="lms")
    with pytest.raises(ValueError, match="missing dataset.*lms"):
        PanCollection(tmp_path, "qb", "train")
    pc.write(tmp_path / "valid_qb.h5", 2, 8, 16, 2047)  # 8 bands in a QuickBird file
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
