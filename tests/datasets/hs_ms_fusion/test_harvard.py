"""Harvard: v5 .mat with ref / lbl, 31 bands 420-720 nm, max scaling, mask, errors."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from fusionzoo.datasets.hs_ms_fusion import Harvard, HSDatasetNotFoundError  # noqa: E402
from tests.helpers import load_fixture  # noqa: E402


def test_load_scale_and_mask(tmp_path):
    fx = load_fixture("harvard")
    fx.make(tmp_path)
    ds = Harvard(tmp_path)
    assert len(ds) == 2
    s = ds[1]
    ref = fx.ref(1).transpose(2, 0, 1)
    assert s["gt"].shape == (31, 5, 4) and s["name"] == "imgb2"
    assert s["scale"] == pytest.approx(ref.max())
    np.testing.assert_allclose(s["gt"].numpy(), ref / ref.max(), rtol=1e-6)
    assert torch.equal(s["wavelengths"], torch.arange(420, 721, 10, dtype=torch.float32))
    assert s["mask"].dtype == torch.uint8 and s["mask"][0].all() and not s["mask"][1:].any()
    raw = Harvard(tmp_path, scenes=["imga1"], scale=None)[0]
    np.testing.assert_allclose(raw["gt"].numpy(), fx.ref(0).transpose(2, 0, 1), rtol=1e-6)
    assert raw["scale"] == 1.0
    fig = ds.plot(s)
    assert isinstance(fig, matplotlib.figure.Figure)
    matplotlib.pyplot.close(fig)


def test_errors(tmp_path):
    with pytest.raises(HSDatasetNotFoundError, match=r"CZ_hsdb\.tar.*vision\.seas\.harvard\.edu"):
        Harvard(tmp_path)
    load_fixture("harvard").make(tmp_path)
    with pytest.raises(HSDatasetNotFoundError, match="imgz9"):
        Harvard(tmp_path, scenes=["imgz9"])
    with pytest.raises(ValueError, match="scale must be"):
        Harvard(tmp_path, scale="median")[0]
