"""HySure Paris demo files: HSim / MSim / PCim, per-band 0.999-quantile normalisation (MATLAB convention),
Hyperion / ALI wavelengths, reduction; the real files when ../shared is present."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from fusionzoo.datasets.hs_ms_fusion import HSDatasetNotFoundError, HySureParis, hyperion_wavelengths  # noqa: E402
from tests.helpers import DATA, load_fixture  # noqa: E402

SHARED = DATA / "hsms"


def matlab_quantile(x, p):
    """MATLAB's quantile: sorted values at positions (k - 0.5) / n, linear in between, clamped."""
    x = np.sort(np.ravel(x))
    n = x.size
    pos = p * n + 0.5  # 1-based position
    k = int(np.floor(pos))
    if k < 1:
        return x[0]
    if k >= n:
        return x[-1]
    return x[k - 1] + (pos - k) * (x[k] - x[k - 1])


def test_hyperion_wavelengths():
    # published Hyperion centres: band 8 426.82 nm, band 57 925.41, band 77 912.45, band 224 2395.50
    np.testing.assert_allclose(hyperion_wavelengths([8, 57, 77, 224]), [426.82, 925.41, 912.45, 2395.50], atol=0.5)
    with pytest.raises(ValueError, match="1 to 242"):
        hyperion_wavelengths([0])


def test_hs_ms(tmp_path):
    fx = load_fixture("hysure_demo")
    fx.make(tmp_path)
    import scipy.io

    d = scipy.io.loadmat(tmp_path / "paris_data_hs_ms.mat")
    ds = HySureParis(tmp_path)
    s = ds[0]
    assert s["hs"].shape == (128, 6, 6) and s["ms"].shape == (9, 6, 6) and s["ratio"] == 1
    q = matlab_quantile(d["HSim"][:, :, 3], 0.999)
    assert float(s["scale"][3]) == pytest.approx(q, rel=1e-6)
    np.testing.assert_allclose(s["hs"][3].numpy(), d["HSim"][:, :, 3] / q, rtol=1e-5)
    np.testing.assert_allclose(s["wavelengths"].numpy(), hyperion_wavelengths(fx.NON_DEL), rtol=1e-6)
    assert s["ms_wavelengths"].shape == (9,) and float(s["ms_wavelengths"][2]) == 565.0
    raw = HySureParis(tmp_path, scale=None, reduce=3)[0]
    np.testing.assert_allclose(raw["gt"].numpy(), d["HSim"].transpose(2, 0, 1), rtol=1e-6)
    assert raw["hs"].shape == (128, 2, 2) and raw["ms"].shape == (9, 6, 6) and raw["ratio"] == 3
    fig = ds.plot(s)
    matplotlib.pyplot.close(fig)


def test_hs_pan_and_errors(tmp_path):
    load_fixture("hysure_demo").make(tmp_path)
    s = HySureParis(tmp_path, variant="hs_pan")[0]
    assert s["hs"].shape == (128, 6, 5) and s["ms"].shape == (1, 18, 15) and s["ratio"] == 3
    with pytest.raises(ValueError, match="variant must be"):
        HySureParis(tmp_path, variant="pan")
    with pytest.raises(HSDatasetNotFoundError, match=r"alfaiate/HySure.*paris_data_hs_ms\.mat"):
        HySureParis(tmp_path / "none")


@pytest.mark.skipif(not (SHARED / "paris_hyperion_ali").is_dir(), reason="shared Paris files not available")
def test_real_files():
    s = HySureParis(SHARED / "paris_hyperion_ali")[0]
    assert s["hs"].shape == (128, 72, 72) and s["ms"].shape == (9, 72, 72)
    assert 420 < float(s["wavelengths"][0]) < 430 and float(s["wavelengths"].max()) > 2300
    p = HySureParis(SHARED / "paris_hyperion_ali", variant="hs_pan")[0]
    assert p["hs"].shape == (128, 72, 58) and p["ms"].shape == (1, 216, 174) and p["ratio"] == 3
