"""The ``fusionzoo`` command line and the imagery I/O behind it (``fusionzoo.io``).

``pansharpen`` runs here with ``--model exp`` (classical, parameter-free) on the built-in sample, and with
the test-only architecture of ``tests/_toy_family.py`` for the pretrained-weights path, until PNN's weights
are published.  Every error path must end as one line on stderr, exit status 2, and no output file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
import torch
from PIL import Image
from rasterio.crs import CRS
from affine import Affine

import fusionzoo
from fusionzoo import cli
from fusionzoo.io import (SAMPLE_MS, SAMPLE_PAN, ImageryError, load_sample, quicklook, read_pan_ms,
                          write_geotiff)
from fusionzoo.ops.interp import interp23tap

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _toy_family as toy  # noqa: E402

UTM = CRS.from_epsg(32651)


def from_origin(west: float, north: float, xsize: float, ysize: float) -> Affine:
    """North-up transform (rasterio's own helper multiplies Affines with the deprecated ``*``)."""
    return Affine(xsize, 0.0, west, 0.0, -ysize, north)


# --- helpers ----------------------------------------------------------------------------------------------
def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = cli.main([str(a) for a in argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def assert_clean_error(rc: int, err: str, match: str) -> None:
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("fusionzoo"), err
    assert "error:" in lines[0] and "Traceback" not in err
    assert match.lower() in lines[0].lower(), lines[0]


def make_pair(folder: Path, bands: int = 4, size: int = 16, ratio: int = 4, *, pan_bands: int = 1,
              ms_size: tuple[int, int] | None = None, ms_crs=UTM, ms_shift: float = 0.0,
              dtype: str = "uint16", nan: bool = False, max_dn: int = 2047, seed: int = 0) -> tuple[Path, Path]:
    """A georeferenced PAN + MS pair in UTM 51N, PAN 0.5 m, MS ``ratio`` times coarser."""
    folder.mkdir(parents=True, exist_ok=True)
    g = np.random.default_rng(seed)
    h, w = ms_size or (size, size)
    ms = g.integers(100, max_dn, (bands, h, w)).astype(dtype)
    pan = g.integers(100, max_dn, (pan_bands, size * ratio, size * ratio)).astype(dtype)
    if nan:
        ms[0, 2, 3] = np.nan
    x0, y0 = 350000.0, 3456000.0
    pan_p, ms_p = folder / "pan.tif", folder / "ms.tif"
    write_geotiff(pan_p, pan, UTM, from_origin(x0, y0, 0.5, 0.5), dtype)
    write_geotiff(ms_p, ms, ms_crs, from_origin(x0 + ms_shift, y0, 0.5 * ratio, 0.5 * ratio), dtype)
    return pan_p, ms_p


@pytest.fixture
def out_dir(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    return d


@pytest.fixture
def toy_weights(tmp_path, monkeypatch):
    """The test-only architecture ``toypan`` with its weights resolvable through FUSIONZOO_WEIGHTS_DIR."""
    toy.register()
    base = tmp_path / "weights_dir"
    toy.write_weights(base)
    monkeypatch.setenv("FUSIONZOO_WEIGHTS_DIR", str(base))
    yield toy.weights()
    toy.unregister()


# --- list / info ------------------------------------------------------------------------------------------
def test_list(capsys):
    rc, out, err = run(capsys, "list")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["name", "task", "inputs", "kind", "weights"]
    rows = {ln.split()[0]: ln for ln in lines[2:]}
    assert set(rows) == set(fusionzoo.list_models())
    assert "classical" in rows["exp"] and "not needed" in rows["exp"]
    pnn_rows = [r for n, r in rows.items() if n.split(".")[0] == "pnn"]
    assert pnn_rows and all("learned" in r and "ms+pan" in r for r in pnn_rows)

    rc, out, _ = run(capsys, "list", "--pattern", "ex*")
    assert rc == 0 and [ln.split()[0] for ln in out.splitlines()[2:]] == ["exp"]
    rc, out, _ = run(capsys, "list", "--pretrained")
    assert rc == 0 and "exp " not in out
    rc, out, err = run(capsys, "list", "--task", "classification")
    assert rc == 0 and out == "" and "no model matches" in err


def test_list_shows_weights(capsys, toy_weights):
    rc, out, _ = run(capsys, "list", "--pattern", "toy*")
    assert rc == 0
    (row,) = out.splitlines()[2:]
    assert row.split()[0] == toy.NAME and "yes (QB, 4 bands)" in row


def test_info_classical_and_untrained(capsys):
    rc, out, err = run(capsys, "info", "exp")
    assert rc == 0, err
    assert "Aiazzi" in out and "inputs:  ms, pan" in out and "classical" in out and "params:  0" in out
    rc, out, err = run(capsys, "info", "pnn")
    assert rc == 0, err
    assert "Masi" in out and "learned" in out


def test_info_weights(capsys, toy_weights):
    w = toy_weights
    rc, out, err = run(capsys, "info", toy.ARCH)
    assert rc == 0, err
    for text in (f"{toy.NAME} (default)", "sensor:      QB", "blue, green, red, nir", "ratio:       4",
                 "bit depth:   11", f"parameters:  {w.num_params:,}", "Toy-QB (CC0-1.0)",
                 "Toy-QB / reduced_resolution: Q4=0.8123, SAM=4.25, ERGAS=3.5",
                 "Toy-QB / full_resolution: HQNR=0.9012", "exp: Toy-QB / reduced_resolution",
                 f"{w.hf_repo} @ {w.hf_revision}", w.sha256, "licence:     MIT"):
        assert text in out, text
    rc, out, _ = run(capsys, "info", toy.NAME)
    assert rc == 0 and toy.NAME in out


@pytest.mark.parametrize("name, match", [("pnm", "did you mean pnn"), ("exp.foo", "no pretrained weights"),
                                         ("nosuchmodel", "unknown model")])
def test_info_unknown(capsys, name, match):
    rc, _, err = run(capsys, "info", name)
    assert_clean_error(rc, err, match)


def test_usage_errors_are_one_line(capsys):
    rc, _, err = run(capsys, "pansharpen", "--sample")
    assert_clean_error(rc, err, "-o/--output")
    rc, _, err = run(capsys, "frobnicate")
    assert_clean_error(rc, err, "invalid choice")
    rc, out, _ = run(capsys, "pansharpen", "-h")
    assert rc == 0 and "--bit-depth" in out


# --- pansharpen -------------------------------------------------------------------------------------------
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
    rc, stdout, err = run(capsys, "pansharpen", *argv, "-o", out_dir / "o.tif")
    assert_clean_error(rc, err, match)
    assert list(out_dir.iterdir()) == []


def test_pansharpen_untrained_model(capsys, out_dir):
    if fusionzoo.get_arch("pnn").cfg.weights:
        pytest.skip("pnn has pretrained weights now")
    rc, _, err = run(capsys, "pansharpen", "--sample", "-o", out_dir / "o.tif")  # default model: pnn
    assert_clean_error(rc, err, "'pnn' has no pretrained weights yet")
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


# --- publish ----------------------------------------------------------------------------------------------
def test_publish(capsys, tmp_path, toy_weights, monkeypatch):
    from fusionzoo import hub

    rc, out, err = run(capsys, "publish", toy.NAME, "--out", tmp_path / "pub")
    assert rc == 0, err
    folder = tmp_path / "pub" / toy_weights.hf_repo
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "model.safetensors"]
    calls = []
    monkeypatch.setattr(hub, "push_to_hub", lambda name, org=None, token=None: calls.append((name, org, token))
                        or "https://huggingface.co/x/commit/1")
    rc, out, err = run(capsys, "publish", toy.NAME, "--out", tmp_path / "pub2", "--push", "--org", "me",
                       "--token", "t0k")
    assert rc == 0, err
    assert calls == [(toy.NAME, "me", "t0k")] and "pushed" in out


@pytest.mark.parametrize("name, match", [("nosuch", "unknown model"), ("exp", "no pretrained weights")])
def test_publish_errors(capsys, tmp_path, name, match):
    rc, _, err = run(capsys, "publish", name, "--out", tmp_path / "pub")
    assert_clean_error(rc, err, match)
    assert not (tmp_path / "pub").exists()


# --- io ---------------------------------------------------------------------------------------------------
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


def test_models_markdown_lists_every_model():
    md = cli.models_markdown().splitlines()
    assert md[0] == "| name | task | inputs | kind | params | trained on |"
    assert [ln.split("|")[1].strip().strip("`") for ln in md[2:]] == fusionzoo.list_models()
