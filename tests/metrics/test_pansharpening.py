"""The pansharpening-only indices: Q2n (onion multiplication), D_lambda, D_s, QNR, HQNR, and the metric classes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fusionzoo.metrics import (
    ERGAS,
    HQNR,
    PSNR,
    QNR,
    SAM,
    SCC,
    DLambdaKhan,
    DLambdaQNR,
    DsQNR,
    Q2n,
    QIndex,
    d_lambda_khan,
    d_lambda_qnr,
    d_s_qnr,
    ergas,
    hqnr,
    onion_mult,
    psnr,
    q2n,
    q_index,
    qnr,
    sam,
    scc,
)
from fusionzoo.ops import imresize, interp23tap, mtf_filter
from tests.metrics.test_image_quality_toolbox import _smooth_image, _t


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
