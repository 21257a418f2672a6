"""The imagery I/O behind the command line (``fusionzoo.io``)."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import torch
from PIL import Image

import fusionzoo
from fusionzoo.io import (
    SAMPLE_MS,
    SAMPLE_PAN,
    ImageryError,
    load_sample,
    quicklook,
    write_geotiff,
)
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


def _pair_with_ms_transform(tmp_path, ms_transform, ms):
    from affine import Affine  # noqa: F401  (the transforms below are Affine objects)

    g = np.random.default_rng(0)
    pan_p, ms_p = tmp_path / "pan.tif", tmp_path / "ms.tif"
    write_geotiff(pan_p, g.integers(0, 2000, (1, 64, 64)), UTM, from_origin(350000.0, 3456000.0, 0.5, 0.5), "uint16")
    write_geotiff(ms_p, ms, UTM, ms_transform, "uint16")
    return pan_p, ms_p


def test_georeference_compares_the_full_affine_transforms(tmp_path):
    from affine import Affine

    from fusionzoo.io import GeoreferenceError, read_pan_ms

    ms = np.random.default_rng(1).integers(0, 2000, (4, 16, 16))
    # the right pair reads
    pan_p, ms_p = _pair_with_ms_transform(tmp_path, from_origin(350000.0, 3456000.0, 2.0, 2.0), ms)
    assert read_pan_ms(pan_p, ms_p)["ratio"] == 4
    # the MS written transposed with a swapped-axis transform: its corners fall on the PAN's corners, so a check of
    # two corners passes it; the full transforms do not
    t = Affine(0.0, 2.0, 350000.0, -2.0, 0.0, 3456000.0)
    assert (t.c, t.f) == (350000.0, 3456000.0) and (t.a * 16 + t.b * 16 + t.c, t.d * 16 + t.e * 16 + t.f) == \
        (350032.0, 3455968.0)  # the same corners as the right MS
    pan_p, ms_p = _pair_with_ms_transform(tmp_path, t, ms.transpose(0, 2, 1))
    with pytest.raises(GeoreferenceError, match="rows and columns are swapped"):
        read_pan_ms(pan_p, ms_p)
    assert read_pan_ms(pan_p, ms_p, check_georef=False)["transform"] is None


def test_declared_sizes_are_checked_before_reading(tmp_path, monkeypatch):
    from fusionzoo.io import max_pixels, read_geotiff

    p = write_geotiff(tmp_path / "a.tif", np.ones((1, 64, 64)), UTM, from_origin(0, 64, 1, 1), "uint16")
    monkeypatch.setenv("FUSIONZOO_MAX_PIXELS", "1000")
    assert max_pixels() == 1000 and max_pixels(5000) == 5000
    with pytest.raises(ImageryError, match=r"declares 64 x 64 = 4.1e\+03 pixels per band, above the limit of 1e\+03"):
        read_geotiff(p)
    assert read_geotiff(p, limit=4096)[0].shape == (1, 64, 64)
    monkeypatch.setenv("FUSIONZOO_MAX_PIXELS", "lots")
    with pytest.raises(ImageryError, match="FUSIONZOO_MAX_PIXELS must be a number"):
        read_geotiff(p)


def test_rasterio_errors_show_their_cause(tmp_path):
    from fusionzoo.io import read_geotiff

    p = tmp_path / "bad.tif"
    p.write_bytes(b"II*\x00" + b"\x00" * 60)
    with pytest.raises(ImageryError) as e:
        read_geotiff(p, "PAN")
    msg = str(e.value)
    assert msg.startswith(f"cannot read PAN file {p}: ") and "not recognized as being in a supported file format" in msg
    assert "previous exception" not in msg


def test_quicklook_is_a_bounded_preview(tmp_path):
    arr = np.random.default_rng(0).random((3, 300, 120))
    with Image.open(quicklook(arr, (0, 1, 2), tmp_path / "q.png", max_size=100)) as im:
        assert im.size == (40, 100)  # every 3rd row and column
    with Image.open(quicklook(arr, (0, 1, 2), tmp_path / "f.png", max_size=None)) as im:
        assert im.size == (120, 300)
