"""HS-fusion image-quality indices (SSIM, UIQI, sewar's UQI, CC, RMSE, ERGAS ratio) against hand values and
against scikit-image, torchmetrics and sewar where their definitions agree."""

import math

import numpy as np
import pytest
import torch

from fusionzoo.metrics import (CC, HIGHER_IS_BETTER, RMSE, SSIM, UIQI, UQISewar, cc, ergas, q_index, rmse, ssim,
                               uiqi, uqi_sewar)


def _pair(B=1, C=3, H=24, W=21, seed=0):
    g = torch.Generator().manual_seed(seed)
    r = torch.rand(B, C, H, W, generator=g, dtype=torch.float64)
    f = (r + 0.1 * torch.randn(B, C, H, W, generator=g, dtype=torch.float64)).clamp(0, 1)
    return f, r


def test_ssim_identity_and_constant_images_by_hand():
    _, r = _pair()
    assert torch.allclose(ssim(r, r), torch.tensor(1.0, dtype=torch.float64))
    a, b = torch.full((1, 1, 12, 12), 0.2), torch.full((1, 1, 12, 12), 0.6)
    c1 = (0.01 * 1.0) ** 2  # variances and covariance vanish: SSIM = (2ab + C1) / (a^2 + b^2 + C1)
    assert float(ssim(a, b)) == pytest.approx((2 * 0.2 * 0.6 + c1) / (0.2**2 + 0.6**2 + c1), rel=1e-6)
    c1 = (0.01 * 2.0) ** 2
    assert float(ssim(a, b, data_range=2.0, window="uniform")) == pytest.approx(
        (2 * 0.2 * 0.6 + c1) / (0.2**2 + 0.6**2 + c1), rel=1e-6)


def test_ssim_matches_scikit_image():
    skm = pytest.importorskip("skimage.metrics", reason="scikit-image is a test dependency")
    f, r = _pair()
    want = np.mean([skm.structural_similarity(r[0, c].numpy(), f[0, c].numpy(), gaussian_weights=True, sigma=1.5,
                                              use_sample_covariance=False, data_range=1.0) for c in range(3)])
    assert float(ssim(f, r)) == pytest.approx(want, abs=1e-12)
    # CUCaNet's logs: scikit-image defaults per band, data range of each predicted band
    want = np.mean([skm.structural_similarity(r[0, c].numpy(), f[0, c].numpy(),
                                              data_range=float(f[0, c].max() - f[0, c].min())) for c in range(3)])
    assert float(ssim(f, r, data_range="fused", window="uniform")) == pytest.approx(want, abs=1e-12)


def test_ssim_matches_torchmetrics_with_reflect_padding():
    from torchmetrics.functional.image import structural_similarity_index_measure
    f, r = _pair(B=2)
    want = structural_similarity_index_measure(f, r, data_range=1.0, reduction="none")
    assert torch.allclose(ssim(f, r, padding="reflect"), want, atol=1e-12)
    with pytest.raises(ValueError, match="does not fit"):
        ssim(f[..., :8, :8], r[..., :8, :8])


def test_uiqi_is_the_toolbox_sliding_window_mean():
    f, r = _pair(H=5, W=4, C=2)
    # hand computation: every 3 x 3 window sliding by one pixel, population statistics, then the means
    qs = []
    for c in range(2):
        vals = []
        for i in range(3):
            for j in range(2):
                x, y = r[0, c, i:i + 3, j:j + 3].numpy().ravel(), f[0, c, i:i + 3, j:j + 3].numpy().ravel()
                mx, my = x.mean(), y.mean()
                cxy = ((x - mx) * (y - my)).mean()
                vals.append(4 * cxy * mx * my / ((x.var() + y.var()) * (mx**2 + my**2)))
        qs.append(np.mean(vals))
    assert float(uiqi(f, r, block_size=3)) == pytest.approx(np.mean(qs), abs=1e-12)
    assert torch.equal(uiqi(f, r, 3), q_index(f, r, 3))
    # disjoint blocks
    f2, r2 = _pair(H=8, W=8, C=1)
    blocks = []
    for i in (0, 4):
        for j in (0, 4):
            x, y = r2[0, 0, i:i + 4, j:j + 4].numpy().ravel(), f2[0, 0, i:i + 4, j:j + 4].numpy().ravel()
            mx, my = x.mean(), y.mean()
            blocks.append(4 * ((x - mx) * (y - my)).mean() * mx * my / ((x.var() + y.var()) * (mx**2 + my**2)))
    assert float(uiqi(f2, r2, 4, stride=4)) == pytest.approx(np.mean(blocks), abs=1e-12)


def test_uqi_sewar_properties_and_reference():
    f, r = _pair(H=20, W=18)
    assert float(uqi_sewar(r, r)) == pytest.approx(1.0, abs=1e-12)
    sewar = pytest.importorskip("sewar.full_ref", reason="sewar (optional) reproduces CUCaNet's UQI")
    for ws in (8, 7, 3):
        want = sewar.uqi(r[0].permute(1, 2, 0).numpy(), f[0].permute(1, 2, 0).numpy(), ws=ws)
        assert float(uqi_sewar(f, r, ws)) == pytest.approx(want, abs=1e-12)


def test_cc_by_numpy_and_invariances():
    f, r = _pair()
    want = np.mean([np.corrcoef(r[0, c].numpy().ravel(), f[0, c].numpy().ravel())[0, 1] for c in range(3)])
    assert float(cc(f, r)) == pytest.approx(want, abs=1e-12)
    assert float(cc(3 * f + 2, r)) == pytest.approx(want, abs=1e-12)
    assert float(cc(-f, r)) == pytest.approx(-want, abs=1e-12)


def test_rmse_by_hand():
    r = torch.zeros(1, 2, 2, 2)
    f = torch.tensor([[[[1.0, 1], [1, 1]], [[3, 3], [3, 3]]]])
    assert float(rmse(f, r)) == pytest.approx(math.sqrt((4 * 1 + 4 * 9) / 8))
    assert rmse(f[0], r[0]).dim() == 0


def test_ergas_ratio_convention():
    f, r = _pair()
    assert float(ergas(f, r, ratio=32)) == pytest.approx(float(ergas(f, r, ratio=16)) / 2)
    mse = ((f - r) ** 2).mean((2, 3))
    mu = r.mean((2, 3))
    assert float(ergas(f, r, 32)) == pytest.approx(100 / 32 * math.sqrt(float((mse / mu**2).mean())))


def test_classes_average_over_images():
    f, r = _pair(B=2, H=40, W=40)
    for cls, fn, kw in [(SSIM, ssim, {}), (UIQI, uiqi, {"block_size": 8}), (UQISewar, uqi_sewar, {}),
                        (CC, cc, {}), (RMSE, rmse, {})]:
        m = cls(**kw)
        m.update(f[:1], r[:1])
        m.update(f[1:], r[1:])
        assert float(m.compute()) == pytest.approx(float(fn(f, r, **kw).mean()), abs=1e-12)
    for name in ("SSIM", "UIQI", "UQI", "CC"):
        assert HIGHER_IS_BETTER[name] is True
    assert HIGHER_IS_BETTER["RMSE"] is False
