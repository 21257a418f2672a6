"""Whole scenes by tiles (``fusionzoo.inference.pansharpening``): tiled == untiled, bounded reads, nodata carried
through, the scale chosen from valid pixels, many scenes shared out by rank, and the output pair replaced
together (or not at all)."""

from __future__ import annotations

import copy
import os
import signal

import numpy as np
import pytest
import rasterio
import torch
import torch.nn.functional as F

import fusionzoo
import fusionzoo.io
from fusionzoo.inference import pansharpen_scene, pansharpen_scenes, tile_plan
from fusionzoo.inference import pansharpening as tiles
from fusionzoo.inference.pansharpening import RasterSource, Terminated, choose_scale
from tests.helpers.cli import UTM, from_origin

R = 4


def _scene(size=64, bands=4, seed=0):
    """Smooth random texture in [0.05, 0.95]: (1, H, W) PAN and (C, H/4, W/4) MS, float32."""
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(1, bands, size // 8, size // 8, generator=g)
    hr = F.interpolate(base, size=(size, size), mode="bicubic", align_corners=False).clamp(0.05, 0.95)
    return hr.mean(1, keepdim=True)[0].numpy(), F.avg_pool2d(hr, R)[0].numpy()


def _files(folder, pan, ms, dtype="uint16", nodata=None, full=2047):
    folder.mkdir(parents=True, exist_ok=True)
    conv = (lambda a: np.rint(a * full).astype(dtype)) if np.dtype(dtype).kind == "u" else (lambda a: a.astype(dtype))
    p, m = folder / "pan.tif", folder / "ms.tif"
    for path, a, res in ((p, pan, 0.5), (m, ms, 0.5 * R)):
        with rasterio.open(path, "w", driver="GTiff", width=a.shape[2], height=a.shape[1], count=a.shape[0],
                           dtype=dtype, crs=UTM, transform=from_origin(350000.0, 3456000.0, res, res),
                           nodata=nodata) as d:
            d.write(conv(a))
    return p, m


def _model(name):
    if name == "pnn":
        torch.manual_seed(0)
        return fusionzoo.create_model("pnn", bands=4, width=(16, 8)).eval()  # a learned network (random weights)
    return fusionzoo.create_model(name, ratio=R).eval()


@pytest.mark.parametrize("name", ["exp", "mtf_glp_hpm", "mtf_glp", "pnn"])
def test_tiled_equals_untiled(name):
    """Tiled equals untiled to float tolerance: the tiled result is as close to the float64 result as the untiled
    float32 one (HPM divides by the low-pass PAN, which magnifies float32 rounding to ~3e-5)."""
    pan, ms = _scene()
    model = _model(name)
    plan = tile_plan(model, 4)
    with torch.no_grad():
        ref = model(torch.from_numpy(ms)[None], torch.from_numpy(pan)[None]).clamp(0, 1)[0].numpy()
        m64 = copy.deepcopy(model).double()
        ref64 = m64(torch.from_numpy(ms)[None].double(), torch.from_numpy(pan)[None].double()).clamp(0, 1)[0].numpy()
    untiled = pansharpen_scene(model, pan, ms, tile=None, progress=False)
    assert np.abs(untiled - ref).max() <= 1e-6
    tiled = pansharpen_scene(model, pan, ms, tile=16, progress=False)
    inner = (slice(None), slice(8, -8), slice(8, -8)) if name == "pnn" else (slice(None),) * 3
    err_untiled = np.abs(untiled - ref64)[inner].max()
    err_tiled = np.abs(tiled - ref64)[inner].max()
    assert err_tiled <= 1.5 * err_untiled + 1e-6
    assert np.abs(tiled - untiled)[inner].max() <= 1e-4
    if name == "pnn":
        # PNN pads the interpolated MS by replication at the scene's edge, where a tile sees the interpolated MS of
        # its (wrapped) margin: the two differ within the network's own 8-pixel reach of the border, nowhere else
        assert plan.kind == "local" and plan.margin >= 32
        assert np.abs(tiled - untiled).max() > 1e-3
    else:
        assert plan.kind == ("local" if name == "exp" else "glp")


def test_global_methods_are_not_tiled():
    pan, ms = _scene(64)
    model = _model("gsa")
    plan = tile_plan(model, 4)
    assert plan.kind == "global" and "statistics over the whole scene" in plan.reason
    with pytest.raises(ValueError, match="not tileable"):
        pansharpen_scene(model, pan, ms, tile=32, progress=False)
    with torch.no_grad():
        ref = model(torch.from_numpy(ms)[None], torch.from_numpy(pan)[None]).clamp(0, 1)[0].numpy()
    assert np.abs(pansharpen_scene(model, pan, ms, progress=False) - ref).max() <= 1e-6  # auto: untiled


def test_the_margin_is_the_receptive_field():
    class Box(fusionzoo.models.pansharpening.base.PansharpeningModel):
        """Upsampled MS (nearest) plus a 7x7 box of the PAN: reach 3 PAN pixels."""

        def fuse(self, ms, pan):
            return F.interpolate(ms, scale_factor=R) + F.avg_pool2d(pan, 7, 1, 3)

    plan = tile_plan(Box(bands=None, ratio=R), 2)
    assert plan.kind == "local" and plan.margin == 8  # 4 (the reach, in steps of the ratio) + 4 of safety


def test_reads_stay_within_a_tile_and_its_margin(tmp_path, monkeypatch):
    pan, ms = _scene(128)
    p, m = _files(tmp_path / "in", pan, ms)
    seen = []
    orig = RasterSource._window

    def spy(self, r0, r1, c0, c1):
        seen.append((self.what, r1 - r0, c1 - c0))
        return orig(self, r0, r1, c0, c1)

    monkeypatch.setattr(RasterSource, "_window", spy)
    monkeypatch.setattr(tiles, "SCAN_BLOCK", 16)  # the scan for the scale reads blocks too (1024 by default)
    model = _model("exp")
    M = tile_plan(model, 4).margin
    pansharpen_scene(model, p, m, tmp_path / "o.tif", tile=16, progress=False)
    pan_reads = [(h, w) for what, h, w in seen if what == "PAN"]
    ms_reads = [(h, w) for what, h, w in seen if what == "MS"]
    assert pan_reads and ms_reads
    assert max(max(r) for r in pan_reads) <= 16 + 2 * M < 128  # never the whole scene
    assert max(max(r) for r in ms_reads) <= (16 + 2 * M) // R


def test_nodata_is_carried_through(tmp_path):
    pan, ms = _scene(128)
    pan16, ms16 = np.rint(pan * 2047), np.rint(ms * 2047)
    ms16[:, 14:18, 12:16] = 0  # a nodata block of the MS: PAN pixels 56..72 x 48..64
    p, m = _files(tmp_path / "in", pan16 / 2047, ms16 / 2047, nodata=0)
    model = _model("exp")
    grow = tile_plan(model, 4).grow
    res = pansharpen_scene(model, p, m, tmp_path / "o.tif", tile=32, progress=False)
    assert res["nodata"] == 0 and res["bit_depth"] == 11
    with rasterio.open(tmp_path / "o.tif") as src:
        assert src.nodata == 0
        out = src.read()
    bad = np.zeros(out.shape[1:], bool)
    bad[56 - grow:72 + grow, 48 - grow:64 + grow] = True  # (the margin does not reach the scene's borders)
    assert (out[:, bad] == 0).all()  # the grown block is nodata
    assert (out[:, ~bad] > 0).all()  # every other pixel is valid (and never reads as nodata)


def test_nodata_65535_does_not_set_the_bit_depth(tmp_path):
    pan, ms = _scene(64)
    pan16, ms16 = np.rint(pan * 2047), np.rint(ms * 2047)
    pan16[0, :8, :8] = 65535
    p, m = _files(tmp_path / "in", pan16 / 2047, ms16 / 2047, nodata=65535)
    res = pansharpen_scene(_model("exp"), p, m, tmp_path / "o.tif", progress=False)
    assert res["bit_depth"] == 11 and res["scale"] == 2047
    with rasterio.open(tmp_path / "o.tif") as src:
        out = src.read()
    assert out[:, 0, 0].tolist() == [65535] * 4 and out[:, 48:, 48:].max() <= 2047


def test_float_reflectance_is_not_divided_again(tmp_path):
    pan, ms = _scene(64)
    p, m = _files(tmp_path / "in", pan, ms, dtype="float32")
    model = _model("exp")
    res = pansharpen_scene(model, p, m, tmp_path / "o.tif", progress=False)
    assert res["scale"] == 1.0 and res["bit_depth"] is None and res["dtype"] == "float32"
    with rasterio.open(tmp_path / "o.tif") as src:
        got = src.read()
    with torch.no_grad():
        ref = model(torch.from_numpy(ms)[None], torch.from_numpy(pan)[None]).clamp(0, 1)[0].numpy()
    assert np.abs(got - ref).max() <= 1e-6
    assert choose_scale(np.dtype("float32"), 0.0, 0.8) == (1.0, None, "float data already in [0, 1], used as it is")
    assert choose_scale(np.dtype("float32"), 0.0, 0.8, scale=0.8)[0] == 0.8  # --scale wins


def test_many_scenes_are_shared_out_by_rank(tmp_path):
    pan, ms = _scene(32)
    items = []
    for i in range(5):
        p, m = _files(tmp_path / f"s{i}", pan, ms)
        items.append((p, m, tmp_path / f"o{i}.tif"))
    items[3] = (tmp_path / "missing.tif", items[3][1], items[3][2])
    done = pansharpen_scenes(_model("exp"), items, rank=1, world_size=2, progress=False)
    assert [d["out"] for d in done] == [items[1][2], items[3][2]]
    assert "result" in done[0] and (tmp_path / "o1.tif").is_file() and not (tmp_path / "o0.tif").exists()
    assert "missing.tif does not exist" in done[1]["error"]


def test_the_old_pair_stays_when_the_preview_fails(tmp_path, monkeypatch):
    pan, ms = _scene(32)
    p, m = _files(tmp_path / "in", pan, ms)
    out = tmp_path / "out" / "o.tif"
    out.parent.mkdir()
    out.write_bytes(b"old tif")
    out.with_suffix(".png").write_bytes(b"old png")

    def full_disk(*a, **k):
        raise OSError("No space left on device")

    monkeypatch.setattr(fusionzoo.io, "quicklook", full_disk)
    with pytest.raises(OSError, match="No space left"):
        pansharpen_scene(_model("exp"), p, m, out, progress=False)
    assert out.read_bytes() == b"old tif" and out.with_suffix(".png").read_bytes() == b"old png"
    assert sorted(x.name for x in out.parent.iterdir()) == ["o.png", "o.tif"]  # no temporaries left


def test_sigterm_removes_the_temporaries(tmp_path, monkeypatch):
    pan, ms = _scene(32)
    p, m = _files(tmp_path / "in", pan, ms)
    out = tmp_path / "out" / "o.tif"
    out.parent.mkdir()
    before = signal.getsignal(signal.SIGTERM)

    def killed(*a, **k):
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(fusionzoo.io, "quicklook", killed)
    with pytest.raises(Terminated):
        pansharpen_scene(_model("exp"), p, m, out, progress=False)
    assert list(out.parent.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is restored


def test_preview_is_bounded(tmp_path):
    pan, ms = _scene(64)
    p, m = _files(tmp_path / "in", pan, ms)
    res = pansharpen_scene(_model("exp"), p, m, tmp_path / "o.tif", progress=False, preview_size=20)
    from PIL import Image

    with Image.open(res["preview"]) as im:
        assert max(im.size) <= 20 and im.mode == "RGB"
