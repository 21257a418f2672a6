"""The pansharpening benchmark never loses results: one unreadable scene is reported by name and reason while
the others are scored and written, the exit status says that some failed, and tables are replaced atomically."""

from __future__ import annotations

import pytest
import torch

from fusionzoo import cli
from fusionzoo.benchmarks import pansharpening as B
from fusionzoo.benchmarks.runner import write_csv, write_text_atomic
from fusionzoo.datasets import Scene

GOOD, BAD = "wv3_cdif", "qb_abfnet_test"


def _scene(name: str) -> Scene:
    g = torch.Generator().manual_seed(0)
    gt = torch.nn.functional.interpolate(torch.rand(1, 4, 16, 16, generator=g), size=(128, 128), mode="bicubic",
                                         align_corners=False)[0].clamp(0.05, 1)
    return Scene(name, torch.nn.functional.avg_pool2d(gt[None], 4)[0], gt.mean(0, keepdim=True), "QB", 11, 4, gt)


@pytest.fixture
def one_bad_scene(monkeypatch):
    def load(name, root):
        if name == BAD:
            raise OSError(f"{name}.mat: HDF5 error: truncated file (size 1024, expected 5000000)")
        return _scene(name)

    monkeypatch.setattr(B, "load_scene", load)


def test_unreadable_scene_is_named_and_the_others_are_written(one_bad_scene, tmp_path, capsys):
    out = tmp_path / "tables"
    rc = cli.main(["benchmark", "pansharpening", "--scenes", BAD, GOOD, "--models", "exp", "--root", str(tmp_path),
                   "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert f"scene {BAD} failed: OSError: {BAD}.mat: HDF5 error: truncated file" in err
    assert "1 scene(s) failed" in err
    md = (out / "pansharpening_reduced.md").read_text()
    assert "`exp`" in md and f"## {GOOD}" in md
    assert "## Scenes that failed" in md and f"- {BAD}: OSError: {BAD}.mat: HDF5 error" in md
    assert GOOD in (out / "pansharpening_reduced.csv").read_text()


def test_a_scene_failing_mid_run_leaves_no_half_rows(monkeypatch):
    good, bad = _scene(GOOD), _scene(BAD)
    real = B._full_rows

    def full_rows(scene, *a, **k):
        if scene.name == BAD:
            raise RuntimeError("out of memory")
        return real(scene, *a, **k)

    monkeypatch.setattr(B, "_full_rows", full_rows)
    res = B.run_pansharpening_benchmark([bad, good], ["exp"], log=None)
    assert res.failed_scenes == [(BAD, "RuntimeError: out of memory")]
    assert {r["scene"] for r in res.reduced} == {GOOD} and {r["scene"] for r in res.full} == {GOOD}


def test_unknown_scene_name_fails_before_any_work():
    with pytest.raises(KeyError, match="unknown scene.*'nope'"):
        B.run_pansharpening_benchmark(["nope", GOOD], ["exp"], log=None)


def test_tables_are_replaced_atomically(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    write_csv([{"a": 1.0, "b": "x"}], ("a", "b"), path)
    assert path.read_text().splitlines() == ["a,b", "1.000000,x"]
    assert (path.stat().st_mode & 0o777) == (0o666 & ~_umask())
    old = path.read_text()

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_csv([{"a": 2.0, "b": "y"}] * 1000, ("a", "b"), path)
    with pytest.raises(OSError, match="No space left"):
        write_text_atomic(tmp_path / "t.md", "new")
    assert path.read_text() == old  # the old table, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]  # no temporary left behind


def _umask() -> int:
    import os

    m = os.umask(0)
    os.umask(m)
    return m
