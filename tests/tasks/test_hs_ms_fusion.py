"""`fusionzoo run` for HS-MS fusion models: GeoTIFFs in, a float32 GeoTIFF on the MS grid out."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine

from fusionzoo.cli import main


def _write(path, arr, res, x0=500000.0, y0=4000000.0):
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[2], height=arr.shape[1], count=arr.shape[0],
                       dtype=str(arr.dtype), crs="EPSG:32631", transform=Affine(res, 0, x0, 0, -res, y0)) as d:
        d.write(arr)


@pytest.fixture
def pair(tmp_path):
    rng = np.random.default_rng(0)
    hs, ms = tmp_path / "hs.tif", tmp_path / "ms.tif"
    _write(hs, (0.1 + 0.8 * rng.random((6, 8, 8))).astype("float32"), 4.0)
    _write(ms, (0.1 + 0.8 * rng.random((3, 32, 32))).astype("float32"), 1.0)
    return hs, ms


def test_run_writes_the_hs_on_the_ms_grid(pair, tmp_path, capsys):
    hs, ms = pair
    out = tmp_path / "fused.tif"
    assert main(["run", "sfim_hs", "--hs", str(hs), "--ms", str(ms), "-o", str(out)]) == 0
    with rasterio.open(out) as d, rasterio.open(ms) as m:
        assert (d.count, d.height, d.width) == (6, 32, 32) and d.dtypes[0] == "float32"
        assert d.transform == m.transform and d.crs == m.crs
        assert d.tags()["FUSIONZOO_MODEL"] == "sfim_hs"
    assert out.with_suffix(".png").is_file()


def test_fitted_model_takes_iterations_and_seed(pair, tmp_path):
    hs, ms = pair
    out = tmp_path / "c.tif"
    assert main(["run", "cucanet", "--hs", str(hs), "--ms", str(ms), "--iterations", "2", "--seed", "3",
                 "-o", str(out)]) == 0
    with rasterio.open(out) as d:
        assert (d.count, d.height, d.width) == (6, 32, 32)


def test_errors_are_one_line_and_leave_nothing(pair, tmp_path, capsys):
    hs, ms = pair
    out = tmp_path / "x.tif"
    assert main(["run", "sfim_hs", "--hs", str(hs), "--ms", str(hs), "-o", str(out)]) == 2
    assert "must be finer than the HS" in capsys.readouterr().err and not out.exists()
    assert main(["run", "sfim_hs", "--hs", str(hs), "--ms", str(ms), "--iterations", "5", "-o", str(out)]) == 2
    assert "fitted to each input" in capsys.readouterr().err and not out.exists()
    shifted = tmp_path / "ms_shift.tif"
    with rasterio.open(ms) as m:
        _write(shifted, m.read(), 1.0, x0=500100.0)
    assert main(["run", "sfim_hs", "--hs", str(hs), "--ms", str(shifted), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fusionzoo: error:") and err.count("\n") == 1 and not out.exists()


def test_super_resolution_keeps_the_georeference_on_a_finer_grid(pair, tmp_path, capsys):
    hs, _ = pair
    out = tmp_path / "sr.tif"
    assert main(["run", "fcnn3d.cave_x2", "--hs", str(hs), "-o", str(out)]) == 0
    with rasterio.open(out) as d, rasterio.open(hs) as h:
        assert (d.count, d.height, d.width) == (6, 16, 16) and d.crs == h.crs
        assert d.transform.a == h.transform.a / 2 and (d.transform.c, d.transform.f) == (h.transform.c, h.transform.f)
    assert main(["run", "fcnn3d.cave_x2", "--hs", str(hs), "--ratio", "4", "-o", str(tmp_path / "x.tif")]) == 2
    assert "trained at ratio 2, not 4" in capsys.readouterr().err and not (tmp_path / "x.tif").exists()
