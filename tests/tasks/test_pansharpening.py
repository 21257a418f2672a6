"""The pansharpening task's command line (``fusionzoo pansharpen``, its ``run_cli``).

``pansharpen`` runs here with ``--model exp`` (classical, parameter-free) on the built-in sample, and with
the test-only architecture of ``tests/helpers/toy_family.py`` for the pretrained-weights path.  Every error
path must end as one line on stderr, exit status 2, and no output file.
"""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import torch
from PIL import Image
from rasterio.crs import CRS

import fusionzoo
from fusionzoo.io import SAMPLE_PAN, load_sample, read_pan_ms, write_geotiff
from fusionzoo.ops.interp import interp23tap
from tests.helpers import toy_family as toy
from tests.helpers.cli import UTM, assert_clean_error, from_origin, make_pair, run


def test_pansharpen_sample_exp(capsys, out_dir):
    out = out_dir / "fused.tif"
    rc, stdout, err = run(capsys, "pansharpen", "--sample", "--model", "exp", "-o", out)
    assert rc == 0, err
    assert "wrote" in stdout and "11-bit" in stdout and str(out) in stdout
    with rasterio.open(SAMPLE_PAN) as pan, rasterio.open(out) as dst:
        assert dst.crs == pan.crs
        assert dst.transform == pan.transform
        assert (dst.count, dst.height, dst.width) == (8, 512, 512)
        assert dst.dtypes[0] == "uint16"
        assert dst.descriptions[4] == "red"
        got = dst.read().astype(np.float64)
    # EXP is the 23-tap interpolation: the file holds it in DN (within rounding)
    s = load_sample()
    ref = interp23tap(s["ms"].double(), 4).clamp(0, 1)[0].numpy() * 2047
    assert np.abs(got - ref).max() <= 0.51  # float32 model vs float64 reference
    png = out.with_suffix(".png")
    with Image.open(png) as im:
        assert im.mode == "RGB" and im.size == (512, 512)
    assert sorted(p.name for p in out_dir.iterdir()) == ["fused.png", "fused.tif"]


def test_pansharpen_files_pretrained(capsys, out_dir, tmp_path, toy_weights):
    pan_p, ms_p = make_pair(tmp_path / "in", bands=4, size=16)
    out = out_dir / "toy.tif"
    rc, stdout, err = run(capsys, "pansharpen", "--pan", pan_p, "--ms", ms_p, "--model", toy.NAME, "-o", out)
    assert rc == 0, err
    assert f"weights {toy.NAME}" in stdout and "11-bit: the bit depth the weights" in stdout
    model = fusionzoo.create_model(toy.NAME, pretrained=True).eval()
    pair = read_pan_ms(pan_p, ms_p)
    with torch.no_grad():
        ref = model(torch.from_numpy(pair["ms"] / 2047.0).float()[None],
                    torch.from_numpy(pair["pan"] / 2047.0).float()[None]).clamp(0, 1)[0].numpy()
    with rasterio.open(out) as dst:
        assert dst.crs == UTM and dst.transform == from_origin(350000.0, 3456000.0, 0.5, 0.5)
        assert (dst.count, dst.height, dst.width) == (4, 64, 64)
        assert np.abs(dst.read().astype(np.float64) - ref * 2047).max() <= 0.51
    assert out.with_suffix(".png").is_file()


def test_pansharpen_bit_depth(capsys, out_dir, tmp_path):
    pan_p, ms_p = make_pair(tmp_path / "in", bands=3, size=8, max_dn=4000)
    rc, stdout, err = run(capsys, "pansharpen", "--pan", pan_p, "--ms", ms_p, "--model", "exp",
                          "-o", out_dir / "a.tif")
    assert rc == 0, err
    assert "DN / 4095 (12-bit: guessed" in stdout
    rc, stdout, err = run(capsys, "pansharpen", "--pan", pan_p, "--ms", ms_p, "--model", "exp",
                          "--bit-depth", "16", "-o", out_dir / "b.tif")
    assert rc == 0 and "DN / 65535 (16-bit: --bit-depth)" in stdout


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_pansharpen_ungeoreferenced(capsys, out_dir, tmp_path):
    g = np.random.default_rng(1)
    pan_p, ms_p = tmp_path / "p.tif", tmp_path / "m.tif"
    write_geotiff(pan_p, g.integers(0, 255, (1, 32, 32)), None, None, "uint8")
    write_geotiff(ms_p, g.integers(0, 255, (4, 8, 8)), None, None, "uint8")
    out = out_dir / "o.tif"
    rc, stdout, err = run(capsys, "pansharpen", "--pan", pan_p, "--ms", ms_p, "--model", "exp", "-o", out)
    assert rc == 0, err
    assert "8-bit" in stdout and "no CRS" in stdout
    with rasterio.open(out) as dst:
        assert dst.crs is None and dst.count == 4


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_pansharpen_ignore_georef(capsys, out_dir, tmp_path):
    pan_p, ms_p = make_pair(tmp_path / "in", ms_crs=CRS.from_epsg(32650), ms_shift=3.0)
    rc, _, err = run(capsys, "pansharpen", "--pan", pan_p, "--ms", ms_p, "--model", "exp", "-o", out_dir / "o.tif")
    assert_clean_error(rc, err, "pass --ignore-georef")
    rc, stdout, err = run(capsys, "pansharpen", "--pan", pan_p, "--ms", ms_p, "--model", "exp", "--ignore-georef",
                          "-o", out_dir / "o.tif")
    assert rc == 0, err
    assert "no georeference" in stdout
    with rasterio.open(out_dir / "o.tif") as dst:
        assert dst.crs is None and dst.count == 4 and dst.width == 64


def _case(name, tmp_path):
    """(argv without -o, expected message) for each error case."""
    d = tmp_path / "in"
    if name == "missing pan":
        _, ms_p = make_pair(d)
        return ["--pan", d / "nope.tif", "--ms", ms_p], "PAN file"
    if name == "missing ms":
        pan_p, _ = make_pair(d)
        return ["--pan", pan_p, "--ms", d / "nope.tif"], "MS file"
    if name == "size not ratio":
        return ["--pan", *_pm(make_pair(d, ms_size=(15, 16)))], "integer resolution ratio"
    if name == "same size":
        return ["--pan", *_pm(make_pair(d, ratio=1))], "same size"
    if name == "pan bands":
        return ["--pan", *_pm(make_pair(d, pan_bands=3))], "exactly 1"
    if name == "nan":
        return ["--pan", *_pm(make_pair(d, dtype="float32", nan=True))], "NaN"
    if name == "crs":
        return ["--pan", *_pm(make_pair(d, ms_crs=CRS.from_epsg(32650)))], "different CRS"
    if name == "extent":
        return ["--pan", *_pm(make_pair(d, ms_shift=3.0))], "same extent"
    if name == "unknown model":
        return ["--sample", "--model", "pnm"], "did you mean pnn"
    if name == "unknown tag":
        return ["--sample", "--model", "exp.wv3"], "no pretrained weights"
    if name == "bit depth too small":
        return ["--sample", "--model", "exp", "--bit-depth", "8"], "above the 8-bit full scale"
    if name == "sample and files":
        return ["--sample", "--pan", "x.tif", "--ms", "y.tif", "--model", "exp"], "not both"
    if name == "no input":
        return ["--model", "exp"], "give --sample"
    raise AssertionError(name)


def _pm(pair):
    return [pair[0], "--ms", pair[1], "--model", "exp"]


ERRORS = ["missing pan", "missing ms", "size not ratio", "same size", "pan bands", "nan", "crs", "extent",
          "unknown model", "unknown tag", "bit depth too small", "sample and files", "no input",
          ]


@pytest.mark.parametrize("case", ERRORS)
def test_pansharpen_errors(capsys, out_dir, tmp_path, case):
    argv, match = _case(case, tmp_path)
    rc, _, err = run(capsys, "pansharpen", *argv, "-o", out_dir / "o.tif")
    assert_clean_error(rc, err, match)
    assert list(out_dir.iterdir()) == []


def test_pansharpen_untrained_model(capsys, out_dir):
    assert not fusionzoo.get_arch("fusionnet").cfg.weights  # a network without fusionzoo weights
    rc, _, err = run(capsys, "pansharpen", "--sample", "--model", "fusionnet", "-o", out_dir / "o.tif")
    assert_clean_error(rc, err, "'fusionnet' has no pretrained weights yet")
    assert list(out_dir.iterdir()) == []


def test_pansharpen_model_band_mismatch(capsys, out_dir, toy_weights):
    rc, _, err = run(capsys, "pansharpen", "--sample", "--model", toy.NAME, "-o", out_dir / "o.tif")
    assert_clean_error(rc, err, "expects 4 MS bands (blue, green, red, nir)")
    assert list(out_dir.iterdir()) == []


def test_pansharpen_unknown_tag(capsys, out_dir, toy_weights):
    rc, _, err = run(capsys, "pansharpen", "--sample", "--model", "toypan.synht", "-o", out_dir / "o.tif")
    assert_clean_error(rc, err, "unknown model 'toypan.synht'; did you mean toypan.synth?")
    assert list(out_dir.iterdir()) == []


def test_pansharpen_corrupted_weights(capsys, out_dir, tmp_path, toy_weights):
    p = toy.write_weights(tmp_path / "weights_dir")
    p.write_bytes(p.read_bytes()[:-8] + b"\0" * 8)
    pan_p, ms_p = make_pair(tmp_path / "in")
    rc, _, err = run(capsys, "pansharpen", "--pan", pan_p, "--ms", ms_p, "--model", toy.NAME,
                     "-o", out_dir / "o.tif")
    assert_clean_error(rc, err, "checksum mismatch")
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize("out, match", [("missing_dir/o.tif", "does not exist"), ("o.png", "GeoTIFF")])
def test_pansharpen_bad_output(capsys, out_dir, out, match):
    rc, _, err = run(capsys, "pansharpen", "--sample", "--model", "exp", "-o", out_dir / out)
    assert_clean_error(rc, err, match)
    assert list(out_dir.iterdir()) == []


def test_pansharpen_failure_while_writing_leaves_nothing(capsys, out_dir, monkeypatch):
    import fusionzoo.io

    def broken(*a, **k):
        raise OSError("No space left on device")

    monkeypatch.setattr(fusionzoo.io, "quicklook", broken)
    rc, _, err = run(capsys, "pansharpen", "--sample", "--model", "exp", "-o", out_dir / "o.tif")
    assert_clean_error(rc, err, "No space left on device")
    assert list(out_dir.iterdir()) == []


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_pansharpen_cuda(capsys, out_dir):
    rc, stdout, err = run(capsys, "pansharpen", "--sample", "--model", "exp", "--device", "cuda",
                          "-o", out_dir / "o.tif")
    assert rc == 0, err
    assert "on cuda" in stdout


def _float_pair(folder, nodata=None):
    folder.mkdir(parents=True, exist_ok=True)
    g = np.random.default_rng(0)
    ms = g.uniform(0.1, 0.9, (4, 16, 16)).astype(np.float32)
    pan = g.uniform(0.1, 0.9, (1, 64, 64)).astype(np.float32)
    write_geotiff(folder / "pan.tif", pan, UTM, from_origin(350000.0, 3456000.0, 0.5, 0.5), "float32", nodata=nodata)
    write_geotiff(folder / "ms.tif", ms, UTM, from_origin(350000.0, 3456000.0, 2.0, 2.0), "float32", nodata=nodata)
    return folder / "pan.tif", folder / "ms.tif", ms


def test_pansharpen_float_reflectance_is_kept_in_0_1(capsys, out_dir, tmp_path):
    pan_p, ms_p, ms = _float_pair(tmp_path / "in")
    out = out_dir / "f.tif"
    rc, stdout, err = run(capsys, "pansharpen", "--pan", pan_p, "--ms", ms_p, "--model", "exp", "--tile", "32",
                          "-o", out)
    assert rc == 0, err
    assert "float data already in [0, 1]" in stdout and "float32, the inputs' scale" in stdout
    assert "in 32x32 tiles" in stdout
    with rasterio.open(out) as dst:
        got = dst.read()
        assert dst.dtypes[0] == "float32" and dst.tags()["SCALE"] == "1"
    ref = interp23tap(torch.from_numpy(ms)[None].double(), 4).clamp(0, 1)[0].numpy()
    assert np.abs(got - ref).max() <= 1e-5  # not divided by 2047 (the maximum of 11 DN)


def test_pansharpen_nodata_option(capsys, out_dir, tmp_path):
    pan_p, ms_p = make_pair(tmp_path / "in", size=32)
    with rasterio.open(ms_p, "r+") as f:
        a = f.read()
        a[:, 10:14, 10:14] = 0
        f.write(a)
    out = out_dir / "n.tif"
    rc, stdout, err = run(capsys, "pansharpen", "--pan", pan_p, "--ms", ms_p, "--model", "exp", "--nodata", "0",
                          "-o", out)
    assert rc == 0, err
    assert "nodata 0" in stdout
    with rasterio.open(out) as dst:
        assert dst.nodata == 0
        assert (dst.read()[:, 48:56, 48:56] == 0).all()


def test_pansharpen_checkpoint_goes_to_create_model(capsys, out_dir, monkeypatch, toy_weights, tmp_path):
    import fusionzoo.registry

    seen = {}
    real = fusionzoo.registry.create_model

    def spy(name, pretrained=False, **kw):
        seen.update(name=name, pretrained=pretrained, **kw)
        kw.pop("checkpoint", None)
        return real(name, pretrained=True, **kw)

    monkeypatch.setattr(fusionzoo.registry, "create_model", spy)
    pan_p, ms_p = make_pair(tmp_path / "in")
    rc, _, err = run(capsys, "pansharpen", "--pan", pan_p, "--ms", ms_p, "--model", toy.NAME,
                     "--checkpoint", tmp_path / "my_run", "-o", out_dir / "c.tif")
    assert rc == 0, err
    assert seen == {"name": toy.NAME, "pretrained": False, "checkpoint": str(tmp_path / "my_run")}


def test_pansharpen_keeps_the_old_pair_when_the_preview_fails(capsys, out_dir, monkeypatch):
    import fusionzoo.io

    out = out_dir / "o.tif"
    rc, _, err = run(capsys, "pansharpen", "--sample", "--model", "exp", "-o", out)
    assert rc == 0, err
    old = out.read_bytes(), out.with_suffix(".png").read_bytes()

    def full_disk(*a, **k):
        raise OSError("No space left on device")

    monkeypatch.setattr(fusionzoo.io, "quicklook", full_disk)
    rc, _, err = run(capsys, "pansharpen", "--sample", "--model", "mtf_glp_hpm", "-o", out)
    assert_clean_error(rc, err, "No space left on device")
    assert (out.read_bytes(), out.with_suffix(".png").read_bytes()) == old
    assert sorted(p.name for p in out_dir.iterdir()) == ["o.png", "o.tif"]
