"""The imagery I/O behind the command line (``fusionzoo.io``)."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import torch
from PIL import Image

import fusionzoo
from fusionzoo.io import SAMPLE_MS, SAMPLE_PAN, ImageryError, load_sample, quicklook, write_geotiff
from tests.helpers.cli import UTM, from_origin


def test_load_sample():
    s = load_sample()
    assert s["ms"].shape == (1, 8, 128, 128) and s["pan"].shape == (1, 1, 512, 512)
    assert s["ms"].dtype == torch.float32 and 0 <= float(s["ms"].min()) and float(s["pan"].max()) <= 1
    assert (s["sensor"], s["bit_depth"], s["ratio"]) == ("WV3", 11, 4)
    assert s["bands"][4] == "red" and len(s["bands"]) == 8
    with rasterio.open(SAMPLE_PAN) as pan, rasterio.open(SAMPLE_MS) as ms:
        assert s["crs"] == pan.crs == ms.crs and s["transform"] == pan.transform
        assert pan.profile["compress"] == "deflate" and ms.dtypes[0] == "uint16"
        assert ms.bounds == pytest.approx(pan.bounds) and pan.transform.a * 4 == pytest.approx(ms.transform.a)
        assert float(s["pan"][0, 0, 0, 0]) == pytest.approx(pan.read(1)[0, 0] / 2047)
    assert set(s["paths"]) == {"pan", "ms"}
    assert (SAMPLE_PAN.parent / "ATTRIBUTION.md").read_text().count("CC BY-SA 4.0") >= 2
    out = fusionzoo.create_model("exp")(s["ms"], s["pan"])
    assert out.shape == (1, 8, 512, 512)


def test_write_geotiff_is_atomic(tmp_path):
    p = tmp_path / "a.tif"
    p.write_bytes(b"old")
    bad = np.full((2, 4, 4), np.nan, np.float32)
    with pytest.raises(ImageryError, match="NaN"):
        write_geotiff(p, bad, UTM, from_origin(0, 0, 1, 1), "uint16")
    assert p.read_bytes() == b"old" and sorted(x.name for x in tmp_path.iterdir()) == ["a.tif"]
    arr = np.array([[[-3.0, 0.4], [70000.0, 2.6]]])
    write_geotiff(p, arr, UTM, from_origin(0, 0, 1, 1), "uint16")
    with rasterio.open(p) as src:
        assert src.read(1).tolist() == [[0, 0], [65535, 3]] and src.profile["compress"] == "deflate"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.tif"]


def test_quicklook(tmp_path):
    arr = np.stack([np.linspace(0, 1, 100).reshape(10, 10) * k for k in (1, 2, 3)])
    p = quicklook(torch.from_numpy(arr), (2, 1, 0), tmp_path / "q.png")
    with Image.open(p) as im:
        a = np.asarray(im)
    assert a.shape == (10, 10, 3) and a.min() == 0 and a.max() == 255  # 2-98 % stretch saturates the ends
    with pytest.raises(ImageryError, match="rgb_indexes"):
        quicklook(arr, (0, 1, 5), tmp_path / "r.png")
    assert not (tmp_path / "r.png").exists()
