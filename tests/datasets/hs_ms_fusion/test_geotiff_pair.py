"""Any HS + MS GeoTIFF pair: ratio from pixel sizes, CRS / extent / size checks, wavelengths, reference."""

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

from fusionzoo.datasets.hs_ms_fusion import GeoTiffHSMSPair, HSDatasetNotFoundError  # noqa: E402
from fusionzoo.io import GeoreferenceError, ImageryError  # noqa: E402
from tests.helpers import load_fixture  # noqa: E402


def make(tmp_path, **kw):
    root = load_fixture("geotiff_pair").make(tmp_path, **kw)
    return root / "hs.tif", root / "ms.tif", root / "gt.tif"


def test_pair(tmp_path):
    hs, ms, gt = make(tmp_path)
    ds = GeoTiffHSMSPair(hs, ms, gt=gt, scale=10000)
    s = ds[0]
    assert s["hs"].shape == (6, 4, 4) and s["ms"].shape == (3, 16, 16) and s["gt"].shape == (6, 16, 16)
    assert s["ratio"] == 4 and s["scale"] == 10000.0 and s["ms_scale"] == 10000.0
    assert float(s["hs"][0, 0, 0]) == pytest.approx(100 / 10000) and float(s["gt"][0, 0, 0]) == pytest.approx(0.2)
    assert s["wavelengths"].tolist() == [450, 500, 550, 600, 650, 700]
    assert s["ms_wavelengths"].tolist() == [480, 560, 660]
    assert "32631" in s["crs"]
    fig = ds.plot(s)
    assert len(fig.axes) == 3
    matplotlib.pyplot.close(fig)
    r = GeoTiffHSMSPair([hs], [ms], reduce=2)[0]
    assert r["hs"].shape == (6, 2, 2) and r["ms"].shape == (3, 8, 8) and r["gt"].shape == (6, 4, 4)


def test_georeference_errors(tmp_path):
    hs, ms, _ = make(tmp_path / "crs", ms_crs="EPSG:32632")
    with pytest.raises(GeoreferenceError, match="different CRS"):
        GeoTiffHSMSPair(hs, ms)[0]
    hs, ms, _ = make(tmp_path / "shift", ms_shift=8.0)
    with pytest.raises(GeoreferenceError, match="same extent"):
        GeoTiffHSMSPair(hs, ms)[0]
    assert GeoTiffHSMSPair(hs, ms, check_georef=False)[0]["ratio"] == 4
    hs, ms, _ = make(tmp_path / "res", ms_res=1.5)
    with pytest.raises(GeoreferenceError, match="not one integer"):
        GeoTiffHSMSPair(hs, ms)[0]
    hs, ms, _ = make(tmp_path / "size", ms_size=12)
    with pytest.raises(ImageryError, match="image sizes do not fit"):
        GeoTiffHSMSPair(hs, ms)[0]
    hs, ms, _ = make(tmp_path / "ok")
    with pytest.raises(ImageryError, match="expected 2"):
        GeoTiffHSMSPair(hs, ms, ratio=2)[0]
    with pytest.raises(HSDatasetNotFoundError, match="does not exist"):
        GeoTiffHSMSPair(hs, tmp_path / "nope.tif")
    with pytest.raises(ValueError, match="as many MS"):
        GeoTiffHSMSPair([hs, hs], [ms])


def test_without_georeference(tmp_path):
    hs, ms, _ = make(tmp_path, georef=False)
    s = GeoTiffHSMSPair(hs, ms)[0]
    assert s["ratio"] == 4 and "crs" not in s
