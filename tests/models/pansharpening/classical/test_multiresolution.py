"""Multiresolution-analysis (MRA) pansharpening methods: contract, toolbox operators against literal
re-implementations, hand-checkable properties, and quality on a Wald-degraded synthetic scene (and on
WV3_test when the shared data are there)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import fusionzoo
from fusionzoo.metrics import ergas
from fusionzoo.models.pansharpening.classical import multiresolution as mra
from fusionzoo.ops import decimate_nearest, degrade, filter_replicate, fwind1, imresize, interp23tap, mtf_kernel
from fusionzoo.registry import get_arch
from fusionzoo.sensors import get_sensor
from tests.helpers import ROOT
from tests.helpers.wv3_test import dn_scores, requires_wv3_test, wv3_test

NAMES = ["hpf", "sfim", "indusion", "atwt", "atwt_m2", "atwt_m3", "awlp", "mtf_glp", "mtf_glp_hpm",
         "mtf_glp_hpm_r", "mtf_glp_fs", "mtf_glp_cbd", "dwt", "udwt"]
GLP = ["mtf_glp", "mtf_glp_hpm", "mtf_glp_hpm_r", "mtf_glp_fs", "mtf_glp_cbd"]
CARDS = ROOT / "model_cards"
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def _scene(bands=3, h=16, ratio=4, batch=2, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(batch, 1, h * ratio // 4, h * ratio // 4, generator=g, dtype=dtype)
    pan = F.interpolate(base, size=(h * ratio,) * 2, mode="bicubic", align_corners=False)
    pan = 0.2 + 0.5 * pan + 0.05 * torch.rand(batch, 1, h * ratio, h * ratio, generator=g, dtype=dtype)
    ms = 0.1 + 0.8 * torch.rand(batch, bands, h, h, generator=g, dtype=dtype)
    return ms, pan


# ------------------------------------------------------------------------------------------ contract


def test_registered_classical_with_cards():
    for name in NAMES:
        cfg = get_arch(name).cfg
        assert cfg.classical and cfg.task == "pansharpening" and cfg.inputs == ("ms", "pan")
        assert cfg.card == f"{name}.md" and (CARDS / cfg.card).is_file(), name
        assert sum(p.numel() for p in fusionzoo.create_model(name).parameters()) == 0


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bands,ratio", [(3, 4), (5, 2), (1, 4), (4, 8)])
def test_contract(name, bands, ratio):
    ms, pan = _scene(bands=bands, h=8 if ratio == 8 else 16, ratio=ratio, dtype=torch.float32)
    out = fusionzoo.create_model(name, ratio=ratio)(ms, pan)
    assert out.shape == (2, bands, *pan.shape[-2:]) and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    # batched = one image at a time
    one = fusionzoo.create_model(name, ratio=ratio)(ms[1:], pan[1:])
    torch.testing.assert_close(out[1:], one, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["hpf", "mtf_glp", "atwt_m3", "udwt"])
def test_dtypes_kept(name):
    ms, pan = _scene()
    m = fusionzoo.create_model(name)
    o64 = m(ms, pan)
    assert o64.dtype == torch.float64
    o16 = m(ms.to(torch.bfloat16), pan.to(torch.bfloat16))
    assert o16.dtype == torch.bfloat16 and torch.isfinite(o16.float()).all()
    torch.testing.assert_close(m(ms.float(), pan.float()).double(), o64, rtol=1e-4, atol=1e-4)


def test_sensor_and_ratio_checks():
    ms, pan = _scene(bands=4)
    with pytest.raises(ValueError, match="8 MS bands"):
        fusionzoo.create_model("mtf_glp", sensor="WV3")(ms, pan)
    with pytest.raises(KeyError, match="unknown sensor"):
        fusionzoo.create_model("mtf_glp_fs", sensor="nosuchsat")
    with pytest.raises(ValueError, match="power-of-two"):
        fusionzoo.create_model("hpf", ratio=3)
    with pytest.raises(ValueError, match="wavelet"):
        fusionzoo.create_model("dwt", wavelet="coif9")
    out = fusionzoo.create_model("mtf_glp_hpm_r", sensor="QB")(ms, pan)  # QB: 4 bands, its own gains
    assert out.shape == (2, 4, 64, 64)
    assert "sensor='QB'" in repr(fusionzoo.create_model("mtf_glp", sensor="QB"))


# ------------------------------------------------------------------------- operators vs. the toolbox


@pytest.mark.parametrize("ratio", [2, 4, 8])
def test_interp23_is_interp23tap(ratio):
    x = torch.rand(2, 3, 24, 20, dtype=torch.float64)
    torch.testing.assert_close(mra.interp23(x, ratio), interp23tap(x, ratio), rtol=0, atol=1e-14)


@pytest.mark.parametrize("ratio", [2, 4, 8])
def test_mtf_lowpass_decimated_is_filter_then_nearest(ratio):
    pan = torch.rand(2, 1, 12 * ratio, 10 * ratio, dtype=torch.float64)
    gains = [0.3, 0.22, 0.36]
    low, ksum = mra.mtf_lowpass_decimated(pan, gains, ratio)
    k = mtf_kernel(gains, ratio)
    ref = decimate_nearest(filter_replicate(pan.expand(2, 3, -1, -1), k), ratio)
    torch.testing.assert_close(low, ref, rtol=0, atol=1e-13)
    torch.testing.assert_close(ksum, k.sum((1, 2)))


# a literal transcription of the toolbox's ndwt2_working / indwt2_working (MATLAB Wavelet Toolbox ndwt2 with
# 'sym' extension: full convolutions, central crops), in numpy, for one 2-D image
def _wdec(X, f):  # along axis 1
    lf = len(f)
    Xe = np.concatenate([X[:, :lf - 1][:, ::-1], X, X[:, -1:-lf:-1]], axis=1)
    full = np.array([np.convolve(r, f) for r in Xe])
    return full[:, lf - 1:full.shape[1] - lf + 1]


def _ndwt2(X, level, lo, hi):
    cfs = None
    sizes = [X.shape]
    for _ in range(level):
        a, d = _wdec(X, lo), _wdec(X, hi)
        dec = [_wdec(a.T, lo).T, _wdec(d.T, lo).T, _wdec(a.T, hi).T, _wdec(d.T, hi).T]  # reshape(dec, 4, 1)
        X = dec[0]
        sizes.insert(0, X.shape)
        cfs = dec if cfs is None else dec + cfs[1:]
    return cfs, sizes


def _indwt2(cfs, sizes, lo, hi):
    rec = lambda X, f: np.array([np.convolve(r, f) for r in X])  # noqa: E731
    cfs = list(cfs)
    for k in range(len(sizes) - 1):
        LL, d1, d2, d3 = cfs[3 * k:3 * k + 4]
        W1 = rec(LL.T, lo).T + rec(d2.T, hi).T
        W2 = rec(d1.T, lo).T + rec(d3.T, hi).T
        X = (rec(W1, lo) + rec(W2, hi)) / 4
        s = sizes[k + 1]
        f0, f1 = (X.shape[0] - s[0]) // 2, (X.shape[1] - s[1]) // 2
        cfs[3 * k + 3] = X[f0:f0 + s[0], f1:f1 + s[1]]
    return cfs[-1] if len(sizes) > 1 else cfs[0]


_S2, _B3 = math.sqrt(2), np.array([1, 4, 6, 4, 1]) / 16
_LO, _HI, _HR = _S2 * _B3, _S2 * (np.eye(5)[2] - _B3), _S2 * (np.eye(5)[2] + _B3)


@pytest.mark.parametrize("levels", [1, 2, 3])
def test_atwt_lowpass_is_toolbox_ndwt2(levels):
    P = np.random.default_rng(levels).random((37, 42))
    cfs, sizes = _ndwt2(P, levels, _LO, _HI)
    ref = _indwt2([cfs[0]] + [np.zeros_like(c) for c in cfs[1:]], sizes, _LO, _HR)
    mine = mra._atwt_lowpass(torch.from_numpy(P)[None, None], levels)[0, 0].numpy()
    np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-13)


def _toolbox_atwt_m(MS, P, ratio, model):
    """ATWT_M2 / ATWT_M3 of the toolbox, literally (per band, estimation at log2(ratio) + 1 levels)."""
    L = int(np.log2(ratio))
    out = np.zeros_like(MS)
    for b in range(MS.shape[0]):
        cp, _ = _ndwt2(P, L + 1, _LO, _HI)
        cm, _ = _ndwt2(MS[b], L + 1, _LO, _HI)
        a, c = np.zeros(3), np.zeros(3)
        for j in range(1, 4):
            t, p = cm[j].ravel(), cp[j].ravel()
            if model == 2:
                a[j - 1] = t.std(ddof=1) / p.std(ddof=1)
            else:
                a[j - 1] = np.sqrt(np.cov(t, p)[0, 1] / p.var(ddof=1))
            c[j - 1] = t.mean() - a[j - 1] * p.mean()
        cp, sizes = _ndwt2(P, L, _LO, _HI)
        cm, _ = _ndwt2(MS[b], L, _LO, _HI)
        for j in range(1, len(cp)):
            cm[j] = a[(j - 1) % 3] * cp[j] + c[(j - 1) % 3]
        out[b] = _indwt2(cm, sizes, _LO, _HR)
    return out


@pytest.mark.parametrize("name,model", [("atwt_m2", 2), ("atwt_m3", 3)])
def test_atwt_m2_m3_are_toolbox(name, model):
    rng = np.random.default_rng(0)
    P = rng.random((48, 44))
    MS = 0.5 * P[None] + 0.2 * rng.random((3, 48, 44))  # positively correlated details (M3's square root)
    ref = _toolbox_atwt_m(MS, P, 4, model)
    mine = fusionzoo.create_model(name).fuse_up(torch.from_numpy(MS)[None], torch.from_numpy(P)[None, None])
    np.testing.assert_allclose(mine[0].numpy(), ref, rtol=0, atol=1e-12)


def _imfilter_rep(x, k):  # MATLAB imfilter(x, k, 'replicate') along both axes with a 1-D kernel
    r = len(k) // 2
    xp = np.pad(x, r, mode="edge")
    y = np.array([np.correlate(row, k, "valid") for row in xp])
    return np.array([np.correlate(col, k, "valid") for col in y.T]).T


def test_indusion_filters_are_toolbox():
    rng = np.random.default_rng(1)
    pan = rng.random((32, 32))
    # deg9tap: filter (replicate) then rows/columns 2:2:end on the first halving, 1:2:end after
    ref = _imfilter_rep(pan, np.array(mra._CDF9))[1::2, 1::2]
    ref = _imfilter_rep(ref, np.array(mra._CDF9))[0::2, 0::2]
    mine = mra._deg9tap(torch.from_numpy(pan)[None, None], 4)[0, 0].numpy()
    np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-14)
    # upsampling7tap: zeros at 2:2:end first, 1:2:end after, circular filtering with the 7 taps
    x = rng.random((8, 6))
    k = np.array(mra._CDF7)
    y = x
    for p in range(2):
        up = np.zeros((2 * y.shape[0], 2 * y.shape[1]))
        up[(1 if p == 0 else 0)::2, (1 if p == 0 else 0)::2] = y
        up = np.pad(up, 3, mode="wrap")
        up = np.array([np.correlate(r, k, "valid") for r in up])
        y = np.array([np.correlate(c, k, "valid") for c in up.T]).T
    mine = mra._upsampling7tap(torch.from_numpy(x)[None, None], 4)[0, 0].numpy()
    np.testing.assert_allclose(mine, y, rtol=0, atol=1e-14)


@pytest.mark.parametrize("wavelet", sorted(mra.WAVELETS))
def test_wavelets_orthonormal_and_projections(wavelet):
    h = np.array(mra.WAVELETS[wavelet])
    assert abs(h.sum() - math.sqrt(2)) < 1e-12
    for m in range(len(h) // 2):
        assert abs(np.dot(h[: len(h) - 2 * m], h[2 * m:]) - (m == 0)) < 1e-12
    x = torch.rand(2, 3, 32, 24, dtype=torch.float64)
    for proj in (mra._dwt_approx_projection, mra._swt_approx_projection):
        p = proj(x, tuple(h), 2)
        torch.testing.assert_close(p.mean((-2, -1)), x.mean((-2, -1)))  # keeps the DC
        torch.testing.assert_close(proj(torch.full_like(x, 0.7), tuple(h), 2), torch.full_like(x, 0.7))
    # the decimated projection is an orthogonal projection: idempotent and self-adjoint
    p = mra._dwt_approx_projection(x, tuple(h), 2)
    torch.testing.assert_close(mra._dwt_approx_projection(p, tuple(h), 2), p)
    y = torch.rand_like(x)
    torch.testing.assert_close((mra._dwt_approx_projection(y, tuple(h), 2) * x).sum(), (p * y).sum())


# --------------------------------------------------------------------------- hand-checkable properties


def test_hpf_constant_pan_gives_upsampled_ms():
    ms, _ = _scene()
    pan = torch.full((2, 1, 64, 64), 0.4, dtype=torch.float64)
    torch.testing.assert_close(fusionzoo.create_model("hpf")(ms, pan), interp23tap(ms, 4), rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", ["hpf", "sfim", "atwt", "awlp", *GLP])
def test_flat_pan_injects_nothing(name):
    ms, _ = _scene()
    lms = interp23tap(ms, 4)
    pan = torch.full((2, 1, 64, 64), 0.4, dtype=torch.float64)
    out = fusionzoo.create_model(name)(ms, pan)
    # the MTF kernels sum to 0.9987 (fwind1 does not renormalise): the GLP "low-pass" of a flat PAN is 0.13 %
    # below it, the toolbox's own small bias; everything else is exact
    tol = 2e-3 if name in GLP else 1e-12
    torch.testing.assert_close(out, lms, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["atwt_m2", "atwt_m3"])
def test_arsis_flat_pan_leaves_the_approximation(name):
    # the MS details are *replaced* by a * d_PAN + b: a flat PAN (a = 0) leaves the MS approximation plus the
    # reconstruction of the constant offsets b, a constant per band
    ms, _ = _scene()
    pan = torch.full((2, 1, 64, 64), 0.4, dtype=torch.float64)
    rest = fusionzoo.create_model(name)(ms, pan) - mra._atwt_lowpass(interp23tap(ms, 4), 2)
    torch.testing.assert_close(rest, rest[..., :1, :1].expand_as(rest), rtol=0, atol=1e-12)


def test_indusion_flat_pan_gives_7tap_upsampled_ms():
    ms, _ = _scene()
    pan = torch.full((2, 1, 64, 64), 0.4, dtype=torch.float64)
    torch.testing.assert_close(fusionzoo.create_model("indusion")(ms, pan), mra._upsampling7tap(ms, 4))


@pytest.mark.parametrize("name", ["dwt", "udwt"])
def test_substitution_keeps_a_pan_equal_to_the_band(name):
    # PAN = the upsampled band: the equalisation is the identity, and approximation + details rebuild it
    ms, _ = _scene(bands=1)
    lms = interp23tap(ms, 4)
    torch.testing.assert_close(fusionzoo.create_model(name)(ms, lms), lms, rtol=0, atol=1e-12)
    # a flat PAN brings no details: what is left is the MS approximation
    flat = torch.full_like(lms, 0.3)
    proj = mra._dwt_approx_projection if name == "dwt" else mra._swt_approx_projection
    torch.testing.assert_close(fusionzoo.create_model(name)(ms, flat), proj(lms, mra.WAVELETS["db2"], 2))


def _rolled_pair(ms):
    """MS whose band 1 is band 0 circularly shifted: same histogram, and the same after interp23tap."""
    ms = ms.clone()
    ms[:, 1] = torch.roll(ms[:, 0], shifts=(3, 5), dims=(-2, -1))
    return ms


@pytest.mark.parametrize("name", ["hpf", "atwt", "mtf_glp", "indusion"])
def test_additive_detail_same_for_bands_with_equal_statistics(name):
    ms, pan = _scene(bands=3)
    ms = _rolled_pair(ms)
    base = mra._upsampling7tap(ms, 4) if name == "indusion" else interp23tap(ms, 4)
    detail = fusionzoo.create_model(name)(ms, pan) - base
    torch.testing.assert_close(detail[:, 1], detail[:, 0], rtol=0, atol=1e-12)
    assert (detail[:, 0] - detail[:, 2]).abs().max() > 1e-4  # another band, another gain


def _std2(x):
    return x.std(dim=(-2, -1), keepdim=True)


def _equalise(pan, lms, ref_std):
    return (pan - pan.mean((-2, -1), keepdim=True)) * _std2(lms) / ref_std + lms.mean((-2, -1), keepdim=True)


def _glp_low(x, gains, ratio=4):
    """interp23tap(imresize(imfilter(x_b, MTF_b, 'replicate'), 1/ratio, 'nearest')), by the public ops."""
    C = len(gains)
    return interp23tap(decimate_nearest(filter_replicate(x.expand(-1, C, -1, -1), mtf_kernel(gains, ratio)), ratio),
                       ratio)


def _lpfilter_gauss(x, ratio=4):
    n = 41
    sigma = math.sqrt((n * (1 / ratio) / 2) ** 2 / (-2 * math.log(0.3)))  # N, not N - 1, in this one
    r = np.arange(n) - 20
    g = np.exp(-(r[None] ** 2 + r[:, None] ** 2) / (2 * sigma**2))
    k = fwind1(g / g.max(), np.kaiser(n, 0.5))
    return filter_replicate(x, torch.from_numpy(k))


def test_sfim_ratio_is_pan_over_box():
    ms, pan = _scene()
    lms = interp23tap(ms, 4)
    pb = _equalise(pan, lms, _std2(pan))
    box = F.avg_pool2d(F.pad(pb, (2, 2, 2, 2), mode="replicate"), 5, stride=1)  # ratio 4 -> 5x5 box
    out = fusionzoo.create_model("sfim")(ms, pan)
    torch.testing.assert_close(out / lms, pb / box, rtol=1e-10, atol=0)


def test_mtf_glp_and_hpm_against_public_ops():
    ms, pan = _scene()
    lms = interp23tap(ms, 4)
    gains = [0.3] * 3
    pb = _equalise(pan, lms, _std2(_lpfilter_gauss(pan)))
    low = _glp_low(pb, gains)
    torch.testing.assert_close(fusionzoo.create_model("mtf_glp")(ms, pan), lms + pb - low, rtol=0, atol=1e-12)
    hpm = fusionzoo.create_model("mtf_glp_hpm")(ms, pan)
    torch.testing.assert_close(hpm / lms, pb / (low + 2.220446049250313e-16), rtol=1e-10, atol=0)


def _np_cov(a, b):
    a, b = a.flatten(-2).numpy(), b.flatten(-2).numpy()
    return np.array([[np.cov(a[i, j], b[i, j if b.shape[1] > 1 else 0])[0, 1] for j in range(a.shape[1])]
                     for i in range(a.shape[0])])


def test_regression_gains_against_numpy():
    sensor = "QB"
    ms, pan = _scene(bands=4)
    lms = interp23tap(ms, 4)
    gains = list(get_sensor(sensor).mtf_ms)
    low = _glp_low(pan, gains)
    var_low = np.array([[np.var(low[i, j].numpy(), ddof=1) for j in range(4)] for i in range(2)])
    g = torch.from_numpy(_np_cov(lms, low) / var_low)[..., None, None]
    # CBD (GS2-GLP): ms + cov(low, ms) / var(low) * (pan - low)
    torch.testing.assert_close(fusionzoo.create_model("mtf_glp_cbd", sensor=sensor)(ms, pan),
                               lms + g * (pan - low), rtol=0, atol=1e-12)
    # FS: ms + cov(ms, pan) / cov(low, pan) * (pan - low)
    gfs = torch.from_numpy(_np_cov(lms, pan) / _np_cov(low, pan))[..., None, None]
    torch.testing.assert_close(fusionzoo.create_model("mtf_glp_fs", sensor=sensor)(ms, pan),
                               lms + gfs * (pan - low), rtol=0, atol=1e-12)
    # HPM-R: ms (pan + cb) / (low + cb), cb = mean(ms) / g - mean(pan); fused / lms is the modulation
    cb = lms.mean((-2, -1), keepdim=True) / g - pan.mean((-2, -1), keepdim=True)
    out = fusionzoo.create_model("mtf_glp_hpm_r", sensor=sensor)(ms, pan)
    torch.testing.assert_close(out / lms, (pan + cb) / (low + cb), rtol=1e-10, atol=0)


def test_local_cbd_against_loops():
    ms, pan = _scene(bands=2, h=4, batch=1)
    model = fusionzoo.create_model("mtf_glp_cbd", block_size=4, threshold=0.2)  # even size -> 5
    assert model.block_size == 5
    lms = interp23tap(ms, 4)
    low = _glp_low(pan, [0.3, 0.3])
    out = model(ms, pan)
    H = W = 16
    ref = torch.empty_like(lms)
    for b in range(2):
        for y in range(H):
            for x in range(W):
                ys, xs = slice(max(y - 2, 0), min(y + 3, H)), slice(max(x - 2, 0), min(x + 3, W))
                m, p = lms[0, b, ys, xs].flatten().numpy(), low[0, b, ys, xs].flatten().numpy()
                c = np.corrcoef(m, p)[0, 1]
                g = m.std(ddof=1) / p.std(ddof=1) if c > 0.2 else 0.0
                ref[0, b, y, x] = lms[0, b, y, x] + g * (pan[0, 0, y, x] - low[0, b, y, x])
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-10)


# ------------------------------------------------------------------------------------ quality vs. EXP


def _wald_scene(bands=4, seed=0):
    """A smooth random high-resolution scene, its PAN (the band mean, so it carries the MS detail) and the
    reduced pair made by Wald's protocol: the reference MS is the scene at the MS resolution."""
    g = torch.Generator().manual_seed(seed)
    size = 256
    common = torch.rand(1, 1, size // 8, size // 8, generator=g, dtype=torch.float64)
    common = F.interpolate(common, size=(size, size), mode="bicubic", align_corners=False)
    edges = torch.zeros(1, 1, size, size, dtype=torch.float64)
    for _ in range(12):  # a few bright rectangles: sharp edges
        y, x, hh, ww = (torch.randint(0, size - 40, (1,), generator=g).item(),
                        torch.randint(0, size - 40, (1,), generator=g).item(),
                        torch.randint(8, 40, (1,), generator=g).item(), torch.randint(8, 40, (1,), generator=g).item())
        edges[..., y:y + hh, x:x + ww] += 0.15
    own = F.interpolate(torch.rand(1, bands, size // 32, size // 32, generator=g, dtype=torch.float64),
                        size=(size, size), mode="bicubic", align_corners=False)
    scale = 0.6 + 0.8 * torch.rand(1, bands, 1, 1, generator=g, dtype=torch.float64)
    hr = (0.1 + scale * (0.4 * common + edges) + 0.1 * own).clamp(0.02, 1.0)  # (1, C, 256, 256)
    pan_full = hr.mean(1, keepdim=True)
    gt = imresize(hr, 0.25)  # the "real" MS (64 x 64); the full-resolution PAN is 256 x 256
    ms_lr, pan_lr = degrade(gt, pan_full, "generic", ratio=4)  # (C, 16, 16) and (1, 64, 64)
    return ms_lr, pan_lr, gt


@pytest.mark.parametrize("bands", [4, 8])
def test_every_method_beats_exp_on_a_wald_scene(bands):
    ms, pan, gt = _wald_scene(bands)
    e_exp = ergas(interp23tap(ms, 4), gt).item()
    for name in NAMES:
        e = ergas(fusionzoo.create_model(name)(ms, pan), gt).item()
        assert e < 0.9 * e_exp, f"{name}: ERGAS {e:.3f} vs EXP {e_exp:.3f}"


@requires_wv3_test
def test_wv3_test_scene():
    s = wv3_test()
    ms, pan = s.ms[None], s.pan[None]
    q_exp, sam_exp, e_exp = dn_scores(interp23tap(ms, 4), s)
    for name in NAMES:
        q, a, e = dn_scores(fusionzoo.create_model(name, sensor=s.sensor)(ms, pan), s)
        assert e < e_exp and q > q_exp, f"{name}: Q8 {q:.4f} ERGAS {e:.3f} vs EXP {q_exp:.4f} {e_exp:.3f}"
        assert 0 < a < sam_exp + 1.0, f"{name}: SAM {a:.3f} vs EXP {sam_exp:.3f}"


@CUDA
@pytest.mark.parametrize("name", ["hpf", "atwt_m2", "awlp", "mtf_glp_fs", "mtf_glp_hpm", "indusion", "dwt", "udwt"])
def test_cuda_matches_cpu(name):
    ms, pan = _scene(bands=4)
    m = fusionzoo.create_model(name)
    torch.testing.assert_close(m(ms.cuda(), pan.cuda()).cpu(), m(ms, pan), rtol=1e-9, atol=1e-9)
