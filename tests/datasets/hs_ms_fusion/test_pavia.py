"""Pavia University / Centre: v5 .mat keys paviaU / pavia, 103 / 102 bands, labels, errors."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from fusionzoo.datasets.hs_ms_fusion import HSDatasetNotFoundError, PaviaCentre, PaviaUniversity  # noqa: E402
from tests.helpers import load_fixture  # noqa: E402


@pytest.mark.parametrize("cls,bands", [(PaviaUniversity, 103), (PaviaCentre, 102)])
def test_load(tmp_path, cls, bands):
    fx = load_fixture("pavia")
    fx.make(tmp_path / "sub")
    ds = cls(tmp_path, labels=True)
    assert len(ds) == 1
    s = ds[0]
    cube = fx.cube(bands).transpose(2, 0, 1).astype(np.float64)
    assert s["gt"].shape == (bands, 4, 3)
    assert s["scale"] == cube.max()
    np.testing.assert_allclose(s["gt"].numpy(), cube / cube.max(), rtol=1e-6)
    assert s["wavelengths"].shape == (bands,) and s["wavelengths_nominal"] is True
    assert float(s["wavelengths"][0]) == 430.0 and float(s["wavelengths"][-1]) == 860.0
    assert s["label"].shape == (4, 3) and int(s["label"][1, 0]) == 3
    assert cls(tmp_path, scale=10000)[0]["gt"].max() == pytest.approx(cube.max() / 10000)
    fig = ds.plot(s)
    matplotlib.pyplot.close(fig)


def test_errors(tmp_path):
    with pytest.raises(HSDatasetNotFoundError, match=r"ehu\.eus/ccwintco/uploads/e/ee/PaviaU\.mat"):
        PaviaUniversity(tmp_path)
    import scipy.io

    scipy.io.savemat(tmp_path / "PaviaU.mat", {"paviaU": np.ones((2, 2, 102), np.uint16)})
    with pytest.raises(ValueError, match="102 bands, PaviaUniversity has 103"):
        PaviaUniversity(tmp_path)[0]
    scipy.io.savemat(tmp_path / "Pavia.mat", {"wrong": np.ones((2, 2, 102), np.uint16)})
    with pytest.raises(KeyError, match="no variable 'pavia'"):
        PaviaCentre(tmp_path)[0]
    with pytest.raises(HSDatasetNotFoundError, match="Pavia_gt.mat"):
        PaviaCentre(tmp_path, labels=True)
