"""Houston 2018: the DFC2018 ENVI HSI (50 stored bands -> 48, interleaves, byte order, header wavelengths)
and the co-registered HS + RGB crop (real pair, Wald reduction); the real crop when ../shared is present."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from fusionzoo.datasets.hs_ms_fusion import HSDatasetNotFoundError, Houston2018, Houston2018Crop, read_envi  # noqa: E402
from tests.helpers import DATA, load_fixture  # noqa: E402

SHARED = DATA / "hsms"


@pytest.mark.parametrize("interleave,big", [("bsq", False), ("bil", True), ("bip", False)])
def test_envi_reader(tmp_path, interleave, big):
    fx = load_fixture("houston2018")
    fx.make_envi(tmp_path, interleave=interleave, big_endian=big)
    a, _ = read_envi(tmp_path / "2018_IEEE_GRSS_DFC_HSI_TR.HDR")
    np.testing.assert_array_equal(a, fx.cube())
    b, _ = read_envi(tmp_path / "2018_IEEE_GRSS_DFC_HSI_TR.HDR", window=(1, 2, 2, 3), bands=[0, 5])
    np.testing.assert_array_equal(b, fx.cube()[[0, 5], 1:3, 2:5])


def test_dfc2018_hsi(tmp_path):
    fx = load_fixture("houston2018")
    fx.make_envi(tmp_path / "Phase2" / "HSI")
    ds = Houston2018(tmp_path, scale=None)
    s = ds[0]
    assert s["gt"].shape == (48, 4, 6) and s["bands_dropped"] == 2
    np.testing.assert_array_equal(s["gt"].numpy(), fx.cube()[:48].astype(np.float32))
    np.testing.assert_allclose(s["wavelengths"].numpy(), np.linspace(380, 1050, 48), atol=0.006)
    assert "wavelengths_nominal" not in s  # from the header
    fx.make_envi(tmp_path / "nowl", wavelengths=False)
    s2 = Houston2018(tmp_path / "nowl")[0]
    assert s2["wavelengths_nominal"] is True and float(s2["wavelengths"][-1]) == 1050.0
    fig = ds.plot(s)
    matplotlib.pyplot.close(fig)


def test_dfc2018_errors(tmp_path):
    with pytest.raises(HSDatasetNotFoundError, match=r"hyperspectral\.ee\.uh\.edu.*2018_IEEE_GRSS_DFC_HSI_TR"):
        Houston2018(tmp_path)
    load_fixture("houston2018").make_envi(tmp_path)
    (tmp_path / "2018_IEEE_GRSS_DFC_HSI_TR").write_bytes(b"\0" * 10)
    with pytest.raises(ValueError, match="incomplete download"):
        Houston2018(tmp_path)[0]


def test_crop_pair(tmp_path):
    fx = load_fixture("houston2018")
    fx.make_crop(tmp_path)
    ds = Houston2018Crop(tmp_path, labels=True)
    s = ds[0]
    hs = fx.cube(48, (8, 8)).astype(np.float64)
    assert s["hs"].shape == (48, 8, 8) and s["ms"].shape == (3, 32, 32) and s["ratio"] == 4 and "gt" not in s
    np.testing.assert_allclose(s["hs"].numpy(), hs / hs.max(), rtol=1e-6)
    assert s["ms_scale"] == 255.0 and float(s["ms"][0, 1, 0]) == pytest.approx(7 / 255)
    assert s["label"].shape == (32, 32)
    r = Houston2018Crop(tmp_path, reduce=2)[0]
    assert r["hs"].shape == (48, 4, 4) and r["ms"].shape == (3, 16, 16) and r["gt"].shape == (48, 8, 8)
    assert r["ratio"] == 4
    assert torch.allclose(r["hs"][:, 0, 0], s["hs"][:, :2, :2].mean(dim=(1, 2)))
    assert torch.equal(r["gt"], s["hs"])
    keep = Houston2018Crop(tmp_path, reduce=2, reduce_ms=False)[0]
    assert keep["ms"].shape == (3, 32, 32) and keep["ratio"] == 8
    fig = ds.plot(r)
    assert len(fig.axes) == 3
    matplotlib.pyplot.close(fig)
    with pytest.raises(ValueError, match="not both"):
        Houston2018Crop(tmp_path, reduce=2, degrade=lambda h: h)
    with pytest.raises(HSDatasetNotFoundError, match="featurefusion_igarss2021"):
        Houston2018Crop(tmp_path / "none")


@pytest.mark.skipif(not (SHARED / "houston2018_crop").is_dir(), reason="shared Houston 2018 crop not available")
def test_real_crop():
    s = Houston2018Crop(SHARED / "houston2018_crop", reduce=4)[0]
    assert s["gt"].shape == (48, 128, 128) and s["hs"].shape == (48, 32, 32) and s["ms"].shape == (3, 128, 128)
    assert float(s["gt"].max()) == 1.0 and s["scale"] == 19534.0
