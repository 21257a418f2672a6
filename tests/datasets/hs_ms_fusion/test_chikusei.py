"""Chikusei: MATLAB v7.3 (HDF5, transposed) read back in MATLAB order, windows, 128 bands, errors."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from fusionzoo.datasets.hs_ms_fusion import Chikusei, HSDatasetNotFoundError, read_mat_variable  # noqa: E402
from tests.helpers import load_fixture  # noqa: E402


def test_v73_layout_and_load(tmp_path):
    fx = load_fixture("chikusei")
    fx.make(tmp_path)
    p = tmp_path / "HyperspecVNIR_Chikusei_20140729.mat"
    assert p.read_bytes()[:19] == b"MATLAB 7.3 MAT-file"
    assert np.array_equal(read_mat_variable(p, "chikusei"), fx.cube())  # transposed back to MATLAB order
    s = Chikusei(tmp_path, scale=None)[0]
    assert s["gt"].shape == (128, 7, 5)
    np.testing.assert_array_equal(s["gt"].numpy(), fx.cube().transpose(2, 0, 1).astype(np.float32))
    assert s["wavelengths"].shape == (128,) and float(s["wavelengths"][0]) == 363.0
    assert float(s["wavelengths"][-1]) == 1018.0


def test_window_reads_part(tmp_path):
    fx = load_fixture("chikusei")
    fx.make(tmp_path)
    s = Chikusei(tmp_path, window=(2, 1, 3, 2))[0]
    full = fx.cube().transpose(2, 0, 1).astype(np.float64)[:, 2:5, 1:3]
    assert s["gt"].shape == (128, 3, 2) and s["window"] == [2, 1, 3, 2]
    np.testing.assert_allclose(s["gt"].numpy(), full / full.max(), rtol=1e-6)
    fig = Chikusei(tmp_path).plot(s)
    matplotlib.pyplot.close(fig)


def test_errors(tmp_path):
    with pytest.raises(HSDatasetNotFoundError, match=r"naotoyokoya\.com.*HyperspecVNIR_Chikusei_20140729\.mat"):
        Chikusei(tmp_path)
    with pytest.raises(ValueError, match="window must be"):
        Chikusei(tmp_path, window=(0, 0, 0, 3))
