"""CAVE: official nested and flattened layouts, 16-bit scaling, the 8-bit RGBA watercolors quirk, errors."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from fusionzoo.datasets.hs_ms_fusion import CAVE, CAVE_SCENES, HSDatasetNotFoundError, read_cave_band  # noqa: E402
from tests.helpers import DATA, load_fixture  # noqa: E402

SHARED = DATA / "hsms" / "cave"


@pytest.fixture(scope="module")
def fx():
    return load_fixture("cave")


def test_scene_list():
    assert len(CAVE_SCENES) == 32 and len(set(CAVE_SCENES)) == 32
    assert {"watercolors", "fake_and_real_food", "chart_and_stuffed_toy", "balloons"} <= set(CAVE_SCENES)


def test_fixture_is_official_format(tmp_path, fx):
    root = fx.make(tmp_path)
    with Image.open(root / "balloons_ms" / "balloons_ms" / "balloons_ms_01.png") as im:
        assert im.mode.startswith("I;16")
    with Image.open(root / "watercolors_ms" / "watercolors_ms" / "watercolors_ms_01.png") as im:
        assert im.mode == "RGBA"


@pytest.mark.parametrize("nested", [True, False])
def test_load_and_scale(tmp_path, fx, nested):
    fx.make(tmp_path, nested=nested)
    ds = CAVE(tmp_path)
    assert len(ds) == 2 and ds.scene_names == ["balloons", "watercolors"]
    s = ds[0]
    assert set(s) >= {"gt", "wavelengths", "scale", "name"} and "hs" not in s
    assert s["gt"].dtype == torch.float32 and s["gt"].shape == (31, 6, 5)
    assert s["scale"] == 65535.0 and s["name"] == "balloons"
    i, j = np.meshgrid(np.arange(6), np.arange(5), indexing="ij")
    for k in (1, 17, 31):  # band k (1-based) holds value(0, k, i, j) / 65535
        np.testing.assert_allclose(s["gt"][k - 1].numpy(), fx.value(0, k, i, j) / 65535.0, rtol=1e-6)
    assert torch.equal(s["wavelengths"], torch.arange(400, 701, 10, dtype=torch.float32))


def test_watercolors_quirk(tmp_path, fx):
    fx.make(tmp_path)
    s = CAVE(tmp_path, scenes=["watercolors"])[0]
    i, j = np.meshgrid(np.arange(6), np.arange(5), indexing="ij")
    assert s["scale"] == 255.0
    np.testing.assert_allclose(s["gt"][4].numpy(), fx.value8(5, i, j) / 255.0, rtol=1e-6)
    assert float(s["gt"].max()) <= 1.0


def test_band_reader_rejects_colour_png(tmp_path):
    a = np.zeros((3, 3, 4), np.uint8)
    a[..., 0], a[..., 3] = 9, 255
    Image.fromarray(a, mode="RGBA").save(tmp_path / "x.png")
    with pytest.raises(ValueError, match="R = G = B"):
        read_cave_band(tmp_path / "x.png")


def test_degrade_and_rgb_and_plot(tmp_path, fx):
    fx.make(tmp_path)

    def degrade(hs):
        return {"hs": hs[:, ::2, ::2], "ms": hs[:3], "gt": hs, "ratio": 2}

    ds = CAVE(tmp_path, scenes=["balloons_ms"], degrade=degrade, rgb=True)
    s = ds[0]
    assert s["hs"].shape == (31, 3, 3) and s["ms"].shape == (3, 6, 5) and s["gt"].shape == (31, 6, 5)
    assert s["ratio"] == 2 and s["rgb"].shape == (3, 6, 5)
    assert torch.allclose(s["rgb"][0], torch.full((6, 5), 200 / 255))
    fig = ds.plot(s)
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 3
    matplotlib.pyplot.close(fig)


def test_errors(tmp_path, fx):
    with pytest.raises(HSDatasetNotFoundError, match=r"complete_ms_data\.zip.*unzip it into"):
        CAVE(tmp_path)
    fx.make(tmp_path, scenes=("balloons",))
    with pytest.raises(HSDatasetNotFoundError, match="feathers"):
        CAVE(tmp_path, scenes=["feathers"])
    with pytest.raises(ValueError, match="unknown CAVE scene"):
        CAVE(tmp_path, scenes=["ballons"])
    (tmp_path / "balloons_ms" / "balloons_ms" / "balloons_ms_07.png").unlink()
    with pytest.raises(HSDatasetNotFoundError, match="balloons_ms_07.png"):
        CAVE(tmp_path)[0]
    with pytest.raises(TypeError, match="degrade must be"):
        CAVE(tmp_path, degrade=3)


def test_preset_needs_degradation_module(tmp_path, fx, monkeypatch):
    fx.make(tmp_path, scenes=("balloons",))
    import sys

    monkeypatch.setitem(sys.modules, "fusionzoo.degradation.simulate", None)
    with pytest.raises(ImportError, match="make_pair"):
        CAVE(tmp_path, degrade="cave_x32")


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared CAVE scenes (../shared/data/hsms/cave) not available")
def test_real_scenes():
    ds = CAVE(SHARED, scenes=["fake_and_real_food", "watercolors"])
    for s in (ds[0], ds[1]):
        assert s["gt"].shape == (31, 512, 512)
        assert 0.0 <= float(s["gt"].min()) and float(s["gt"].max()) <= 1.0
        assert float(s["gt"].mean()) > 0.01
    assert ds[0]["scale"] == 65535.0 and ds[1]["scale"] == 255.0
