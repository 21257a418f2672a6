"""PAN + MS GeoTIFF pairs, on the fixture of ``tests/data/geotiff_pairs/make_fixture.py``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from fusionzoo.datasets import GeoTiffPairs  # noqa: E402
from fusionzoo.io import GeoreferenceError  # noqa: E402
from tests.helpers import load_fixture  # noqa: E402

fixture = load_fixture("geotiff_pairs")


def test_geotiff_pairs(tmp_path):
    pan, ms = fixture.make(tmp_path, gt=True)
    ds = GeoTiffPairs(tmp_path, sensor="QB")
    assert len(ds) == 1
    s = ds[0]
    assert s["ms"].shape == (4, 16, 16) and s["pan"].shape == (1, 64, 64) and "gt" not in s
    assert (s["ratio"], s["bit_depth"], s["sensor"], s["name"]) == (4, 11, "QB", "scene1_pan")
    np.testing.assert_allclose(s["ms"].numpy(), ms / 2047, rtol=1e-6)
    np.testing.assert_allclose(s["pan"].numpy(), pan / 2047, rtol=1e-6)
    assert ds.scene(0).meta["crs"].to_string() == "EPSG:32631"
    with_ref = GeoTiffPairs(tmp_path, sensor="QB", gt_token="ref")[0]
    assert with_ref["gt"].shape == (4, 64, 64)
    assert isinstance(ds.plot(with_ref), Figure)


def test_geotiff_pairs_georeference_mismatch(tmp_path):
    fixture.make(tmp_path, ms_origin=(500010.0, 5700000.0))  # MS shifted by 10 m
    ds = GeoTiffPairs(tmp_path, sensor="QB")
    with pytest.raises(GeoreferenceError, match="same extent"):
        ds[0]
    assert GeoTiffPairs(tmp_path, sensor="QB", check_georef=False)[0]["ms"].shape == (4, 16, 16)


def test_geotiff_pairs_ratio_disagrees_with_transforms(tmp_path):
    fixture.make(tmp_path, ms_res=1.0)  # pixel sizes say ratio 2, image sizes say 4
    with pytest.raises(GeoreferenceError, match="ratio"):
        GeoTiffPairs(tmp_path, sensor="QB")[0]


def test_geotiff_pairs_unpaired(tmp_path):
    fixture.write_tif(tmp_path / "a_pan.tif", np.ones((1, 8, 8), np.uint16), 500000.0, 5700000.0, 1.0)
    with pytest.raises(FileNotFoundError, match="no partner"):
        GeoTiffPairs(tmp_path, sensor="QB", ms_token="mul")
