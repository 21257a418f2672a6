"""Pansharpening metrics against hand computations on tiny arrays and known properties."""

import math

import numpy as np
import pytest
import torch

from fusionzoo.metrics import (ERGAS, HQNR, PSNR, QNR, SAM, SCC, DLambdaKhan, DLambdaQNR, DsQNR, Q2n, QIndex,
                               cut_border, d_lambda_khan, d_lambda_qnr, d_s_qnr, ergas, hqnr, onion_mult, psnr,
                               q2n, q_index, qnr, sam, scc)
from fusionzoo.ops import imresize, interp23tap, mtf_filter


def _t(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def _smooth_image(seed, shape, scale=2047.0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(*shape, generator=g, dtype=torch.float64)
    return (mtf_filter(x, gains=0.5) * 0.6 + 0.2) * scale


# ----------------------------------------------------------------------------------------------- SAM


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


# --------------------------------------------------------------------------------------------- ERGAS


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


# ---------------------------------------------------------------------------------------------- PSNR


def test_psnr_by_hand():
    ref = _t([[[0, 4], [2, 2]]])[None]   # peak 4
    fus = _t([[[1, 4], [2, 1]]])[None]   # MSE = 2 / 4 = 0.5
    assert psnr(fus, ref).item() == pytest.approx(10 * math.log10(16 / 0.5), abs=1e-12)
    assert psnr(fus, ref, data_range=255).item() == pytest.approx(10 * math.log10(255**2 / 0.5), abs=1e-12)


# -------------------------------------------------------------------------------------------- Q index


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


# ----------------------------------------------------------------------------------------------- SCC


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


# ----------------------------------------------------------------------------------------------- Q2n


def _onion_ref(x, y):
    """Toolbox onion_mult, written on Python lists."""
    n = len(x)
    if n == 1:
        return [x[0] * y[0]]

    def conj(v):
        return [v[0]] + [-t for t in v[1:]]

    h = n // 2
    a, b, c, d = x[:h], conj(x[h:]), y[:h], conj(y[h:])
    if n == 2:
        return [a[0] * c[0] - d[0] * b[0], a[0] * d[0] + c[0] * b[0]]
    r1, r2 = _onion_ref(a, c), _onion_ref(d, conj(b))
    r3, r4 = _onion_ref(conj(a), d), _onion_ref(c, b)
    return [p - q for p, q in zip(r1, r2)] + [p + q for p, q in zip(r3, r4)]


@pytest.mark.parametrize("n", [1, 2, 4, 8])
def test_onion_mult(n):
    g = np.random.default_rng(n)
    x, y = g.standard_normal(n), g.standard_normal(n)
    np.testing.assert_allclose(onion_mult(_t(x), _t(y)).numpy(), _onion_ref(list(x), list(y)), atol=1e-14)
    if n == 2:  # complex product
        z = complex(*x) * complex(*y)
        np.testing.assert_allclose(onion_mult(_t(x), _t(y)).numpy(), [z.real, z.imag], atol=1e-14)
    # batched along another dimension
    xb = _t(np.stack([x, y], 1))
    np.testing.assert_allclose(onion_mult(xb, xb.flip(1), dim=0)[:, 0].numpy(), _onion_ref(list(x), list(y)),
                               atol=1e-14)


def _block_norm(ref, fus):
    s, t = ref.mean(), ref.std(ddof=1)
    return (ref - s) / t + 1, (fus - s) / t + 1


def test_q2n_single_band_is_uiqi_of_block_normalised_data():
    g = np.random.default_rng(5)
    ref = np.round(g.random((32, 32)) * 1000 + 500)
    fus = np.round(ref * 0.8 + g.random((32, 32)) * 300)
    d1, d2 = _block_norm(ref, fus)
    c = np.cov(d1.ravel(), d2.ravel())
    uiqi = 4 * c[0, 1] * d1.mean() * d2.mean() / (c[0, 0] + c[1, 1]) / (d1.mean() ** 2 + d2.mean() ** 2)
    assert q2n(_t(fus)[None, None], _t(ref)[None, None]).item() == pytest.approx(abs(uiqi), abs=1e-12)


def test_q2n_two_bands_complex_formula():
    g = np.random.default_rng(6)
    ref = np.round(g.random((2, 32, 32)) * 1000 + 200)
    fus = np.round(ref[::-1] * 0.5 + ref * 0.6 + g.random((2, 32, 32)) * 200)
    n1, n2 = _block_norm(ref[0], fus[0])
    m1, m2 = _block_norm(ref[1], fus[1])
    z1, z2 = n1 + 1j * m1, n2 + 1j * m2
    P = 1024
    c = P / (P - 1)
    mu1, mu2 = z1.mean(), z2.mean()
    cov = c * ((z1 * np.conj(z2)).mean() - mu1 * np.conj(mu2))
    var1 = c * (np.abs(z1) ** 2).mean() - c * abs(mu1) ** 2
    var2 = c * (np.abs(z2) ** 2).mean() - c * abs(mu2) ** 2
    q = abs(cov) * 2 / (var1 + var2) * 2 * abs(mu1) * abs(mu2) / (abs(mu1) ** 2 + abs(mu2) ** 2)
    assert q2n(_t(fus)[None], _t(ref)[None]).item() == pytest.approx(q, abs=1e-12)


def test_q2n_blocks_padding_and_cast():
    ref = torch.round(_smooth_image(7, (2, 3, 40, 45)))
    fus = torch.round(ref * 0.9 + _smooth_image(8, (2, 3, 40, 45)) * 0.1)
    # identity
    torch.testing.assert_close(q2n(ref, ref), torch.ones(2, dtype=torch.float64))
    # mirror padding at the bottom / right to whole blocks (40 -> 64, 45 -> 64), edge pixel included
    pad = lambda x: _t(np.pad(x.numpy(), ((0, 0), (0, 0), (0, 24), (0, 19)), mode="symmetric"))  # noqa: E731
    torch.testing.assert_close(q2n(fus, ref), q2n(pad(fus), pad(ref)))
    # mean over the blocks: a 64 x 64 image is 4 independent blocks
    fp, rp = pad(fus), pad(ref)
    per_block = [q2n(fp[..., i:i + 32, j:j + 32], rp[..., i:i + 32, j:j + 32]) for i in (0, 32) for j in (0, 32)]
    torch.testing.assert_close(q2n(fp, rp), torch.stack(per_block).mean(0))
    # uint16 cast: rounding to the nearest integer, negative values saturate to 0
    torch.testing.assert_close(q2n(fus + 0.3, ref - 0.4), q2n(fus, ref))
    torch.testing.assert_close(q2n(fus.clamp(min=100) - 100 - 50, ref), q2n((fus - 150).clamp(min=0), ref))
    # max_value: [0, 1] inputs scaled to DN before the cast
    torch.testing.assert_close(q2n(fus / 2047, ref / 2047, max_value=2047), q2n(fus, ref))
    # 3 bands are zero-padded to 4: explicit zero band gives the same value
    z = torch.zeros(2, 1, 40, 45, dtype=torch.float64)
    torch.testing.assert_close(q2n(fus, ref), q2n(torch.cat([fus, z], 1), torch.cat([ref, z], 1)))


def test_q2n_lower_for_worse_fusion():
    ref = torch.round(_smooth_image(9, (1, 4, 64, 64)))
    blur = torch.round(mtf_filter(ref, gains=0.1))
    good = torch.round(0.8 * ref + 0.2 * blur)
    assert 0 < q2n(blur, ref).item() < q2n(good, ref).item() < 1


# ---------------------------------------------------------------------------------------- cut_border


def test_cut_border():
    x = torch.arange(256 * 256.0).reshape(1, 1, 256, 256)
    y = cut_border(x)
    assert y.shape == (1, 1, 215, 215)
    assert y[0, 0, 0, 0].item() == 20 * 256 + 20 and y[0, 0, -1, -1].item() == 234 * 256 + 234
    assert cut_border(x, 1, 2).shape == (1, 1, 253, 253)
    with pytest.raises(ValueError):
        cut_border(torch.zeros(1, 1, 30, 30))


# --------------------------------------------------------------------------------- no-reference ones


def _uqi_np(a, b):
    a, b = a.ravel(), b.ravel()
    c = np.cov(a, b)
    return 4 * c[0, 1] * a.mean() * b.mean() / (c[0, 0] + c[1, 1]) / (a.mean() ** 2 + b.mean() ** 2)


def _blockmean_uqi(a, b, s):
    return np.mean([_uqi_np(a[i:i + s, j:j + s], b[i:i + s, j:j + s])
                    for i in range(0, a.shape[0], s) for j in range(0, a.shape[1], s)])


def _fr_data(seed, bands=4, size=64):
    ms_up = _smooth_image(seed, (1, bands, size, size))
    pan = ms_up.mean(1, keepdim=True) + _smooth_image(seed + 100, (1, 1, size, size)) * 0.2
    fused = ms_up + (pan - ms_up.mean(1, keepdim=True)) * 0.5
    return fused, ms_up, pan


def test_d_lambda_qnr_by_hand():
    fused, ms_up, _ = _fr_data(10, bands=3)
    f, m = fused[0].numpy(), ms_up[0].numpy()
    diffs = [abs(_blockmean_uqi(f[i], f[j], 32) - _blockmean_uqi(m[i], m[j], 32))
             for i in range(3) for j in range(i + 1, 3)]
    assert d_lambda_qnr(fused, ms_up).item() == pytest.approx(np.mean(diffs), abs=1e-12)
    assert d_lambda_qnr(fused, ms_up, p=2).item() == pytest.approx(np.sqrt(np.mean(np.square(diffs))), abs=1e-12)
    assert d_lambda_qnr(ms_up, ms_up).item() == 0.0
    with pytest.raises(ValueError):
        d_lambda_qnr(fused[..., :48, :48], ms_up[..., :48, :48])  # not a multiple of 32


def test_d_s_qnr_by_hand():
    fused, ms_up, pan = _fr_data(11)
    pan_lp = interp23tap(imresize(pan, 0.25), 4)[0, 0].numpy()
    f, m, p = fused[0].numpy(), ms_up[0].numpy(), pan[0, 0].numpy()
    diffs = [abs(_blockmean_uqi(f[b], p, 32) - _blockmean_uqi(m[b], pan_lp, 32)) for b in range(4)]
    assert d_s_qnr(fused, ms_up, pan, 4).item() == pytest.approx(np.mean(diffs), abs=1e-12)
    # scale invariant
    assert d_s_qnr(fused / 2047, ms_up / 2047, pan / 2047, 4).item() == pytest.approx(np.mean(diffs), abs=1e-10)


def test_d_lambda_khan_and_hqnr():
    fused, ms_up, pan = _fr_data(12)
    fused = torch.round(fused)
    # by definition
    expected = 1 - q2n(mtf_filter(fused, "QB", 4), ms_up)
    torch.testing.assert_close(d_lambda_khan(fused, ms_up, "QB"), expected)
    # ideal: the MS is exactly the MTF-filtered fused image
    assert d_lambda_khan(fused, mtf_filter(fused, "QB", 4), "QB").abs().item() < 1e-12
    # [0, 1] inputs with max_value
    torch.testing.assert_close(d_lambda_khan(fused / 2047, ms_up / 2047, "QB", max_value=2047), expected)
    v, dl, ds = hqnr(fused, ms_up, pan, "QB", return_components=True)
    torch.testing.assert_close(dl, expected)
    torch.testing.assert_close(ds, d_s_qnr(fused, ms_up, pan, 4))
    torch.testing.assert_close(v, (1 - dl) * (1 - ds))
    assert 0 < v.item() <= 1
    # the original (low-resolution) MS is upsampled with interp23tap
    ms_lr = ms_up[..., 2::4, 2::4]
    torch.testing.assert_close(hqnr(fused, ms_lr, pan, "QB"), hqnr(fused, interp23tap(ms_lr, 4), pan, "QB"))


def test_qnr_composition():
    fused, ms_up, pan = _fr_data(13)
    v, dl, ds = qnr(fused, ms_up, pan, 4, return_components=True)
    torch.testing.assert_close(dl, d_lambda_qnr(fused, ms_up))
    torch.testing.assert_close(ds, d_s_qnr(fused, ms_up, pan, 4))
    torch.testing.assert_close(v, (1 - dl) * (1 - ds))
    torch.testing.assert_close(qnr(fused, ms_up, pan, 4, alpha=2, beta=0.5), (1 - dl) ** 2 * (1 - ds) ** 0.5)


# ------------------------------------------------------------------------------------------- classes


def test_metric_classes_average_over_images():
    ref = torch.round(_smooth_image(20, (3, 4, 64, 64)))
    fus = torch.round(0.9 * ref + 0.1 * mtf_filter(ref, gains=0.1))
    pan = ref.mean(1, keepdim=True)
    cases = [(SAM(), sam(fus, ref)), (ERGAS(4), ergas(fus, ref, 4)), (PSNR(), psnr(fus, ref)),
             (QIndex(), q_index(fus, ref)), (Q2n(), q2n(fus, ref)), (SCC(), scc(fus, ref))]
    for m, per_image in cases:
        m.update(fus[:2], ref[:2])
        m.update(fus[2:], ref[2:])
        assert m.compute().item() == pytest.approx(per_image.mean().item(), rel=1e-12, abs=1e-12)
        m.reset()
        m.update(fus[:1], ref[:1])
        assert m.compute().item() == pytest.approx(per_image[0].item(), rel=1e-12, abs=1e-12)
    fr = [(DLambdaKhan("QB"), d_lambda_khan(fus, ref, "QB"), (fus, ref)),
          (DLambdaQNR(), d_lambda_qnr(fus, ref), (fus, ref)),
          (DsQNR(4), d_s_qnr(fus, ref, pan, 4), (fus, ref, pan)),
          (QNR(4), qnr(fus, ref, pan, 4), (fus, ref, pan)),
          (HQNR("QB"), hqnr(fus, ref, pan, "QB"), (fus, ref, pan))]
    for m, per_image, args in fr:
        m.update(*(a[:1] for a in args))
        m.update(*(a[1:] for a in args))
        assert m.compute().item() == pytest.approx(per_image.mean().item(), rel=1e-12, abs=1e-12)


def test_shape_errors():
    with pytest.raises(ValueError):
        sam(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 5))
    with pytest.raises(ValueError):
        ergas(torch.zeros(3, 4), torch.zeros(3, 4))
    with pytest.raises(ValueError):
        d_s_qnr(torch.zeros(1, 4, 64, 64), torch.zeros(1, 4, 64, 64), torch.zeros(1, 2, 64, 64))
