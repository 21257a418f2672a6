"""The bad-input catalogue of the pansharpening command line: every input that used to give a silently wrong
result, a huge allocation, a lost file or a hidden cause now ends as one line naming the problem and the fix,
with exit status 2, before any output is written (and the inputs untouched)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import rasterio
from affine import Affine

from tests.helpers.cli import UTM, assert_clean_error, from_origin, make_pair, run

X0, Y0 = 350000.0, 3456000.0


def _write(path, arr, transform=None, dtype=None, **profile):
    arr = np.asarray(arr)
    dt = np.dtype(dtype or arr.dtype)
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[2], height=arr.shape[1], count=arr.shape[0],
                       dtype=dt.name, crs=UTM, transform=transform or from_origin(X0, Y0, 0.5, 0.5), **profile) as d:
        d.write(arr.astype(dt))
    return path


def _pair(d, ms_transform=None, pan_dtype="uint16", ms_dtype="uint16", ms=None, pan=None, **profile):
    d.mkdir(parents=True, exist_ok=True)
    g = np.random.default_rng(0)
    pan = g.integers(100, 2000, (1, 64, 64)) if pan is None else pan
    ms = g.integers(100, 2000, (4, 16, 16)) if ms is None else ms
    p = _write(d / "pan.tif", pan, dtype=pan_dtype, **profile)
    m = _write(d / "ms.tif", ms, ms_transform or from_origin(X0, Y0, 2.0, 2.0), dtype=ms_dtype, **profile)
    return p, m


def _sparse(path, width, height, count=1):
    """A tiny TIFF declaring a huge raster and storing nothing (GDAL SPARSE_OK)."""
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=count, dtype="uint16",
                       compress="deflate", blockysize=height, sparse_ok=True, crs=UTM,
                       transform=from_origin(X0, Y0, 0.5 * 40000 / width, 0.5 * 40000 / width)):
        pass
    return path


def _corrupt(path):
    """Overwrite the compressed pixel data of the first block: the header stays readable, the pixels do not."""
    with rasterio.open(path) as src:
        off = int(src.get_tag_item("BLOCK_OFFSET_0_0", "TIFF", bidx=1))
        n = int(src.get_tag_item("BLOCK_SIZE_0_0", "TIFF", bidx=1))
    with open(path, "r+b") as f:
        f.seek(off + 2)
        f.write(b"\xff" * (n - 2))
    return path


def case(name, d):
    """(argv without -o, expected part of the one-line message)."""
    d.mkdir(parents=True, exist_ok=True)
    if name == "transposed MS":  # MS written transposed with a swapped-axis transform: corners agree
        g = np.random.default_rng(0)
        ms = g.integers(100, 2000, (4, 16, 16))
        p, m = _pair(d, Affine(0.0, 2.0, X0, -2.0, 0.0, Y0), ms=ms.transpose(0, 2, 1))
        return [p, m], "rows and columns are swapped"
    if name == "mirrored MS":
        return _pair(d, Affine(2.0, 0.0, X0, 0.0, 2.0, Y0 - 64 * 0.5)), "flipped along y"
    if name == "rotated MS":
        c, s = np.cos(0.2), np.sin(0.2)
        return _pair(d, Affine(2 * c, -2 * s, X0, -2 * s, -2 * c, Y0)), "rotated"
    if name == "pixel size":
        return _pair(d, from_origin(X0, Y0, 2.2, 2.2)), "pixel sizes give a ratio"
    if name == "uint8 PAN, uint16 MS":
        return _pair(d, pan_dtype="uint8", pan=np.full((1, 64, 64), 200)), "PAN pan.tif is uint8 but MS ms.tif is uint16"
    if name == "declared 40000 x 40000":
        p, m = _sparse(d / "pan.tif", 40000, 40000), _sparse(d / "ms.tif", 10000, 10000, 4)
        assert os.path.getsize(p) < 1000
        return [p, m], "declares 40000 x 40000 = 1.6e+09 pixels per band, above the limit"
    if name == "declared size vs file size":
        p, m = _sparse(d / "pan.tif", 40000, 40000), _sparse(d / "ms.tif", 10000, 10000, 4)
        return [p, m, "--max-pixels", "2000000000"], "DEFLATE-compressed file has only"
    if name == "truncated file":
        p, m = _pair(d)
        data = p.read_bytes()
        p.write_bytes(data[: len(data) // 2])
        return [p, m], "uncompressed file has only"
    if name == "corrupt pixels":
        p, m = _pair(d, compress="deflate")
        _corrupt(p)
        return [p, m], "ZIPDecode"
    if name == "not a TIFF":
        p, m = _pair(d)
        p.write_bytes(b"II*\x00" + b"\x00" * 100)
        return [p, m], "not recognized as being in a supported file format"
    if name == "inf":
        pan = np.full((1, 64, 64), 0.5, np.float32)
        pan[0, 3, 3] = np.inf
        return _pair(d, pan_dtype="float32", ms_dtype="float32", pan=pan,
                     ms=np.full((4, 16, 16), 0.5, np.float32)), "NaN or infinite"
    if name == "negative floats":
        return _pair(d, pan_dtype="float32", ms_dtype="float32", pan=np.full((1, 64, 64), -0.2),
                     ms=np.full((4, 16, 16), 0.5)), "not [0, 1]"
    if name == "float above --scale":
        p, m = _pair(d, pan_dtype="float32", ms_dtype="float32")
        return [p, m, "--scale", "1"], "above the scale 1"
    if name == "nodata values differ":
        p, m = _pair(d)
        with rasterio.open(p, "r+") as f:
            f.nodata = 0
        with rasterio.open(m, "r+") as f:
            f.nodata = 65535
        return [p, m], "different nodata values (0 and 65535); pass --nodata"
    if name == "all nodata":
        p, m = _pair(d, pan=np.zeros((1, 64, 64)), ms=np.zeros((4, 16, 16)))
        return [p, m, "--nodata", "0"], "no valid pixel"
    if name == "tile a global method":
        p, m = _pair(d)
        return [p, m, "--model", "gsa", "--tile", "32"], "not tileable: it uses statistics over the whole scene"
    if name == "scale and bit depth":
        p, m = _pair(d)
        return [p, m, "--scale", "2047", "--bit-depth", "11"], "not both"
    if name == "checkpoint of a classical method":
        p, m = _pair(d)
        return [p, m, "--checkpoint", str(d)], "--checkpoint does not apply"
    raise AssertionError(name)


CATALOGUE = ["transposed MS", "mirrored MS", "rotated MS", "pixel size", "uint8 PAN, uint16 MS",
             "declared 40000 x 40000", "declared size vs file size", "truncated file", "corrupt pixels", "not a TIFF",
             "inf", "negative floats", "float above --scale", "nodata values differ", "all nodata",
             "tile a global method", "scale and bit depth", "checkpoint of a classical method"]


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
@pytest.mark.parametrize("name", CATALOGUE)
def test_bad_input_catalogue(capsys, out_dir, tmp_path, name):
    argv, match = case(name, tmp_path / "in")
    pan, ms, *rest = argv
    if "--model" not in rest:
        rest += ["--model", "exp"]
    before = {p: p.read_bytes() for p in (tmp_path / "in").iterdir()}
    rc, _, err = run(capsys, "pansharpen", "--pan", pan, "--ms", ms, *rest, "-o", out_dir / "o.tif")
    assert_clean_error(rc, err, match)
    assert "see previous exception" not in err.lower()
    assert list(out_dir.iterdir()) == []
    assert {p: p.read_bytes() for p in (tmp_path / "in").iterdir()} == before


@pytest.mark.parametrize("how", ["same path", "relative path", "symlink", "png beside"])
def test_output_that_is_an_input_is_refused(capsys, tmp_path, monkeypatch, how):
    pan_p, ms_p = make_pair(tmp_path / "in")
    before = pan_p.read_bytes()
    if how == "same path":
        out = pan_p
    elif how == "relative path":
        monkeypatch.chdir(tmp_path)
        out = "in/../in/pan.tif"
    elif how == "symlink":
        out = tmp_path / "link.tif"
        out.symlink_to(pan_p)
    else:  # the preview would overwrite an input named like it
        png = tmp_path / "in" / "fused.png"
        png.write_bytes(b"precious")
        rc, _, err = run(capsys, "pansharpen", "--pan", pan_p, "--ms", png, "--model", "exp",
                         "-o", tmp_path / "in" / "fused.tif")
        assert_clean_error(rc, err, "is the input")
        assert png.read_bytes() == b"precious"
        return
    rc, _, err = run(capsys, "pansharpen", "--pan", pan_p, "--ms", ms_p, "--model", "exp", "-o", out)
    assert_clean_error(rc, err, "is the input")
    assert pan_p.read_bytes() == before
