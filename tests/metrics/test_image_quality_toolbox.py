"""The image-quality indices every image task shares (SAM, ERGAS, PSNR, Q / UIQI, SCC, the border cut), by hand and against the pansharpening toolbox's definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from fusionzoo.metrics import (
    cut_border,
    ergas,
    psnr,
    q_index,
    sam,
    scc,
)
from fusionzoo.ops import mtf_filter


def _t(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def _smooth_image(seed, shape, scale=2047.0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(*shape, generator=g, dtype=torch.float64)
    return (mtf_filter(x, gains=0.5) * 0.6 + 0.2) * scale


def test_sam_by_hand():
    # pixel 1: (1, 0) vs (1, 1): 45 deg; pixel 2: (0, 2) vs (0, 3): 0 deg; pixel 3: zero vector, skipped
    ref = _t([[[1, 0, 0]], [[0, 2, 0]]])[None]  # (1, 2, 1, 3)
    fus = _t([[[1, 0, 5]], [[1, 3, 5]]])[None]
    assert sam(fus, ref).item() == pytest.approx(22.5, abs=1e-12)
    # unbatched input gives a 0-dim tensor
    assert sam(fus[0], ref[0]).dim() == 0
    # (1, 2) vs (2, 1): acos(4/5)
    assert sam(_t([[[1.0]], [[2.0]]]), _t([[[2.0]], [[1.0]]])).item() == pytest.approx(
        math.degrees(math.acos(0.8)), abs=1e-12)


def test_sam_properties():
    x = _smooth_image(0, (2, 4, 16, 16))
    torch.testing.assert_close(sam(x, x), torch.zeros(2, dtype=torch.float64), atol=1e-6, rtol=0)
    torch.testing.assert_close(sam(3.0 * x, x), torch.zeros(2, dtype=torch.float64), atol=1e-6, rtol=0)
    assert torch.isnan(sam(torch.zeros(1, 3, 2, 2), torch.zeros(1, 3, 2, 2))).all()


def test_ergas_by_hand():
    # band 1: ref (1, 3) mean 2, fused (2, 3): MSE 0.5, / 4 = 0.125; band 2: ref (4, 4), fused (4, 6):
    # MSE 2, / 16 = 0.125 -> ERGAS = 100 / 4 * sqrt(0.125)
    ref = _t([[[1, 3]], [[4, 4]]])[None]
    fus = _t([[[2, 3]], [[4, 6]]])[None]
    assert ergas(fus, ref, 4).item() == pytest.approx(25 * math.sqrt(0.125), abs=1e-12)
    assert ergas(fus, ref, 2).item() == pytest.approx(50 * math.sqrt(0.125), abs=1e-12)


def test_ergas_properties():
    x = _smooth_image(1, (2, 4, 16, 16))
    torch.testing.assert_close(ergas(x, x, 4), torch.zeros(2, dtype=torch.float64))
    # offsets b_c: MSE_c = b_c^2 -> 100 / ratio * sqrt(mean(b_c^2 / mu_c^2))
    b = torch.tensor([10.0, -20.0, 5.0, 0.0], dtype=torch.float64).view(1, 4, 1, 1)
    mu = x.mean((2, 3))
    expected = 25 * torch.sqrt((b.view(1, 4) ** 2 / mu**2).mean(1))
    torch.testing.assert_close(ergas(x + b, x, 4), expected)
    # scale invariant
    torch.testing.assert_close(ergas(3 * (x + b), 3 * x, 4), expected)


def test_psnr_by_hand():
    ref = _t([[[0, 4], [2, 2]]])[None]   # peak 4
    fus = _t([[[1, 4], [2, 1]]])[None]   # MSE = 2 / 4 = 0.5
    assert psnr(fus, ref).item() == pytest.approx(10 * math.log10(16 / 0.5), abs=1e-12)
    assert psnr(fus, ref, data_range=255).item() == pytest.approx(10 * math.log10(255**2 / 0.5), abs=1e-12)


def test_q_index_2x2_block_by_hand():
    x = _t([[[1, 2], [3, 4]]])[None]
    y = _t([[[1, 3], [2, 5]]])[None]
    # means 2.5 and 2.75; cov 5.5/3, var 5/3 and 8.75/3 (the N-1 cancels)
    expected = 4 * (5.5 / 3) * 2.5 * 2.75 / ((5 / 3 + 8.75 / 3) * (2.5**2 + 2.75**2))
    assert q_index(y, x, block_size=2).item() == pytest.approx(expected, abs=1e-14)
    assert q_index(x, y, block_size=2).item() == pytest.approx(expected, abs=1e-14)  # symmetric


def test_q_index_sliding_and_blocks():
    g = np.random.default_rng(0)
    x, y = g.random((1, 2, 5, 6)), g.random((1, 2, 5, 6))

    def uiqi(a, b):
        a, b = a.ravel(), b.ravel()
        c = np.cov(a, b)
        return 4 * c[0, 1] * a.mean() * b.mean() / (c[0, 0] + c[1, 1]) / (a.mean() ** 2 + b.mean() ** 2)

    # toolbox img_qi: every window position (stride 1), mean over windows, then mean over bands
    ref = np.mean([np.mean([uiqi(x[0, c, i:i + 3, j:j + 3], y[0, c, i:i + 3, j:j + 3])
                            for i in range(3) for j in range(4)]) for c in range(2)])
    assert q_index(_t(y), _t(x), block_size=3).item() == pytest.approx(ref, abs=1e-12)
    ref = np.mean([np.mean([uiqi(x[0, c, i:i + 2, j:j + 2], y[0, c, i:i + 2, j:j + 2])
                            for i in (0, 2) for j in (0, 2, 4)]) for c in range(2)])
    assert q_index(_t(y), _t(x), block_size=2, stride=2).item() == pytest.approx(ref, abs=1e-12)


def test_q_index_properties():
    x = _smooth_image(2, (1, 3, 8, 8))
    assert q_index(x, x, block_size=8).item() == pytest.approx(1.0, abs=1e-12)
    # a global gain a: correlation 1, luminance and contrast terms 2a / (1 + a^2) each
    a = 1.5
    assert q_index(a * x, x, block_size=8).item() == pytest.approx((2 * a / (1 + a * a)) ** 2, abs=1e-12)
    # flat windows: equal -> 1; different means c1, c2 -> 2 c1 c2 / (c1^2 + c2^2)
    c1 = torch.full((1, 1, 4, 4), 3.0, dtype=torch.float64)
    assert q_index(c1, c1, block_size=4).item() == 1.0
    assert q_index(c1, 2 * c1, block_size=4).item() == pytest.approx(2 * 3 * 6 / (9 + 36))


def test_scc_against_scipy():
    from scipy.ndimage import correlate

    g = np.random.default_rng(1)
    f, r = g.random((1, 3, 9, 8)), g.random((1, 3, 9, 8))
    sob = np.array([[1.0, 2, 1], [0, 0, 0], [-1, -2, -1]])

    def grad(a):  # interior, then zero-padded Sobel
        a = a[1:-1, 1:-1]
        return np.hypot(correlate(a, sob, mode="constant"), correlate(a, sob.T, mode="constant"))

    gf = np.stack([grad(f[0, c]) for c in range(3)])
    gr = np.stack([grad(r[0, c]) for c in range(3)])
    expected = (gf * gr).sum() / np.sqrt((gf**2).sum() * (gr**2).sum())
    assert scc(_t(f), _t(r)).item() == pytest.approx(expected, abs=1e-12)


def test_scc_properties():
    x = _smooth_image(3, (2, 4, 12, 12))
    torch.testing.assert_close(scc(x, x), torch.ones(2, dtype=torch.float64))
    torch.testing.assert_close(scc(2.5 * x, x), torch.ones(2, dtype=torch.float64))


def test_cut_border():
    x = torch.arange(256 * 256.0).reshape(1, 1, 256, 256)
    y = cut_border(x)
    assert y.shape == (1, 1, 215, 215)
    assert y[0, 0, 0, 0].item() == 20 * 256 + 20 and y[0, 0, -1, -1].item() == 234 * 256 + 234
    assert cut_border(x, 1, 2).shape == (1, 1, 253, 253)
    with pytest.raises(ValueError):
        cut_border(torch.zeros(1, 1, 30, 30))
