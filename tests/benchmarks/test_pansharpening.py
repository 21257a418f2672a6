"""The pansharpening benchmark on tiny synthetic scenes: the tables have the right columns, and their numbers
are the metric functions' values under the toolbox conventions."""

from __future__ import annotations

import csv
import math

import pytest
import torch

from fusionzoo import cli
from fusionzoo import metrics as M
from fusionzoo.benchmarks import pansharpening as B
from fusionzoo.benchmarks.pansharpening import evaluate_reduced
from fusionzoo.benchmarks.runner import benchmark_methods
from fusionzoo.datasets import Scene, degrade_scene
from tests.helpers import toy_family as toy

MODELS = ["exp", "gsa", "fihs"]  # two fast methods and one defined for 3 bands only


def _texture(bands: int, size: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(1, 1, size // 16, size // 16, generator=g)
    var = torch.rand(1, bands, size // 16, size // 16, generator=g)
    hr = torch.nn.functional.interpolate(0.7 * base + 0.3 * var, size=(size, size), mode="bicubic",
                                         align_corners=False)
    return (0.1 + 0.6 * hr).clamp(0.01, 1.0)[0]


@pytest.fixture(scope="module")
def scenes():
    gt = _texture(4, 128, 0)  # reduced-resolution scene with its reference, 11-bit QuickBird
    ms = torch.nn.functional.avg_pool2d(gt[None], 4)[0]
    pan = gt.mean(0, keepdim=True)
    reduced = Scene("toy_reduced", ms, pan, "QB", 11, 4, gt)
    hr = _texture(8, 384, 1)  # full-resolution scene, 8-bit WorldView-3
    full = Scene("toy_full", torch.nn.functional.avg_pool2d(hr[None], 4)[0], hr.mean(0, keepdim=True), "WV3", 8, 4)
    return reduced, full


@pytest.fixture(scope="module")
def result(scenes):
    return B.run_pansharpening_benchmark(list(scenes), MODELS, max_full_size=256, log=None)


def _read_csv(path):
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        return r.fieldnames, list(r)


def test_tables_columns(result, tmp_path):
    paths = B.write_benchmark_tables(result, tmp_path)
    assert sorted(p.name for p in paths) == ["pansharpening_full.csv", "pansharpening_full.md",
                                             "pansharpening_reduced.csv", "pansharpening_reduced.md"]
    cols, rows = _read_csv(tmp_path / "pansharpening_reduced.csv")
    assert tuple(cols) == B.REDUCED_COLUMNS
    assert {"Q2n", "SAM", "ERGAS", "SCC", "PSNR", "seconds", "mpix_per_s"} <= set(cols)
    assert [(r["scene"], r["method"]) for r in rows] == [(s, m) for s in ("toy_reduced", "toy_full") for m in MODELS]
    cols_f, rows_f = _read_csv(tmp_path / "pansharpening_full.csv")
    assert tuple(cols_f) == B.FULL_COLUMNS and {"D_lambda", "D_s", "HQNR"} <= set(cols_f)
    # the scene with a reference is scored at full resolution on its input pair, the reference unused
    assert [r["scene"] for r in rows_f] == ["toy_reduced"] * 3 + ["toy_full"] * 3
    assert rows_f[0]["pan_size"] == "128x128 (input pair)" and rows_f[3]["pan_size"] == "256x256 of 384x384"
    fihs = [r for r in rows + rows_f if r["method"] == "fihs"]
    assert all(r["Q2n" if "Q2n" in r else "HQNR"] == "" and "3 bands" in r["note"] for r in fihs)
    md = (tmp_path / "pansharpening_reduced.md").read_text()
    assert "| method | Q2n | SAM | ERGAS | SCC | PSNR | seconds | MPix/s |" in md
    assert "## toy_reduced" in md and "## toy_full" in md and "Wald-degraded" in md and "`fihs` (n/a" in md
    mdf = (tmp_path / "pansharpening_full.md").read_text()
    assert "| method | D_lambda | D_s | HQNR | seconds | MPix/s |" in mdf


def test_reduced_numbers_are_the_metric_values(result, scenes, tmp_path):
    B.write_benchmark_tables(result, tmp_path)
    _, rows = _read_csv(tmp_path / "pansharpening_reduced.csv")
    for scene in scenes:
        ms, pan, gt = degrade_scene(scene)
        s = 2**scene.bit_depth - 1
        for name in ("exp", "gsa"):
            model = B.build_method(name, 4, scene.sensor)
            with torch.no_grad():
                fused = model(ms[None], pan[None]).clamp(0, 1)
            f = M.cut_border(fused.double() * s, 20, 21)
            r = M.cut_border(gt[None].double() * s, 20, 21)
            want = {"Q2n": M.q2n(f, r), "SAM": M.sam(f, r), "ERGAS": M.ergas(f, r, 4), "SCC": M.scc(f, r),
                    "PSNR": M.psnr(f, r, data_range=s)}
            row = next(x for x in rows if x["scene"] == scene.name and x["method"] == name)
            for k, v in want.items():
                assert float(row[k]) == pytest.approx(float(v), abs=2e-6), (scene.name, name, k)
            assert float(row["seconds"]) > 0
            sec = float(row["seconds"])  # written with 6 decimals: fast methods take well under a millisecond
            assert float(row["mpix_per_s"]) == pytest.approx(pan.shape[-1] ** 2 / 1e6 / sec, rel=1e-3 + 1e-6 / sec)
    # the scene with a reference scores as fusionzoo.evaluation does
    reduced = scenes[0]
    ev = evaluate_reduced(B.build_method("gsa", 4, "QB"), reduced, metrics=B.REDUCED_METRICS)
    row = next(x for x in rows if x["scene"] == "toy_reduced" and x["method"] == "gsa")
    assert {k: round(float(row[k]), 4) for k in ev} == pytest.approx(ev, abs=1.5e-4)


def test_full_numbers_are_the_metric_values(result, scenes):
    full = scenes[1]
    ms, pan = B.crop_full_resolution(full, 256)
    assert ms.shape == (8, 64, 64) and pan.shape == (1, 256, 256)
    torch.testing.assert_close(pan, full.pan[:, 64:320, 64:320])  # the centre, MS-aligned
    for name in ("exp", "gsa"):
        with torch.no_grad():
            fused = B.build_method(name, 4, "WV3")(ms[None], pan[None]).clamp(0, 1)
        h, dl, ds = M.hqnr(fused.double(), ms[None].double(), pan[None].double(), "WV3", 4, 32, max_value=255,
                           return_components=True)
        row = next(r for r in result.full if r["method"] == name and r["scene"] == "toy_full")
        assert row["HQNR"] == pytest.approx(float(h), abs=1e-12)
        assert row["D_lambda"] == pytest.approx(float(dl), abs=1e-12)
        assert row["D_s"] == pytest.approx(float(ds), abs=1e-12)
        assert math.isclose(row["HQNR"], (1 - row["D_lambda"]) * (1 - row["D_s"]), rel_tol=1e-12)


def test_small_scene_is_skipped_with_reason():
    hr = _texture(4, 128, 2)
    tiny = Scene("tiny", torch.nn.functional.avg_pool2d(hr[None], 4)[0], hr.mean(0, keepdim=True), "QB", 11, 4)
    res = B.run_pansharpening_benchmark([tiny], ["exp"], log=None)
    assert not res.reduced and [n for n, _ in res.skipped_scenes] == ["tiny"]
    assert "too small" in res.skipped_scenes[0][1]
    assert len(res.full) == 1 and res.full[0]["pan_size"] == "128x128"


def test_learned_weights_are_picked_up_and_band_mismatch_skipped(scenes, tmp_path, monkeypatch):
    toy.register()
    try:
        base = tmp_path / "weights"
        toy.write_weights(base)
        monkeypatch.setenv("FUSIONZOO_WEIGHTS_DIR", str(base))
        assert toy.NAME in benchmark_methods("pansharpening")  # registered weights: benchmarked by default
        assert "pnn" not in benchmark_methods("pansharpening")  # no weights: not benchmarked
        res = B.run_pansharpening_benchmark(list(scenes), [toy.NAME, "exp"], protocols=("reduced",), log=None)
        qb = next(r for r in res.reduced if r["scene"] == "toy_reduced" and r["method"] == toy.NAME)
        wv3 = next(r for r in res.reduced if r["scene"] == "toy_full" and r["method"] == toy.NAME)
        assert qb["kind"] == "learned" and qb["note"] == "" and 0 < qb["Q2n"] <= 1
        assert "Q2n" not in wv3 and wv3["note"] == "skipped: weights for 4 bands (QB), scene has 8"
        B.write_benchmark_tables(res, tmp_path)
        assert "skipped: weights for 4 bands (QB), scene has 8" in (tmp_path / "pansharpening_reduced.md").read_text()
    finally:
        toy.unregister()


def test_methods_selection():
    assert set(benchmark_methods("pansharpening", ["mtf_glp_h*"])) == {"mtf_glp_hpm", "mtf_glp_hpm_h", "mtf_glp_hpm_r"}
    with pytest.raises(KeyError):
        benchmark_methods("pansharpening", ["nosuchmethod"])


def test_speed_run(tmp_path):
    res = B.run_speed_benchmark(64, (4, 8), ["exp", "fihs"], log=None)
    rows = {(r["method"], r["bands"]): r for r in res["rows"]}
    assert rows[("exp", 8)]["seconds"] > 0 and rows[("fihs", 4)]["seconds"] is None
    p = B.write_speed_table(res, tmp_path / "speed.md")
    text = p.read_text()
    assert "| method | 4 bands (s) | 4 bands (MPix/s) | 8 bands (s) | 8 bands (MPix/s) |" in text
    assert "`fihs` (4 bands): n/a" in text


def test_cli(tmp_path, capsys):
    rc = cli.main(["benchmark", "pansharpening", "--speed", "--speed-size", "64", "--speed-bands", "4",
                   "--models", "exp", "--out", str(tmp_path), "--quiet"])
    assert rc == 0 and (tmp_path / "pansharpening_speed.md").is_file()
    rc = cli.main(["benchmark", "pansharpening", "--root", str(tmp_path / "nothing"), "--out", str(tmp_path)])
    assert rc == 2 and "does not exist" in capsys.readouterr().err


def test_evaluate_full_is_the_benchmark_row(result, scenes):
    """fusionzoo.evaluation.evaluate_full scores a scene's input pair as the benchmark's full-resolution rows."""
    from fusionzoo.benchmarks.pansharpening import evaluate_full

    got = evaluate_full(B.build_method("gsa", 4, "QB"), scenes[0])
    row = next(r for r in result.full if r["method"] == "gsa" and r["scene"] == "toy_reduced")
    assert got == {k: round(row[k], 4) for k in ("D_lambda", "D_s", "HQNR")}
    assert got["HQNR"] == pytest.approx((1 - got["D_lambda"]) * (1 - got["D_s"]), abs=2e-4)
