"""Shared toolbox operators of the classical HS-MS methods: gaussian_down_sample, estR, regressions, denoising."""

import math

import numpy as np
import pytest
import scipy.optimize
import torch

from fusionzoo.models.hs_ms_fusion.classical.spectral_response import (
    apply_regression,
    check_srf,
    estimate_srf,
    fspecial_gaussian,
    gaussian_down_sample,
    hypersharpening_regression,
    nnls_gram,
    toolbox_denoise,
)
from fusionzoo.ops import imresize

F64 = torch.float64


def _gds_loops(x: np.ndarray, w: int) -> np.ndarray:
    """Transcription of the toolbox's gaussian_down_sample.m block loop, (H, W, bands) numpy."""
    hx, hy = x.shape[0] // w, x.shape[1] // w
    sig = w / 2.35482
    k1 = fspecial_gaussian(w, sig).numpy()
    k2 = fspecial_gaussian(2 * w if w % 2 == 0 else 2 * w - 1, sig).numpy()
    o = w // 2 if w % 2 == 0 else (w - 1) // 2
    out = np.zeros((hx, hy, x.shape[2]))
    for a in range(1, hx + 1):
        for b in range(1, hy + 1):
            if a in (1, hx) or b in (1, hy):
                blk, k = x[(a - 1) * w:a * w, (b - 1) * w:b * w], k1
            else:
                blk, k = x[(a - 1) * w - o:a * w + o, (b - 1) * w - o:b * w + o], k2
            out[a - 1, b - 1] = (blk * k[:, :, None]).sum((0, 1))
    return out


def test_fspecial_gaussian_hand_values():
    g = fspecial_gaussian(3, 1.0)
    centre = 1.0 / (1 + 4 * math.exp(-0.5) + 4 * math.exp(-1.0))
    assert g[1, 1].item() == pytest.approx(centre, rel=1e-14)
    assert g.sum().item() == pytest.approx(1.0, abs=1e-15)
    assert torch.equal(g, g.T) and torch.equal(g, g.flip(0))
    # even size: centred between pixels, the four central values equal
    g4 = fspecial_gaussian(4, 1.5)
    assert torch.allclose(g4[1:3, 1:3], g4[1, 1].expand(2, 2), rtol=0, atol=1e-17)


@pytest.mark.parametrize("w", [1, 2, 3, 4, 5])
def test_gaussian_down_sample_matches_the_block_loop(w):
    rng = np.random.default_rng(w)
    x = rng.random((5 * w + w // 2, 4 * w + w - 1, 2))  # trailing rows / columns are ignored
    got = gaussian_down_sample(torch.from_numpy(x).permute(2, 0, 1)[None], w)[0].permute(1, 2, 0).numpy()
    ref = _gds_loops(x, w)
    assert got.shape == ref.shape == (5, 4, 2)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-14)


def test_gaussian_down_sample_keeps_constants_and_checks_input():
    x = torch.full((2, 3, 24, 16), 0.7, dtype=F64)
    y = gaussian_down_sample(x, 4)
    assert y.shape == (2, 3, 6, 4)
    assert torch.allclose(y, torch.full_like(y, 0.7), rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match="positive integer"):
        gaussian_down_sample(x, 0)
    assert torch.equal(gaussian_down_sample(x[0], 4), y[0])  # (C, H, W) too (the degradation model's API)
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        gaussian_down_sample(x[0, 0], 2)
    with pytest.raises(ValueError, match="smaller than one"):
        gaussian_down_sample(x, 32)


def _pair(C=10, c=3, r=4, h=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    ref = torch.rand(1, C, h * r, h * r, generator=g, dtype=F64)
    R = torch.rand(c, C, generator=g, dtype=F64)
    R[R < 0.4] = 0.0
    return ref, gaussian_down_sample(ref, r), R, g


def test_estimate_srf_recovers_a_known_response_and_offset():
    ref, hs, R, _ = _pair()
    offset = torch.tensor([0.1, -0.05, 0.0], dtype=F64)
    ms = torch.einsum("kc,bchw->bkhw", R, ref) + offset[None, :, None, None]
    est = estimate_srf(hs, ms, 4)
    assert est.srf.shape == (1, 3, 10) and est.offset.shape == (1, 3) and est.error.shape == (1, 3)
    torch.testing.assert_close(est.srf[0], R, rtol=0, atol=1e-12)
    torch.testing.assert_close(est.offset[0], offset, rtol=0, atol=1e-12)
    assert float(est.error.max()) < 1e-12
    assert torch.equal(estimate_srf(hs, ms).srf, est.srf)  # ratio taken from the sizes


def test_estimate_srf_is_the_nonnegative_least_squares_solution():
    ref, hs, R, g = _pair(seed=1)
    ms = torch.einsum("kc,bchw->bkhw", R, ref) + 0.05 * torch.randn(1, 3, 32, 32, generator=g, dtype=F64)
    est = estimate_srf(hs, ms, 4)
    assert bool((est.srf >= 0).all())
    lr = gaussian_down_sample(ms, 4).flatten(2)[0].numpy()
    A = hs.flatten(2)[0].numpy()
    Ac = A - A.mean(1, keepdims=True)
    for k in range(3):  # scipy's NNLS on the centred problem (the offset is free, hence eliminated by centring)
        xs, _ = scipy.optimize.nnls(Ac.T, lr[k] - lr[k].mean())
        np.testing.assert_allclose(est.srf[0, k].numpy(), xs, rtol=0, atol=1e-10)
        assert est.offset[0, k].item() == pytest.approx(lr[k].mean() - xs @ A.mean(1), abs=1e-12)


def test_nnls_gram_kkt_and_collinear_columns():
    g = torch.Generator().manual_seed(3)
    A = torch.randn(40, 6, generator=g, dtype=F64)
    A[:, 5] = 2 * A[:, 4]  # collinear pair: the minimiser is not unique, the fit is
    b = torch.randn(40, generator=g, dtype=F64)
    x = nnls_gram(A.T @ A, A.T @ b)
    grad = A.T @ (A @ x - b)
    assert bool((x >= 0).all())
    assert float(grad[x > 0].abs().max()) < 1e-10  # stationary on the positive set
    assert float(grad[x == 0].min()) > -1e-10  # no descent direction into the feasible set
    xs, _ = scipy.optimize.nnls(A.numpy(), b.numpy())
    assert float(((A @ x - b) ** 2).sum()) == pytest.approx(float(((A.numpy() @ xs - b.numpy()) ** 2).sum()),
                                                          rel=1e-12)


def test_hypersharpening_regression_is_exact_for_an_affine_relation():
    g = torch.Generator().manual_seed(4)
    ms = torch.rand(2, 3, 24, 24, generator=g, dtype=F64)
    X_true = torch.randn(2, 4, 5, generator=g, dtype=F64)  # 3 MS bands + offset -> 5 HS bands
    lr = imresize(ms, size=(6, 6), method="bilinear")
    hs = apply_regression(lr, X_true)
    X, lr_ms = hypersharpening_regression(hs, ms)
    torch.testing.assert_close(lr_ms, lr, rtol=0, atol=0)
    torch.testing.assert_close(X, X_true, rtol=0, atol=1e-10)
    assert apply_regression(ms, X).shape == (2, 5, 24, 24)


def test_toolbox_denoise_is_the_regression_on_the_other_bands():
    g = torch.Generator().manual_seed(5)
    x = torch.rand(1, 5, 7, 6, generator=g, dtype=F64)
    y = toolbox_denoise(x)
    X = x[0].reshape(5, -1).numpy().T
    for i in range(5):
        others = np.delete(X, i, axis=1)
        coef, *_ = np.linalg.lstsq(others, X[:, i], rcond=None)
        np.testing.assert_allclose(y[0, i].reshape(-1).numpy(), others @ coef, rtol=0, atol=1e-12)


def test_toolbox_denoise_keeps_bands_in_the_span_of_the_others_and_one_band():
    g = torch.Generator().manual_seed(6)
    basis = torch.rand(2, 9, 9, generator=g, dtype=F64)
    x = torch.einsum("km,mhw->khw", torch.rand(6, 2, generator=g, dtype=F64), basis)[None].float()
    y = toolbox_denoise(x)
    assert y.dtype == torch.float32
    torch.testing.assert_close(y, x, rtol=1e-5, atol=1e-6)
    one = torch.rand(1, 1, 4, 4)
    assert torch.equal(toolbox_denoise(one), one)


def test_check_srf_errors():
    assert check_srf(np.ones((3, 5)), 5, 3, "cpu").shape == (3, 5)
    with pytest.raises(ValueError, match="pass its transpose"):
        check_srf(torch.ones(5, 3), 5, 3, "cpu")
    with pytest.raises(ValueError, match="negative"):
        check_srf(-torch.ones(3, 5), 5, 3, "cpu")
    with pytest.raises(ValueError, match="matrix"):
        check_srf(torch.ones(3), 5, 3, "cpu")
