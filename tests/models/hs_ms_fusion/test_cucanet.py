"""CUCaNet: parameter count, initialisation, constraints, schedule, losses, fit/fuse, reproducibility, errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from fusionzoo.models.hs_ms_fusion import cucanet as cu
from fusionzoo.models.hs_ms_fusion.cucanet import CUCaNet, lr_factor, srf_supports

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"


def d700_supports_srf() -> np.ndarray:
    """A 31 x 3 table with the supports of the authors' Nikon_D700_Qu.xls (B 0-11, G 5-30, R 16-30)."""
    srf = np.zeros((31, 3))
    srf[0:12, 0] = 1
    srf[5:31, 1] = 1
    srf[16:31, 2] = 1
    return srf


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/models/hs_ms_fusion/conftest.py


def n_params(m: torch.nn.Module) -> int:
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def formula(C: int, c: int, s: int, theta: int, h: int, w: int, R: int) -> int:
    """families.md A1: 128C + 164,736 + 2050θ + θC + 3200c + 426,880 + θc + 2s² + R + 4,609 + 512hw + 512."""
    return (128 * C + 164736 + 2050 * theta + theta * C + 3200 * c + 426880 + theta * c + 2 * s * s + R + 4609
            + 512 * h * w + 512)


def tiny_pair(seed: int = 0, C: int = 6, c: int = 3, h: int = 2, s: int = 2, theta: int = 3):
    """A linear-mixing scene: HR-HS = endmembers x abundances, LR-HS by block means, MS = HS x SRF."""
    g = torch.Generator().manual_seed(seed)
    E = torch.rand(C, theta, generator=g) * 0.8 + 0.1
    A = torch.rand(theta, h * s, h * s, generator=g)
    A = A / A.sum(0, keepdim=True)
    hr = torch.einsum("ct,thw->chw", E, A)[None]
    lr = torch.nn.functional.avg_pool2d(hr, s)
    srf = torch.rand(C, c, generator=g)
    srf = srf / srf.sum(0, keepdim=True)
    ms = torch.einsum("bchw,cm->bmhw", hr, srf)
    return lr, ms, srf.numpy()


# --- architecture ------------------------------------------------------------------------------------------
def test_parameter_count_standard_configuration():
    m = CUCaNet(ratio=32, hs_size=(16, 16), srf=d700_supports_srf(), num_theta=128)
    assert n_params(m) == 1_010_230
    assert n_params(m.srf) == 12 + 26 + 15
    assert n_params(m.spectral_attention) == 512 * 16 * 16 + 512
    assert formula(31, 3, 32, 128, 16, 16, 53) == 1_010_230


def test_parameter_count_follows_formula_and_lr_size():
    m = CUCaNet(hs_bands=6, ms_bands=2, ratio=4, hs_size=(3, 5), num_theta=7)  # no srf: full supports, R = 2 * 6
    assert n_params(m) == formula(6, 2, 4, 7, 3, 5, 12)
    fixed = CUCaNet(ratio=4, hs_size=(3, 5), num_theta=7, srf=np.ones((6, 2)), learn_srf=False)
    assert n_params(fixed) == formula(6, 2, 4, 7, 3, 5, 0)


def test_shared_xls_supports():
    xls = SHARED / "data" / "hsms" / "srf" / "nikon_d700" / "nikon_d700_bgr_order.xls"
    if not xls.is_file():
        pytest.skip(f"{xls} absent (shared data not mounted)")
    from fusionzoo.degradation import read_srf

    table = read_srf(xls).responses  # (31 HS bands, 3 MS bands) in the file's B, G, R order
    assert srf_supports(table) == [(0, 11), (5, 30), (16, 30)]
    assert n_params(CUCaNet(ratio=32, hs_size=(16, 16), srf=table)) == 1_010_230


def test_initialisation():
    torch.manual_seed(123)
    m = CUCaNet(ratio=4, hs_size=(4, 4), srf=d700_supports_srf(), num_theta=8)
    assert torch.all(m.psf.conv.weight == 1 / 16) and torch.all(m.psf_attention.conv.weight == 1 / 16)
    assert torch.all(m.spatial_attention.conv.weight == 1 / 9) and torch.all(m.spatial_attention.conv.bias == 0)
    assert torch.all(m.spectral_attention.conv.weight == 1) and torch.all(m.spectral_attention.conv.bias == 0)
    for conv, n in zip(m.srf.bands, (12, 26, 15)):
        assert torch.allclose(conv.weight, torch.full_like(conv.weight, 1 / n))
    # Kaiming-normal fan-in (std sqrt(2 / fan_in)), zero biases: the 256 -> 512 layer has 131,072 weights
    w = m.ms_encoder[4].weight
    assert abs(float(w.detach().std()) - math.sqrt(2 / 256)) < 0.02 * math.sqrt(2 / 256)
    assert torch.all(m.ms_encoder[4].bias == 0) and m.hs_decoder.conv.bias is None
    # the seed, not the global RNG, decides the weights
    torch.manual_seed(999)
    m2 = CUCaNet(ratio=4, hs_size=(4, 4), srf=d700_supports_srf(), num_theta=8)
    assert torch.equal(m.lr_encoder[0].weight, m2.lr_encoder[0].weight)


def test_forward_modules_by_hand():
    m = CUCaNet(ratio=2, hs_size=(2, 2), hs_bands=3, ms_bands=1, num_theta=4)
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    # the PSF starts as the 2x2 block mean, applied to each band alike
    y = m.psf(torch.cat([x, 2 * x], 1))
    assert torch.allclose(y[0, 0], torch.tensor([[2.5, 4.5], [10.5, 12.5]]))
    assert torch.allclose(y[0, 1], 2 * y[0, 0])
    f = torch.randn(2, 512, 6, 5)
    a = m.spatial_attention(f)
    assert a.shape == (2, 1, 6, 5) and torch.allclose(a.sum((2, 3)), torch.ones(2, 1))
    s = m.spectral_attention(torch.randn(1, 512, 2, 2))
    assert s.shape == (1, 512, 1, 1) and torch.allclose(s.sum(), torch.tensor(1.0))
    # learned SRF: the mean of the support bands, clamped to [0, 1]
    hs = torch.rand(1, 3, 2, 2) * 0.5
    assert torch.allclose(m.srf(hs), hs.mean(1, keepdim=True), atol=1e-6)


def test_loss_helpers_by_hand():
    a = torch.full((1, 4, 2, 3), 0.25)  # sums to one, uniform: both penalties vanish
    assert float(cu._sum_to_one(a)) == pytest.approx(0.0, abs=1e-6)
    assert float(cu._sparse_kl(a)) == pytest.approx(0.0, abs=1e-6)
    b = torch.zeros(1, 2, 1, 1)
    b[0, 0] = 3.0  # softmax q = (e^3, 1) / (e^3 + 1), p = 1/2
    q0 = math.exp(3) / (math.exp(3) + 1)
    want = 0.5 * math.log(0.5 / q0) + 0.5 * math.log(0.5 / (1 - q0))
    want += 0.5 * math.log(0.5 / (1 - q0)) + 0.5 * math.log(0.5 / q0)
    assert float(cu._sparse_kl(b)) == pytest.approx(want, rel=1e-5)
    assert float(cu._sum_to_one(b)) == pytest.approx(2.0)


def test_lr_schedule():
    assert lr_factor(0, 2000, 8000) == 1.0
    assert lr_factor(1998, 2000, 8000) == 1.0
    assert lr_factor(1999, 2000, 8000) == pytest.approx(1 - 1 / 8001)
    assert lr_factor(9998, 2000, 8000) == pytest.approx(1 / 8001)
    assert lr_factor(9999, 2000, 8000) == 0.0
    m = CUCaNet(iterations=10)
    assert (m.niter, m.niter_decay, m.iterations) == (2, 8, 10)
    assert CUCaNet().iterations == 10_000


# --- fitting -----------------------------------------------------------------------------------------------
def test_fit_shapes_constraints_and_loss_decrease():
    lr, ms, srf = tiny_pair()
    m = CUCaNet(srf=srf, num_theta=4, iterations=8, progress=False)
    seen = []
    m.fit(lr, ms, callback=lambda k, out, losses: seen.append((k, out.shape, sorted(losses))))
    assert [k for k, _, _ in seen] == list(range(8)) and len(m.history_) == 8
    assert seen[0][1] == (1, 6, 4, 4) and len(seen[0][2]) == 9
    assert m.output_.shape == (1, 6, 4, 4)
    assert float(m.output_.min()) >= 0 and float(m.output_.max()) <= 1
    assert m.history_[-1] < 0.9 * m.history_[0]
    # constraints hold after the steps
    for dec in (m.hs_decoder, m.ms_decoder):
        w = dec.conv.weight.detach()
        assert float(w.min()) >= 0 and float(w.max()) <= 1
    for conv in m.srf.bands:
        w = conv.weight.detach()
        assert float(w.min()) >= 0 and float(w.sum()) == pytest.approx(1.0, abs=1e-5)
    # the learning rates are the base lr times each sub-network's factor, after the schedule
    assert m.lr == 5e-3 and cu._LR_FACTORS["ms_encoder"] == 0.5 and cu._LR_FACTORS["psf"] == 0.2


def test_constrain_by_hand():
    m = CUCaNet(ratio=2, hs_size=(2, 2), srf=np.array([[1.0, 0], [1, 0], [0, 1]]), num_theta=4)
    with torch.no_grad():
        m.hs_decoder.conv.weight.fill_(-0.5)
        m.ms_decoder.conv.weight.fill_(2.0)
        m.srf.bands[0].weight.copy_(torch.tensor([3.0, -1.0]).view(1, 2, 1, 1))
        m.srf.bands[1].weight.fill_(7.0)  # a one-band support: clamped to [0, 5], not normalised
        m.psf.conv.weight.fill_(-3.0)
    m.constrain_()
    assert torch.all(m.hs_decoder.conv.weight == 0) and torch.all(m.ms_decoder.conv.weight == 1)
    assert torch.equal(m.srf.bands[0].weight.flatten(), torch.tensor([1.0, 0.0]))
    assert torch.all(m.srf.bands[1].weight == 5)
    assert torch.all(m.psf.conv.weight == -3)  # the PSF is not constrained


def test_seed_reproducibility():
    lr, ms, srf = tiny_pair(1)
    a = CUCaNet(srf=srf, num_theta=4, iterations=3, progress=False, seed=3).fit(lr, ms)
    b = CUCaNet(srf=srf, num_theta=4, iterations=3, progress=False, seed=3).fit(lr, ms)
    c = CUCaNet(srf=srf, num_theta=4, iterations=3, progress=False).fit(lr, ms, seed=4)
    assert a.history_ == b.history_ and torch.equal(a.output_, b.output_)
    assert a.history_ != c.history_


def test_fuse_fits_once_per_pair_batches_and_inference_mode(monkeypatch):
    lr, ms, srf = tiny_pair(2)
    m = CUCaNet(srf=srf, num_theta=4, iterations=2, progress=False)
    calls = []
    fit = m.fit
    monkeypatch.setattr(m, "fit", lambda *a, **k: calls.append(1) or fit(*a, **k))
    out = m(hs=lr, ms=ms)
    assert out.shape == (1, 6, 4, 4) and len(calls) == 1
    assert torch.equal(m(hs=lr, ms=ms), out) and len(calls) == 1  # same pair: no refit
    with torch.inference_mode():
        both = m(hs=torch.cat([lr * 0.5, lr]), ms=torch.cat([ms * 0.5, ms]))
    assert both.shape == (2, 6, 4, 4) and len(calls) == 3
    assert torch.equal(both[1], out[0])  # refitted with the same seed on the same pair: the same result


def test_registry_entry_point():
    from fusionzoo.registry import create_model, get_arch
    from fusionzoo.weights import WeightsError

    cfg = get_arch("cucanet").cfg
    assert cfg.fitted and not cfg.classical and cfg.weights == () and cfg.task == "hs_ms_fusion"
    lr, ms, srf = tiny_pair(3)
    m = create_model("cucanet", iterations=2, num_theta=4, progress=False, srf=srf)
    assert isinstance(m, CUCaNet) and m(hs=lr, ms=ms).shape == (1, 6, 4, 4)
    with pytest.raises(WeightsError, match="no pretrained weights"):
        create_model("cucanet", pretrained=True)


def test_fixed_srf_variant():
    srf = np.array([[2.0, 0.0], [2.0, 1.0], [0.0, 3.0]])
    m = CUCaNet(ratio=2, hs_size=(2, 2), srf=srf, learn_srf=False, num_theta=4)
    hs = torch.rand(1, 3, 2, 2)
    want = torch.stack([(hs[0, 0] + hs[0, 1]) / 2, (hs[0, 1] + 3 * hs[0, 2]) / 4])[None]
    assert torch.allclose(m.srf(hs), want, atol=1e-6)
    assert "srf" not in m._optimizers()


# --- errors ------------------------------------------------------------------------------------------------
def test_clear_errors():
    lr, ms, srf = tiny_pair(4)
    m = CUCaNet(srf=srf, num_theta=4, iterations=2, progress=False)
    with pytest.raises(ValueError, match="ratio|integer multiple"):
        m(hs=lr, ms=ms[..., :3, :3])
    with pytest.raises(ValueError, match="one image pair"):
        m.fit(torch.cat([lr, lr]), torch.cat([ms, ms]))
    with pytest.raises(ValueError, match=r"scale the pair to \[0, 1\]"):
        m.fit(lr * 300, ms)
    with pytest.raises(ValueError, match="NaN"):
        m(hs=lr * float("nan"), ms=ms)
    with pytest.raises(ValueError, match="expects 6 HS bands|HS bands"):
        m(hs=lr[:, :5], ms=ms)
    with pytest.raises(ValueError, match="learn_srf=False"):
        CUCaNet(learn_srf=False)
    with pytest.raises(ValueError, match="unknown loss weights"):
        CUCaNet(lambdas={"Z": 1})
    with pytest.raises(ValueError, match="no positive response"):
        CUCaNet(srf=np.array([[1.0, 0.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="hs_bands=5 but srf is 6x3"):
        CUCaNet(srf=srf, hs_bands=5)
    with pytest.raises(ValueError, match="iterations must be >= 1"):
        CUCaNet(iterations=0)
    with pytest.raises(RuntimeError, match="call fit"):
        CUCaNet().network(lr, ms)
    built = CUCaNet(ratio=2, hs_size=(3, 3), srf=srf, num_theta=4)
    with pytest.raises(ValueError, match="built for a 3x3 HS input"):
        built.network(lr, ms)
