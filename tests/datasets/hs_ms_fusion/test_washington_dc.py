"""Washington DC Mall: dc.tif, 191 bands, band-sequential and multi-page TIFF, wavelengths, errors."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from fusionzoo.datasets.hs_ms_fusion import HSDatasetNotFoundError, WashingtonDCMall  # noqa: E402
from tests.helpers import load_fixture  # noqa: E402


@pytest.mark.parametrize("pages", [False, True])
def test_load(tmp_path, pages):
    fx = load_fixture("washington_dc")
    fx.make(tmp_path, pages=pages)
    ds = WashingtonDCMall(tmp_path)
    s = ds[0]
    cube = fx.cube().astype(np.float64)
    assert s["gt"].shape == (191, 6, 4) and "wavelengths" not in s
    assert s["scale"] == cube.max()
    np.testing.assert_allclose(s["gt"].numpy(), cube / cube.max(), rtol=1e-6)
    fig = ds.plot(s)
    matplotlib.pyplot.close(fig)


def test_wavelengths_and_errors(tmp_path):
    load_fixture("washington_dc").make(tmp_path)
    wl = np.linspace(400, 2400, 191)
    s = WashingtonDCMall(tmp_path, wavelengths=wl)[0]
    np.testing.assert_allclose(s["wavelengths"].numpy(), wl, rtol=1e-6)
    with pytest.raises(ValueError, match="191 bands"):
        WashingtonDCMall(tmp_path, wavelengths=wl[:10])
    with pytest.raises(HSDatasetNotFoundError, match=r"engineering\.purdue\.edu.*dc\.tif"):
        WashingtonDCMall(tmp_path / "empty")
