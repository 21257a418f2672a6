"""Target-adaptive fine-tuning (``fusionzoo.adapt``, PNN+) and ``fusionzoo pansharpen --adapt``."""

from __future__ import annotations

import math

import pytest
import torch

import fusionzoo
from fusionzoo import cli
from fusionzoo.adapt import AdaptationError, target_adapt
from fusionzoo.ops.degrade import degrade


def smooth_scene(bands: int = 4, h: int = 32, ratio: int = 4, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A smooth synthetic (ms (1, C, h, h), pan (1, 1, r h, r h)) pair in [0, 1]."""
    g = torch.Generator().manual_seed(seed)
    H = ratio * h
    y, x = torch.meshgrid(torch.linspace(0, 1, H), torch.linspace(0, 1, H), indexing="ij")
    f = torch.rand(bands, 3, generator=g)
    hr = torch.stack([0.4 + 0.2 * torch.sin(2 * math.pi * (a + 1) * x) * torch.cos(2 * math.pi * (b + 1) * y)
                      + 0.1 * c for a, b, c in f.tolist()])
    pan = hr.mean(0, keepdim=True)
    ms = torch.nn.functional.avg_pool2d(hr[None], ratio)
    return ms.float(), pan[None].float()


def reduced_l1(model: torch.nn.Module, ms: torch.Tensor, pan: torch.Tensor) -> float:
    ms_lr, pan_lr = degrade(ms, pan, "QB", 4)
    with torch.no_grad():
        return float((model.eval()(ms_lr, pan_lr) - ms).abs().mean())


def params_of(model: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def test_adapt_lowers_reduced_loss_and_changes_weights():
    torch.manual_seed(0)
    model = fusionzoo.create_model("pnn", bands=4)
    ms, pan = smooth_scene()
    before, w0 = reduced_l1(model, ms, pan), params_of(model)
    rng = torch.get_rng_state()
    out = target_adapt(model, ms, pan, "QB", iterations=30, lr=1e-3, progress=False)
    assert out is model and not model.training
    assert torch.equal(torch.get_rng_state(), rng)  # the global RNG is left alone
    after = reduced_l1(model, ms, pan)
    assert after < 0.8 * before, (before, after)
    assert any(not torch.equal(a, b) for a, b in zip(w0, model.parameters()))
    rec = model.target_adaptation
    assert rec["iterations"] == 30 and len(rec["losses"]) == 30 and rec["losses"][-1] < rec["losses"][0]


def test_adapt_seeded_crops_reproducible():
    ms, pan = smooth_scene(h=48)
    models = []
    for _ in range(2):
        torch.manual_seed(1)
        m = fusionzoo.create_model("pnn", bands=4)
        target_adapt(m, ms, pan, "QB", iterations=3, lr=1e-3, progress=False, seed=7, crop=24)
        models.append(m)
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        assert torch.equal(a, b)


def test_adapt_errors():
    ms, pan = smooth_scene(h=32)
    with pytest.raises(AdaptationError, match="classical"):
        target_adapt(fusionzoo.create_model("exp"), ms, pan, "QB", iterations=1, progress=False)
    model = fusionzoo.create_model("pnn", bands=4)
    w0 = params_of(model)
    small_ms, small_pan = smooth_scene(h=4)
    with pytest.raises(AdaptationError, match="too small"):
        target_adapt(model, small_ms, small_pan, "QB", iterations=1, progress=False)
    bad = ms.clone()
    bad[0, 0, 3, 3] = float("nan")
    with pytest.raises(AdaptationError, match="NaN"):
        target_adapt(model, bad, pan, "QB", iterations=1, progress=False)
    with pytest.raises(AdaptationError, match="diverged|non-finite"):
        target_adapt(model, ms, pan, "QB", iterations=3, lr=1e30, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(w0, model.parameters()))  # restored
    model.pretrained_cfg = fusionzoo.get_weights("pnn.wv23")  # a record whose sensor, WV3, has 8 bands
    with pytest.raises(AdaptationError, match="8 MS bands"):
        target_adapt(model, ms, pan, iterations=1, progress=False)
    model.pretrained_cfg = None
    with pytest.raises(AdaptationError, match="sensor"):
        target_adapt(model, ms, pan, iterations=1, progress=False)  # no record to take the sensor from


def test_cli_pansharpen_adapt(capsys, tmp_path):
    out = tmp_path / "fused.tif"
    rc = cli.main(["pansharpen", "--sample", "--model", "pnn", "--adapt", "2", "-o", str(out)])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "target-adapted pnn" in cap.out and "2 iterations" in cap.out
    assert out.is_file() and out.with_suffix(".png").is_file()


def test_cli_pansharpen_adapt_classical(capsys, tmp_path):
    out = tmp_path / "fused.tif"
    rc = cli.main(["pansharpen", "--sample", "--model", "exp", "--adapt", "2", "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "classical" in err and "Traceback" not in err
    assert not out.exists()
