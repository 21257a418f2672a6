"""TV (total-variation pansharpening): contract and errors, agreement with a literal NumPy transcription of the
toolbox's ``TV_pansharpen.m`` at digital-number scale (its quirks included; MATLAB ``imresize`` being fusionzoo's,
tested elsewhere), the difference operators' adjointness, and the paper's iteration decreasing its objective."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import fusionzoo
from fusionzoo.models.pansharpening.classical import variational as V
from fusionzoo.ops import imresize
from fusionzoo.registry import get_arch
from tests.helpers import ROOT

# ------------------------------------------------------------------------------ literal transcription


def _resize(a: np.ndarray, scale: float) -> np.ndarray:  # imresize(a, scale, 'bilinear') on a 2-D image
    return imresize(torch.from_numpy(np.ascontiguousarray(a)), scale, method="bilinear").numpy()


def _Dx(v):
    return np.concatenate([np.diff(v, axis=1), np.zeros((v.shape[0], 1))], 1)


def _Dy(v):
    return np.concatenate([np.diff(v, axis=0), np.zeros((1, v.shape[1]))], 0)


def _DyT(v):
    u0 = -v[:1]
    u1 = -np.diff(v, axis=0)
    u2 = v[-2:-1]
    return np.concatenate([u0, u1[:-1], u2], 0)


def _DxT(v):
    return _DyT(v.T).T


def _computeDb(b):  # b (H, W, C) as MATLAB's third dimension
    return np.concatenate([np.stack([_Dx(b[:, :, i]) for i in range(b.shape[2])], 2),
                           np.stack([_Dy(b[:, :, i]) for i in range(b.shape[2])], 2)], 2)


def _DTz(z):
    return np.stack([_DxT(z[:, :, i]) + _DyT(z[:, :, i + 4]) for i in range(z.shape[2] // 2)], 2)  # z(:,:,i+4)


def _cIDDTz(z, c):
    ddtz = _computeDb(_DTz(z))
    cIddtz = c * z - ddtz  # noqa: F841  (computed and dropped, as in the toolbox: the function returns ddtz)
    return ddtz


def _toolbox_tv(yms, ypan, alpha, lam, c, maxiter, w):
    """TV_pansharpen(yms, ypan, alpha, lambda, c, maxiter, w); yms (h, w, C), ypan (H, W)."""
    C = yms.shape[2]
    z = np.zeros(ypan.shape + (2 * C,))
    x = np.zeros(ypan.shape + (C,))
    for _ in range(maxiter):
        Hms = np.stack([_resize(x[:, :, i], 0.25) for i in range(C)], 2)
        Hpan = sum(w[i] * x[:, :, i] for i in range(C))
        rms, rpan = yms - Hms, ypan - Hpan
        b = alpha * x + np.stack([_resize(rms[:, :, i], 4) + w[i] * rpan for i in range(C)], 2)
        W = np.zeros_like(z)
        for i in range(C):
            W[:, :, i] = 2 * alpha / lam * np.sqrt(_Dx(x[:, :, i]) ** 2 + _Dy(x[:, :, i]) ** 2) + c
            W[:, :, i + C] = 2 * alpha / lam * np.sqrt(_Dx(x[:, :, i]) ** 2 + _Dy(x[:, :, i]) ** 2) + c
        z = (_computeDb(b) + _cIDDTz(z, c)) / W
        x = (b - _DTz(z)) / alpha
    return x


# ----------------------------------------------------------------------------------------------- tests


def _pair(bands=4, h=6, w=5, seed=0, dtype=torch.float64):
    rng = np.random.default_rng(seed)
    pan = 0.2 + 0.5 * rng.random((4 * h, 4 * w))
    ms = 0.1 + 0.5 * rng.random((bands, h, w)) + 0.4 * pan.reshape(h, 4, w, 4).mean((1, 3))
    return torch.from_numpy(ms)[None].to(dtype), torch.from_numpy(pan)[None, None].to(dtype)


def test_registered_classical_with_card():
    cfg = get_arch("tv").cfg
    assert cfg.classical and cfg.inputs == ("ms", "pan") and (ROOT / "model_cards" / cfg.card).is_file()
    assert sum(p.numel() for p in fusionzoo.create_model("tv").parameters()) == 0


def test_demo_parameters():
    m = fusionzoo.create_model("tv", sensor="WV3")
    assert (m.alpha, m.lam, m.c, m.iterations) == (0.75, 1e-3, 8.0, 50) and len(m.weights(8)) == 8
    m = fusionzoo.create_model("tv", sensor="IKONOS")
    assert (m.alpha, m.lam, m.iterations, m.w) == (1.064, 0.47106, 10, (0.1091, 0.2127, 0.2928, 0.3854))
    assert fusionzoo.create_model("tv", sensor="GeoEye-1").lam == 157.8954
    m = fusionzoo.create_model("tv")  # generic: the documented default, equal weights
    assert m.weights(3) == (1 / 3,) * 3 and m.iterations == 10
    assert fusionzoo.create_model("tv", sensor="WV3", lam=2.0, iterations=3).lam == 2.0


def test_contract_and_errors():
    ms, pan = _pair(dtype=torch.float32)
    m = fusionzoo.create_model("tv", iterations=3)
    out = m(ms, pan)
    assert out.shape == (1, 4, 24, 20) and out.dtype == torch.float32 and torch.isfinite(out).all()
    two = m(torch.cat([ms, ms.flip(-1)]), torch.cat([pan, pan.flip(-1)]))
    torch.testing.assert_close(two[:1], out)
    for bands in (1, 3):  # fewer than 4 bands (the toolbox fails): each band's own vertical channel
        one = m(ms[:, :bands], pan)
        assert one.shape == (1, bands, 24, 20) and torch.isfinite(one).all()
    with pytest.raises(ValueError, match="4 spectral weights"):
        fusionzoo.create_model("tv", sensor="IKONOS", bands=None)(torch.cat([ms, ms], 1), pan)
    with pytest.raises(ValueError, match="positive"):
        fusionzoo.create_model("tv", lam=0.0)
    with pytest.raises(ValueError, match="iterations"):
        fusionzoo.create_model("tv", iterations=0)


@pytest.mark.parametrize("sensor,bands", [("IKONOS", 4), ("WV3", 8), ("GE1", 4)])
def test_matches_toolbox_transcription(sensor, bands):
    ms, pan = _pair(bands, seed=bands)
    m = fusionzoo.create_model("tv", sensor=sensor, iterations=6)
    S = m.scale(bands)  # the toolbox runs on digital numbers, lambda in DN
    ref = _toolbox_tv(S * ms[0].permute(1, 2, 0).numpy(), S * pan[0, 0].numpy(), m.alpha, m.lam, m.c, 6,
                      m.weights(bands))
    mine = m(ms, pan)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(S * mine, ref, rtol=1e-10, atol=1e-10 * S)


def test_differences_and_their_transpose():
    rng = np.random.default_rng(0)
    u, z = torch.from_numpy(rng.random((1, 2, 7, 6))), torch.from_numpy(rng.random((1, 4, 7, 6)))
    g = V._grad(u)
    for b in range(2):
        np.testing.assert_array_equal(g[0, b].numpy(), _Dx(u[0, b].numpy()))
        np.testing.assert_array_equal(g[0, 2 + b].numpy(), _Dy(u[0, b].numpy()))
    torch.testing.assert_close((g * z).sum(), (u * V._grad_t(z, 2)).sum(), rtol=1e-13, atol=0)  # adjoint
    want = _DxT(z[0, 0].numpy()) + _DyT(z[0, 2].numpy())
    np.testing.assert_allclose(V._grad_t(z, 2)[0, 0].numpy(), want, rtol=0, atol=1e-15)


@pytest.mark.parametrize("sensor", ["IKONOS", "GE1", "generic"])
def test_paper_iteration_decreases_the_objective(sensor):
    ms, pan = _pair(seed=1)
    m = fusionzoo.create_model("tv", sensor=sensor, toolbox=False)
    w = torch.tensor(m.weights(4), dtype=torch.float64)
    lam = m.lam / m.scale(4)
    J = [V.tv_objective(m.solve(ms, pan, iterations=k), ms, pan, w, lam, 4).item() for k in range(13)]
    assert all(b <= a * (1 + 1e-12) for a, b in itertools.pairwise(J)), J
    assert J[-1] < 0.1 * J[0]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("toolbox", [True, False])
def test_cuda_matches_cpu(toolbox):
    ms, pan = _pair(8, seed=2)
    m = fusionzoo.create_model("tv", sensor="WV3", iterations=5, toolbox=toolbox)
    torch.testing.assert_close(m(ms.cuda(), pan.cuda()).cpu(), m(ms, pan), rtol=1e-9, atol=1e-9)
