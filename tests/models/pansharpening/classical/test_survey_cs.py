"""HFCS, the matting model and MBRR (fusionzoo.models.pansharpening.classical.{hfcs, matting, mbrr}): the forward
contract and clear errors, each method's defining property checked against an independent formulation (a dense
least-squares solve, a hand computation, a transcription of the authors' MATLAB kernel), and the scores on the
real WV3 test scene where ../shared/data exists."""

import math

import numpy as np
import pytest
import torch

import fusionzoo
from fusionzoo.models.pansharpening.classical import hfcs as hf
from fusionzoo.models.pansharpening.classical import matting as mt
from fusionzoo.models.pansharpening.classical import mbrr as mb
from fusionzoo.ops import decimate_nearest, imresize, interp23tap, mtf_filter
from tests.helpers import SHARED
from tests.helpers.wv3_test import requires_wv3_test, wv3_test

NAMES = ["hfcs", "matting", "mbrr"]
QUICK = {"mbrr": {"cg_iters": 10, "stiefel_iters": 20}}
DATA = SHARED / "data"


def _smooth(C: int, size: int, seed: int = 0) -> torch.Tensor:
    """Smooth random image (1, C, size, size), float64 in [0.05, 0.65], bands correlated."""
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(1, 1, size // 8, size // 8, generator=g, dtype=torch.float64)
    gain = torch.rand(1, C, 1, 1, generator=g, dtype=torch.float64) * 0.5 + 0.5
    var = torch.rand(1, C, size // 8, size // 8, generator=g, dtype=torch.float64)
    z = imresize(base, size=(size, size)) * gain + 0.3 * imresize(var, size=(size, size))
    return 0.05 + 0.6 * (z - z.min()) / (z.max() - z.min())


def _pair(C: int = 4, h: int = 16, ratio: int = 4, seed: int = 1, dtype=torch.float32):
    z = _smooth(C, ratio * h, seed)
    ms = decimate_nearest(mtf_filter(z, "generic", ratio), ratio)
    pan = z.mean(1, keepdim=True)
    return ms.to(dtype), pan.to(dtype)


def _model(name: str, **kw):
    return fusionzoo.create_model(name, **{**QUICK.get(name, {}), **kw})


# --------------------------------------------------------------------------------------------- contract
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("C,ratio", [(4, 4), (3, 2), (8, 4)])
def test_shapes_dtype_and_band_counts(name, C, ratio):
    ms, pan = _pair(C, 8, ratio)
    ms, pan = ms.repeat(2, 1, 1, 1), pan.repeat(2, 1, 1, 1)
    out = _model(name, ratio=ratio)(ms, pan)
    assert out.shape == (2, C, 8 * ratio, 8 * ratio) and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out[0], out[1])  # batch items are independent


@pytest.mark.parametrize("name", NAMES)
def test_flat_inputs_give_the_flat_image(name):
    ms = torch.full((1, 4, 8, 8), 0.3, dtype=torch.float64)
    ms = ms * torch.tensor([1.0, 0.9, 0.8, 1.2], dtype=torch.float64).view(1, 4, 1, 1)
    pan = torch.full((1, 1, 32, 32), 0.25, dtype=torch.float64)
    out = _model(name, cg_iters=200, cg_tol=1e-6) if name == "mbrr" else _model(name)
    out = out(ms, pan)
    # interp23tap keeps a constant to ~1e-9; MBRR stops its CG at a gradient norm (normalised units)
    tol = 1e-3 if name == "mbrr" else 1e-8
    torch.testing.assert_close(out, ms[..., :1, :1].expand(1, 4, 32, 32), atol=tol, rtol=0)


@pytest.mark.parametrize("name", NAMES)
def test_clear_errors(name):
    with pytest.raises(ValueError, match="power of two|ratio"):
        fusionzoo.create_model(name, ratio=3)
    with pytest.raises((KeyError, ValueError), match="sensor"):
        fusionzoo.create_model(name, sensor="NoSuchSensor")
    ms, pan = _pair(4, 8)
    with pytest.raises(ValueError, match="ratio 4"):
        fusionzoo.create_model(name)(ms, pan[..., :16, :16])


def test_parameter_errors():
    with pytest.raises(ValueError, match="radius"):
        fusionzoo.create_model("hfcs", radius=-1)
    with pytest.raises(ValueError, match="one weight per"):
        fusionzoo.create_model("mbrr", rank=3, q=[1.0, 2.0])
    with pytest.raises(ValueError, match="alignment"):
        fusionzoo.create_model("mbrr", alignment="corner")
    with pytest.raises(ValueError, match="rank 5 exceeds"):
        fusionzoo.create_model("mbrr", rank=5)(*_pair(3, 8))


# ------------------------------------------------------------------------------------------------ HFCS
def test_hfcs_global_fit_equals_a_hand_computation():
    """radius=None: regression intensity, one global linear fit of the PAN to it, GS gains -- recomputed with
    NumPy from the toolbox operators (MTF filter with replicated borders, then nearest decimation)."""
    ms, pan = _pair(3, 8, seed=3, dtype=torch.float64)
    pan = pan + 0.05 * _smooth(1, 32, seed=4)  # not an exact combination of the bands
    out = fusionzoo.create_model("hfcs", radius=None, eps=0.0)(ms, pan)[0].numpy()
    p_low = decimate_nearest(mtf_filter(pan, gains=0.3, ratio=4), 4)[0, 0].numpy().ravel()
    X = np.c_[ms[0].numpy().reshape(3, -1).T, np.ones(64)]
    coef = np.linalg.lstsq(X, p_low, rcond=None)[0]
    i_low = X @ coef
    a = np.cov(p_low, i_low, bias=True)[0, 1] / np.var(p_low)
    c = i_low.mean() - a * p_low.mean()
    ms_up = interp23tap(ms, 4)[0].numpy()
    i_up = np.tensordot(coef[:3], ms_up, 1) + coef[3]
    p_fit = a * pan[0, 0].numpy() + c
    expected = np.stack([ms_up[k] + np.cov(ms_up[k].ravel(), i_up.ravel(), bias=True)[0, 1] / np.var(i_up)
                         * (p_fit - i_up) for k in range(3)])
    np.testing.assert_allclose(out, expected, rtol=1e-7, atol=1e-12)


def test_hfcs_local_fit_reproduces_the_intensity_at_the_ms_scale():
    """The fitted substitution data, low-passed and decimated, are the regression intensity up to the local
    fit's residual: much closer than the PAN equalised globally (what plain CS substitutes)."""
    ms, pan = _pair(4, 16, seed=5, dtype=torch.float64)
    pan = pan * (1.0 + 0.5 * torch.linspace(0, 1, 64, dtype=torch.float64))  # a PAN-MS relation that drifts
    m = fusionzoo.create_model("hfcs")
    p_low = m.lowpass_pan(pan, 4)
    w, b = m.intensity_weights(ms, p_low)
    i_low = torch.einsum("bchw,bc->bhw", ms, w)[:, None] + b[:, None, None, None]
    a, c = m.fit_coefficients(p_low, i_low)
    fitted = a * p_low + c
    g = (pan - pan.mean()) * i_low.std() / pan.std() + i_low.mean()
    glob = decimate_nearest(mtf_filter(g, gains=0.3, ratio=4), 4)
    err_fit = (fitted - i_low).pow(2).mean().sqrt()
    err_glob = (glob - i_low).pow(2).mean().sqrt()
    assert err_fit < 0.5 * err_glob


def test_box_mean_is_the_mean_inside_the_cut_window():
    x = torch.arange(30, dtype=torch.float64).reshape(1, 1, 5, 6)
    got = hf.box_mean(x, 1)
    assert float(got[0, 0, 0, 0]) == pytest.approx(float(x[0, 0, :2, :2].mean()))
    assert float(got[0, 0, 2, 3]) == pytest.approx(float(x[0, 0, 1:4, 2:5].mean()))


# --------------------------------------------------------------------------------------------- matting
def test_foreground_background_solver_equals_a_dense_least_squares():
    """The sparse normal equations against the cost written out term by term (Levin's solveFB) and solved
    densely with numpy.linalg.lstsq, on an image whose alpha crosses every prior's range."""
    rng = np.random.default_rng(0)
    h, w = 5, 6
    alpha = np.clip(np.linspace(-0.05, 1.05, h * w).reshape(h, w) + 0.05 * rng.standard_normal((h, w)), 0, 1)
    img = rng.uniform(0.1, 0.9, (2, h, w))
    F, B = mt.solve_foreground_background(img, alpha)
    n = h * w
    a = alpha.ravel()
    rows, rhs = [], [[] for _ in range(2)]

    def add(coeffs, target):  # coeffs: {unknown index: value}, target per band
        r = np.zeros(2 * n)
        for k, v in coeffs.items():
            r[k] += v
        rows.append(r)
        for c in range(2):
            rhs[c].append(target[c])

    for p in range(n):
        add({p: a[p], n + p: 1 - a[p]}, img[:, p // w, p % w])
        for unknown, opacity in ((p, 1 - a[p]), (n + p, a[p])):  # F's prior uses 1 - alpha, B's alpha
            wgt = (opacity < 0.02) * 100 + 0.03 * (1 - opacity) * (opacity < 0.3) + 0.01 * (opacity > 0.98)
            add({unknown: wgt}, wgt * (opacity < 0.98) * img[:, p // w, p % w])
    known = (a < 0.02) | (a > 0.98)
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        for y in range(h):
            for x in range(w):
                y2, x2 = y + dy, x + dx
                if not (0 <= y2 < h and 0 <= x2 < w):
                    continue
                i, j = y * w + x, y2 * w + x2
                if known[i] and known[j]:
                    continue
                g = math.sqrt(abs(a[j] - a[i]))
                add({j: g + 0.003 * (1 - a[j]), i: -(g + 0.003 * (1 - a[j]))}, (0, 0))
                add({n + j: g + 0.003 * a[j], n + i: -(g + 0.003 * a[j])}, (0, 0))
    A = np.array(rows)
    for c in range(2):
        sol = np.linalg.lstsq(A, np.array(rhs[c]), rcond=None)[0]
        np.testing.assert_allclose(F[c].ravel(), sol[:n], atol=1e-6)
        np.testing.assert_allclose(B[c].ravel(), sol[n:], atol=1e-6)


def test_matting_recomposes_with_the_matched_pan_as_alpha():
    """fused = P' F_up + (1 - P') B_up with P' the PAN matched to the upsampled alpha (mean, std); at the MS
    scale the composite alpha F + (1 - alpha) B gives back the MS (the priors are weak)."""
    ms, pan = _pair(4, 16, seed=7, dtype=torch.float64)
    m = fusionzoo.create_model("matting")
    alpha, F, B = m.decompose(ms)
    assert (alpha * F + (1 - alpha) * B - ms).pow(2).mean().sqrt() < 0.03 * ms.mean()
    a_up = interp23tap(alpha, 4)
    p = (pan - pan.mean()) / pan.std() * a_up.std() + a_up.mean()
    expected = p * interp23tap(F, 4) + (1 - p) * interp23tap(B, 4)
    torch.testing.assert_close(m(ms, pan), expected, atol=1e-12, rtol=0)
    i = ms.mean(1)
    torch.testing.assert_close(alpha[:, 0], (i - i.min()) / (i.max() - i.min()))


# ------------------------------------------------------------------------------------------------ MBRR
def test_mbrr_block_kernel_is_the_authors_construction():
    """alignment='block': the blur kernel of RRpansharp's createConvKernel (fspecial 12 x 12 placed at rows
    middlel-dy/2+1 .. middlel+dy/2 shifted by d/2-1, fftshift, normalised), transcribed with NumPy."""
    nl = nc = 32
    d, mtf = 4, 0.3
    sdf = d * math.sqrt(-2 * math.log(mtf) / math.pi**2)
    t = np.arange(12) - 5.5
    h = np.exp(-(t[:, None] ** 2 + t[None, :] ** 2) / (2 * sdf**2))
    h /= h.sum()
    Bk = np.zeros((nl, nc))
    lo = nl // 2 - 6 + 1 - d // 2 + 1  # MATLAB 1-based first row
    Bk[lo - 1:lo - 1 + 12, lo - 1:lo - 1 + 12] = h
    Bk = np.fft.fftshift(Bk)
    Bk /= Bk.sum()
    kf = mb._kernel_fft([sdf], 12, 1.5, nl, nc, "cpu")[0]
    got = torch.fft.irfft2(kf, s=(nl, nc)).numpy()
    np.testing.assert_allclose(got, Bk, atol=1e-15)
    assert sdf == pytest.approx(4 * math.sqrt(2 * math.log(1 / 0.3)) / math.pi)


def test_mbrr_steps_decrease_the_objective_and_the_z_step_is_exact():
    """Cyclic descent: the Z-step (preconditioned CG) reaches the minimiser of the quadratic -- the dense
    solution of its normal equations -- and the F-step (Stiefel manifold) lowers the objective further."""
    ms, pan = _pair(2, 4, ratio=2, seed=9, dtype=torch.float64)
    m = mb.MBRR(ratio=2, rank=2, q=[0.01, 1.0])
    pb, F, _ = m._setup(ms, pan)
    Z0 = torch.zeros(1, 2, 8, 8, dtype=torch.float64)
    Z = mb._z_step(pb, F, Z0, 1e-11, 300, precondition=True)
    n = Z0.numel()
    H = torch.stack([pb.hessian(F, e.reshape(Z0.shape)).flatten() for e in torch.eye(n, dtype=torch.float64)], 1)
    b = torch.einsum("blr,blhw->brhw", F, mb._conv(pb.y, pb.kf, adjoint=True)).flatten()
    torch.testing.assert_close(H, H.T, atol=1e-12, rtol=0)  # the operator is symmetric (the adjoints are right)
    torch.testing.assert_close(Z.flatten(), torch.linalg.solve(H, b), atol=1e-9, rtol=1e-9)
    j0, j1 = float(pb.objective(F, Z0)), float(pb.objective(F, Z))
    F1 = mb._f_step(pb, F, Z, 1e-10, 500)
    torch.testing.assert_close(F1.transpose(1, 2) @ F1, torch.eye(2, dtype=torch.float64)[None])
    j2 = float(pb.objective(F1, Z))
    assert j2 <= j1 < j0


def test_mbrr_fit_to_the_observations_tightens_as_the_penalty_weakens():
    """The solution reproduces the observed MS samples under the observation model (blur + decimation), the
    closer the weaker the smoothness penalty: the data term the method minimises."""
    ms, pan = _pair(4, 8, seed=11, dtype=torch.float64)
    errs = []
    for lam in (1.0, 0.01):
        m = mb.MBRR(lam=lam, stiefel_iters=50)
        pb, F, _ = m._setup(ms, pan)
        Z = mb._z_step(pb, F, torch.zeros(1, F.shape[-1], 32, 32, dtype=torch.float64), 1e-4, 60, precondition=True)
        res = pb.forward(torch.einsum("blr,brhw->blhw", F, Z)) - pb.y
        errs.append(float(res[:, 1:].norm() / pb.y[:, 1:].norm()))
    assert errs[1] < 0.05 and errs[1] < 0.5 * errs[0]


def test_mbrr_sensor_weights():
    assert fusionzoo.create_model("mbrr", sensor="WV3").weights_for(8) == mb.MBRR_Q["WV3"]
    assert fusionzoo.create_model("mbrr", sensor="GeoEye-1").weights_for(4) == mb.MBRR_Q["GE1"]
    assert fusionzoo.create_model("mbrr").weights_for(4) == mb.MBRR_Q["IKONOS"]
    assert len(fusionzoo.create_model("mbrr").weights_for(3)) == 4
    assert fusionzoo.create_model("mbrr", sensor="WV3", rank=3).weights_for(8) == mb.MBRR_Q["WV3"][:3]


# ------------------------------------------------------------------------------------------- real data
@requires_wv3_test
def test_wv3_reduced_resolution():
    from fusionzoo.benchmarks.pansharpening import evaluate_reduced

    scene = wv3_test()
    for name, q8 in (("hfcs", 0.88), ("matting", 0.80)):
        got = evaluate_reduced(fusionzoo.create_model(name, sensor="WV3"), scene, metrics=("Q2n",))["Q2n"]
        assert got > q8, name
