"""Adaptive MRA pansharpening (MTF-GLP-HPM-H, C-MTF-GLP-CBD, FE-HPM): contract and errors, agreement with
literal NumPy transcriptions of the toolbox functions (``MTF_GLP_HPM_Haze_min``, ``GS_Segm`` +
``gen_LP_image('GS2GLP')``, ``FE`` + ``FE_HPM`` with MATLAB's ``edgetaper``), FE's recovery of a known filter,
and quality on the WV3 test scene when the shared data are there.

The transcriptions follow the MATLAB code line by line on (H, W, C) arrays in DN; the operators verified
elsewhere are taken from fusionzoo (``genMTF`` = :func:`mtf_kernel`, ``interp23tap``, ``fwind1``, the
toolbox's ``LPfilter`` = ``multiresolution._atwt_lowpass``, checked against a literal ``ndwt2`` in
test_multiresolution.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import ndimage

import fusionzoo
from fusionzoo.models.pansharpening.classical import adaptive_mra as amra
from fusionzoo.models.pansharpening.classical import multiresolution as mra
from fusionzoo.ops import fwind1, interp23tap, mtf_kernel
from fusionzoo.registry import get_arch
from fusionzoo.sensors import get_sensor
from tests.helpers import ROOT
from tests.helpers.wv3_test import dn_scores, requires_wv3_test, wv3_test

NAMES = ["mtf_glp_hpm_h", "c_mtf_glp_cbd", "fe_hpm"]
EPS = np.finfo(np.float64).eps
DN = 2047.0  # the generic sensor's full scale (11 bits)
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def _pair(bands=4, h=16, ratio=4, batch=2, seed=0, dtype=torch.float64):
    """A PAN with texture at every scale and an MS made from it (band gains and offsets, a little noise)."""
    g = torch.Generator().manual_seed(seed)
    H = h * ratio
    pan = F.interpolate(torch.rand(batch, 1, H // 4, H // 4, generator=g, dtype=dtype), size=(H, H),
                        mode="bicubic", align_corners=False)
    pan = (0.2 + 0.5 * pan + 0.1 * torch.rand(batch, 1, H, H, generator=g, dtype=dtype)).clamp(0.05, 1.0)
    gains = 0.5 + torch.rand(batch, bands, 1, 1, generator=g, dtype=dtype)
    ms = F.avg_pool2d(pan, ratio) * gains + 0.1 * torch.rand(batch, bands, 1, 1, generator=g, dtype=dtype)
    ms = ms + 0.03 * torch.rand(batch, bands, h, h, generator=g, dtype=dtype)
    return ms, pan


# ------------------------------------------------------------------------ literal toolbox transcriptions


def _imfilter(x, h):
    """``imfilter(x, h, 'replicate')``: correlation anchored at ``floor((size + 1) / 2)`` (1-based)."""
    return ndimage.correlate(x, h, mode="nearest", origin=-1 if h.shape[0] % 2 == 0 else 0)


def _interp23tap(x, ratio):
    return interp23tap(torch.from_numpy(np.ascontiguousarray(x))[None, None], ratio)[0, 0].numpy()


def _lpfilter_gauss(P, ratio):
    """``LPfilterGauss``: fspecial('gaussian', 41, alpha) with alpha from N = 41, fwind1 with kaiser(41)."""
    N = 41
    alpha = math.sqrt((N * (1 / ratio / 2)) ** 2 / (-2 * math.log(0.3)))
    x = np.arange(N) - (N - 1) / 2
    H = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * alpha**2))
    H[H < EPS * H.max()] = 0
    H = H / H.sum()
    return _imfilter(P, fwind1(H / H.max(), np.kaiser(N, 0.5)))


def _glp_lowpass(P, gains, ratio):
    """``gen_LP_image('GS2GLP')`` / the decimated branch of ``MTF_GLP_HPM_Haze_min``: per band imfilter with
    ``genMTF``, ``imresize(., 1/ratio, 'nearest')`` (0-based rows ratio/2::ratio), ``interp23tap``."""
    h = mtf_kernel(list(gains), ratio).numpy()
    return np.stack([_interp23tap(_imfilter(P, h[b])[ratio // 2::ratio, ratio // 2::ratio], ratio)
                     for b in range(len(gains))], -1)


def _toolbox_hpm_haze(I_MS, I_PAN, gains, ratio):
    """``MTF_GLP_HPM_Haze_min(I_MS, I_PAN, sensor, ratio, 1)``; I_MS (H, W, C), I_PAN (H, W)."""
    Hh, Ww, C = I_MS.shape
    if C == 4:
        prc = [np.percentile(I_MS[:, :, b].ravel(order="F"), 1, method="hazen") for b in range(4)]  # prctile
        minMS = np.array([0.95, 0.45, 0.40, 0.05]) * np.array(prc)
    else:
        minMS = np.array([I_MS[:, :, b].min() for b in range(C)])
    I_PAN_LR = _lpfilter_gauss(I_PAN, ratio)
    A = np.concatenate([np.ones((Hh, Ww, 1)), I_MS], 2).reshape(-1, C + 1, order="F")
    w = np.linalg.lstsq(A, I_PAN_LR.ravel(order="F"), rcond=None)[0]  # estimation_alpha(..., 'global')
    wp = w @ np.concatenate([[1.0], minMS])
    PAN_LP = _glp_lowpass(I_PAN, gains, ratio)
    P_PL = (I_PAN[:, :, None] - wp) / (PAN_LP - wp + EPS)
    return (I_MS - minMS) * P_PL + minMS


def _toolbox_gs_segm(I_MS, I_PAN, I_LR, S):
    """``GS_Segm(I_MS, I_PAN, I_LR_input, S)``."""
    out = np.empty_like(I_MS)
    for b in range(I_MS.shape[2]):
        coeff = np.zeros(S.shape)
        for lab in np.unique(S):
            idx = S == lab
            coeff[idx] = np.cov(I_LR[:, :, b][idx], I_MS[:, :, b][idx])[0, 1] / np.var(I_LR[:, :, b][idx], ddof=1)
        out[:, :, b] = coeff * (I_PAN - I_LR[:, :, b]) + I_MS[:, :, b]
    return out


def _edgetaper(I, PSF):
    """MATLAB ``edgetaper(I, PSF)`` (2-D PSF, both dimensions non-singleton)."""
    PSF = PSF / PSF.sum() if (PSF >= 0).all() else PSF
    beta = []
    for n, proj in ((I.shape[0], PSF.sum(1)), (I.shape[1], PSF.sum(0))):
        z = np.real(np.fft.ifft(np.abs(np.fft.fft(proj, n - 1)) ** 2))
        beta.append(np.concatenate([z, z[:1]]) / z.max())
    alpha = np.outer(1 - beta[0], 1 - beta[1])
    otf = np.zeros(I.shape)  # psf2otf: pad, then circshift by -floor(size / 2)
    otf[:PSF.shape[0], :PSF.shape[1]] = PSF
    otf = np.fft.fft2(np.roll(otf, (-(PSF.shape[0] // 2), -(PSF.shape[1] // 2)), (0, 1)))
    blurred = np.real(np.fft.ifft2(np.fft.fft2(I) * otf))
    J = alpha * I + (1 - alpha) * blurred
    return np.clip(J, I.min(), I.max())


def _lpfilter(P, ratio):
    levels = math.ceil(math.log2(ratio))
    return mra._atwt_lowpass(torch.from_numpy(P)[None, None], levels)[0, 0].numpy()


def _toolbox_fe(I_MS, I_PAN, ratio, tap, lam, mu, th, num_iter):
    """``FE(I_MS, I_PAN, ratio, tap, lambda, mu, th, num_iter, 'Basic')``."""
    sum_tap = tap % 2
    tap = tap // 2
    R, C = I_PAN.shape
    gv = np.array([[-1.0, -1.0], [1.0, 1.0]])
    gh = np.array([[-1.0, 1.0], [-1.0, 1.0]])
    gvf, ghf = np.fft.fft2(gv, (R, C)), np.fft.fft2(gh, (R, C))
    gf2sum = np.conj(gvf) * gvf + np.conj(ghf) * ghf
    H_E = I_PAN.copy()
    ones = np.ones((R, C, 1))
    PSF_l = None
    for jj in range(num_iter):
        PAN_LP = _lpfilter(H_E, ratio) if jj == 0 else _imfilter(H_E, PSF_l)
        A = np.concatenate([I_MS, ones], 2)
        alpha = np.linalg.lstsq(A.reshape(-1, A.shape[2], order="F"), PAN_LP.ravel(order="F"), rcond=None)[0]
        It_E = (A * alpha).sum(2)
        box = np.ones((tap, tap)) / tap**2
        H_E = _edgetaper(H_E, box)
        It_E = _edgetaper(It_E, box)
        fH = np.fft.fft2(H_E)
        PSF = np.real(np.fft.fftshift(np.fft.ifft2(np.conj(fH) * np.fft.fft2(It_E)
                                                   / (np.abs(fH) ** 2 + lam + mu * gf2sum))))
        PSF[PSF < th] = 0
        rm, cm = np.unravel_index(np.argmax(PSF.ravel(order="F")), PSF.shape, order="F")
        assert tap <= rm and rm + tap - 1 + sum_tap < R and tap <= cm and cm + tap - 1 + sum_tap < C
        PSF_l = PSF[rm - tap:rm + tap + sum_tap, cm - tap:cm + tap + sum_tap]
        PSF_l = PSF_l / PSF_l.sum()
    return PSF_l


def _toolbox_fe_hpm(I_MS, I_PAN, ratio, tap=25, lam=1e5, mu=1e5, th=1e-3, num_iter=5):
    """``FE_HPM(I_MS, I_PAN, ratio, tap, lambda, mu, th, num_iter, 'Basic')``; returns (fused, PSF_l)."""
    C = I_MS.shape[2]
    imageHR = np.stack([(I_PAN - I_PAN.mean()) * (I_MS[:, :, b].std(ddof=1) / I_PAN.std(ddof=1))
                        + I_MS[:, :, b].mean() for b in range(C)], 2)
    PSF_l = _toolbox_fe(I_MS, I_PAN, ratio, tap, lam, mu, th, num_iter)
    PAN_LP = np.stack([_interp23tap(_imfilter(imageHR[:, :, b], PSF_l)[ratio // 2::ratio, ratio // 2::ratio],
                                    ratio) for b in range(C)], 2)
    return I_MS * (imageHR / (PAN_LP + EPS)), PSF_l


def _hwc(x):
    return x.permute(1, 2, 0).numpy()


# ------------------------------------------------------------------------------------------- contract


def test_registered_classical_with_cards():
    for name in NAMES:
        cfg = get_arch(name).cfg
        assert cfg.classical and cfg.task == "pansharpening" and cfg.inputs == ("ms", "pan")
        assert cfg.card == f"{name}.md" and (ROOT / "model_cards" / cfg.card).is_file()
        assert sum(p.numel() for p in fusionzoo.create_model(name).parameters()) == 0


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bands,ratio", [(4, 4), (3, 4), (5, 2), (8, 8)])
def test_contract(name, bands, ratio):
    ms, pan = _pair(bands, h=8 if ratio == 8 else 16, ratio=ratio, dtype=torch.float32)
    model = fusionzoo.create_model(name, ratio=ratio)
    out = model(ms, pan)
    assert out.shape == (2, bands, *pan.shape[-2:]) and out.dtype == torch.float32 and torch.isfinite(out).all()
    # images of a batch are fused independently (the k-means too: one seeded stream per image); HPM-H divides
    # by P^low - L_P, which amplifies float32 rounding where the PAN nears its haze
    torch.testing.assert_close(out[1:], model(ms[1:], pan[1:]), rtol=1e-3, atol=1e-5)
    torch.testing.assert_close(out, model(ms, pan), rtol=0, atol=0)  # deterministic


@pytest.mark.parametrize("name", NAMES)
def test_float64_kept_and_close_to_float32(name):
    ms, pan = _pair()
    model = fusionzoo.create_model(name)
    o64 = model(ms, pan)
    assert o64.dtype == torch.float64
    torch.testing.assert_close(model(ms.float(), pan.float()).double(), o64, rtol=1e-3, atol=1e-3)


def test_errors():
    ms, pan = _pair(4)
    with pytest.raises(ValueError, match="8 MS bands"):
        fusionzoo.create_model("mtf_glp_hpm_h", sensor="WV3")(ms, pan)
    with pytest.raises(ValueError, match="n_clusters"):
        fusionzoo.create_model("c_mtf_glp_cbd", n_clusters=0)
    with pytest.raises(ValueError, match="kmeans_sample"):
        fusionzoo.create_model("c_mtf_glp_cbd", kmeans_sample=3)
    with pytest.raises(ValueError, match="tap"):
        fusionzoo.create_model("fe_hpm", tap=3)
    with pytest.raises(ValueError, match="derivative"):
        fusionzoo.create_model("fe_hpm", derivative="laplace")
    with pytest.raises(ValueError, match="iterations"):
        fusionzoo.create_model("fe_hpm", iterations=0)
    with pytest.raises(ValueError, match="larger than 24 pixels"):
        fusionzoo.create_model("fe_hpm")(ms[..., :5, :5], pan[..., :20, :20])
    with pytest.raises(ValueError, match="power-of-two"):
        fusionzoo.create_model("c_mtf_glp_cbd", ratio=3)
    r = repr(fusionzoo.create_model("fe_hpm", ratio=8, sensor="QB"))
    assert "tap=25" in r and "sensor='QB'" in r and "lam=100000" in r
    assert fusionzoo.create_model("fe_hpm", ratio=16).tap == 48  # the demo's max(tap, 3 ratio)


# -------------------------------------------------------------------------------- against the toolbox


@pytest.mark.parametrize("bands,sensor", [(4, "QB"), (3, "generic")])  # 4 bands: percentile haze; else minimum
def test_hpm_haze_is_toolbox(bands, sensor):
    ms, pan = _pair(bands, batch=1)
    gains = get_sensor(sensor, num_bands=bands).mtf_ms
    I_MS = _hwc(interp23tap(ms, 4)[0]) * DN
    ref = _toolbox_hpm_haze(I_MS, pan[0, 0].numpy() * DN, gains, 4) / DN
    out = fusionzoo.create_model("mtf_glp_hpm_h", sensor=sensor)(ms, pan)
    # rounding (1e-16) amplified by 1 / (P^low - L_P) where the PAN nears its haze
    np.testing.assert_allclose(_hwc(out[0]), ref, rtol=0, atol=1e-10)


def test_hpm_haze_values():
    ms, pan = _pair(4, batch=1)
    model = fusionzoo.create_model("mtf_glp_hpm_h")
    lms = interp23tap(ms, 4)
    haze, haze_pan = model.haze(lms, pan)
    p1 = [np.percentile(lms[0, b].numpy(), 1, method="hazen") for b in range(4)]
    np.testing.assert_allclose(haze[0].numpy(), np.array([0.95, 0.45, 0.40, 0.05]) * p1, rtol=1e-13)
    # the PAN haze is the regression of the low-passed PAN evaluated at the bands' haze
    lp = _lpfilter_gauss(pan[0, 0].numpy(), 4).ravel()
    A = np.c_[np.ones(lp.size), lms[0].reshape(4, -1).numpy().T]
    w = np.linalg.lstsq(A, lp, rcond=None)[0]
    assert abs(haze_pan.item() - (w[0] + w[1:] @ haze[0].numpy())) < 1e-12


def test_c_mtf_glp_cbd_is_toolbox():
    ms, pan = _pair(4, batch=1)
    model = fusionzoo.create_model("c_mtf_glp_cbd", sensor="QB")
    lms = interp23tap(ms, 4)
    S = model.segments(lms)[0].numpy()
    assert sorted(np.unique(S)) == list(range(5))
    I_LR = _glp_lowpass(pan[0, 0].numpy() * DN, get_sensor("QB").mtf_ms, 4)
    ref = _toolbox_gs_segm(_hwc(lms[0]) * DN, pan[0, 0].numpy() * DN, I_LR, S) / DN
    np.testing.assert_allclose(_hwc(model(ms, pan)[0]), ref, rtol=0, atol=1e-12)


def test_c_mtf_glp_cbd_one_cluster_is_mtf_glp_cbd():
    ms, pan = _pair(4)
    one = fusionzoo.create_model("c_mtf_glp_cbd", n_clusters=1, sensor="IKONOS")(ms, pan)
    torch.testing.assert_close(one, fusionzoo.create_model("mtf_glp_cbd", sensor="IKONOS")(ms, pan),
                               rtol=0, atol=1e-12)


def test_c_mtf_glp_cbd_segments_and_seed():
    # three regions of distinct spectra: k-means with 3 clusters finds them (up to the labels), any seed
    ms = torch.tensor([0.2, 0.5, 0.3])[None, :, None, None].repeat(1, 1, 16, 16).double()
    ms[:, :, :8, :] = torch.tensor([0.6, 0.2, 0.4], dtype=torch.float64)[None, :, None, None]
    ms[:, :, 8:, 10:] = torch.tensor([0.3, 0.3, 0.9], dtype=torch.float64)[None, :, None, None]
    ms = ms + 0.005 * torch.rand(ms.shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    truth = torch.zeros(64, 64, dtype=torch.long)
    truth[32:, :40], truth[32:, 40:] = 1, 2
    regions = interp23tap(ms, 4)
    for seed in (0, 1, 7):
        lab = fusionzoo.create_model("c_mtf_glp_cbd", n_clusters=3, seed=seed).segments(regions)[0]
        inner = (slice(6, 26), slice(6, 34))  # away from the interpolator's ringing at the region edges
        assert len({(int(a), int(b)) for a, b in zip(truth[inner].flatten(), lab[inner].flatten())}) <= 2
        assert len(set(lab[inner].flatten().tolist())) == 1
    # the same seed gives the same labels; the sampled fit equals the full one below kmeans_sample pixels
    lms = interp23tap(_pair(4, batch=1)[0], 4)
    a = fusionzoo.create_model("c_mtf_glp_cbd", seed=3).segments(lms)
    assert torch.equal(a, fusionzoo.create_model("c_mtf_glp_cbd", seed=3).segments(lms))
    assert torch.equal(a, fusionzoo.create_model("c_mtf_glp_cbd", seed=3, kmeans_sample=None).segments(lms))


def test_edgetaper_is_matlab():
    rng = np.random.default_rng(0)
    x = rng.random((2, 40, 36))
    for size in (5, 12):
        ref = np.stack([_edgetaper(x[i], np.ones((size, size)) / size**2) for i in range(2)])
        np.testing.assert_allclose(amra.edgetaper(torch.from_numpy(x), size).numpy(), ref, rtol=0, atol=1e-14)
    with pytest.raises(ValueError, match="twice"):
        amra.edgetaper(torch.from_numpy(x), 20)


def test_fe_hpm_is_toolbox():
    ms, pan = _pair(3, batch=1)
    I_MS = _hwc(interp23tap(ms, 4)[0]) * DN
    ref, psf_ref = _toolbox_fe_hpm(I_MS, pan[0, 0].numpy() * DN, 4)
    model = fusionzoo.create_model("fe_hpm")  # generic: 11 bits, lambda and mu in DN
    psf = model.estimate_filter(interp23tap(ms, 4), pan)[0].numpy()
    assert psf.shape == (25, 25) and (psf > 0).sum() > 9
    np.testing.assert_allclose(psf, psf_ref, rtol=0, atol=1e-13)
    np.testing.assert_allclose(_hwc(model(ms, pan)[0]), ref / DN, rtol=0, atol=1e-12)
    # other weights and iterations, an even support (MATLAB's anchors: the window and imfilter differ by one)
    ref, psf_ref = _toolbox_fe_hpm(I_MS, pan[0, 0].numpy() * DN, 4, 14, 1e3, 1e4, 2e-3, 3)
    model = fusionzoo.create_model("fe_hpm", tap=14, lam=1e3, mu=1e4, threshold=2e-3, iterations=3)
    np.testing.assert_allclose(model.estimate_filter(interp23tap(ms, 4), pan)[0].numpy(), psf_ref, rtol=0,
                               atol=1e-13)
    np.testing.assert_allclose(_hwc(model(ms, pan)[0]), ref / DN, rtol=0, atol=1e-12)
    # another derivative filter changes the estimate
    sobel = fusionzoo.create_model("fe_hpm", derivative="Sobel").estimate_filter(interp23tap(ms, 4), pan)
    assert sobel.shape == (1, 25, 25) and (sobel[0].numpy() - psf).std() > 1e-6


# ------------------------------------------------------------------------------------------- properties


def _gaussian(sigma, n=25):
    r = np.arange(n) - n // 2
    g = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma**2))
    return g / g.sum()


@pytest.mark.parametrize("sigma", [1.0, 2.0])
def test_fe_recovers_a_known_filter(sigma):
    # a white PAN and bands that are affine maps of the PAN blurred by a Gaussian: the first FE iteration
    # recovers the Gaussian; the toolbox's later ones re-taper the PAN estimate each time (cumulative
    # edgetaper) and widen it, but keep it centred, symmetric and close in shape
    rng = np.random.default_rng(0)
    P = 0.2 + 0.6 * rng.random((128, 128))
    g = _gaussian(sigma)
    blur = ndimage.correlate(P, g, mode="wrap")
    ms_up = np.stack([c * blur + d + 1e-3 * rng.standard_normal(P.shape) for c, d in ((0.8, 0.05), (1.1, 0.0))])
    args = torch.from_numpy(ms_up)[None], torch.from_numpy(P)[None, None]
    one = fusionzoo.create_model("fe_hpm", iterations=1).estimate_filter(*args)[0].numpy()
    assert np.abs(one - g).max() < 0.03 * g.max()
    five = fusionzoo.create_model("fe_hpm").estimate_filter(*args)[0].numpy()
    assert np.unravel_index(five.argmax(), five.shape) == (12, 12)
    np.testing.assert_allclose(five, five.T, atol=0.1 * g.max())
    assert np.corrcoef(five.ravel(), g.ravel())[0, 1] > 0.99
    assert abs(five.sum() - 1) < 1e-12 and (five >= 0).all()


@pytest.mark.parametrize("name", ["c_mtf_glp_cbd", "fe_hpm"])
def test_flat_pan_injects_nothing(name):
    ms, _ = _pair(4)
    pan = torch.full((2, 1, 64, 64), 0.4, dtype=torch.float64)
    # FE-HPM: P_b is the band mean, P^low its interp23tap, whose 12-digit taps keep a constant to 1e-9
    torch.testing.assert_close(fusionzoo.create_model(name)(ms, pan), interp23tap(ms, 4), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("name", ["mtf_glp_hpm_h", "c_mtf_glp_cbd"])
def test_scale_equivariance(name):
    # no step depends on the scale (haze from the data, regressions, max-normalised k-means features)
    ms, pan = _pair(4)
    model = fusionzoo.create_model(name)
    torch.testing.assert_close(model(ms * DN, pan * DN), model(ms, pan) * DN, rtol=1e-9, atol=1e-9)


def test_fe_hpm_bit_depth_scales_the_weights():
    # lambda and mu are in DN: a 12-bit sensor is lambda * (2047 / 4095)**2 on fusionzoo's scale
    ms, pan = _pair(4, batch=1)
    lms = interp23tap(ms, 4)
    k = (2047 / 4095) ** 2
    a = fusionzoo.create_model("fe_hpm", bit_depth=12).estimate_filter(lms, pan)
    b = fusionzoo.create_model("fe_hpm", lam=1e5 * k, mu=1e5 * k).estimate_filter(lms, pan)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-14)
    c = fusionzoo.create_model("fe_hpm", sensor="PLEIADES").estimate_filter(lms, pan)  # a 12-bit sensor
    torch.testing.assert_close(a, c, rtol=0, atol=0)


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
@pytest.mark.parametrize("name", ["mtf_glp_hpm_h", "fe_hpm"])  # (k-means draws from the device's own generator)
def test_cuda_matches_cpu(name):
    ms, pan = _pair(4)
    model = fusionzoo.create_model(name)
    torch.testing.assert_close(model(ms.cuda(), pan.cuda()).cpu(), model(ms, pan), rtol=1e-9, atol=1e-9)
