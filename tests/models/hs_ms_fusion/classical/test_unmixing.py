"""CNMF of the Yokoya toolbox, with its VD and VCA (fusionzoo.models.hs_ms_fusion.classical.unmixing)."""

import time

import numpy as np
import pytest
import scipy.stats
import torch

from fusionzoo.models.hs_ms_fusion.classical.spectral_response import (
    gaussian_down_sample,
)
from fusionzoo.models.hs_ms_fusion.classical.unmixing import CNMF, cnmf, vca, vd
from fusionzoo.ops import imresize
from fusionzoo.registry import get_arch

F64 = torch.float64


def _mixtures(L=10, p=3, N=400, seed=0, pure=True):
    g = torch.Generator().manual_seed(seed)
    E = torch.rand(L, p, generator=g, dtype=F64) + 0.1
    A = torch.rand(p, N, generator=g, dtype=F64)
    A = A / A.sum(0)
    if pure:
        A[:, 10:10 + p] = torch.eye(p, dtype=F64)  # pure pixels at 10, 11, 12
    return E, A, g


def test_vd_matches_its_definition():
    """The HFC count of vd.m: eigenvalues of correlation minus covariance against a Gaussian threshold."""
    E, A, g = _mixtures(seed=1)
    Y = E @ A + 0.01 * torch.randn(10, 400, generator=g, dtype=F64)
    Yn = Y.numpy()
    N = Yn.shape[1]
    er = np.sort(np.linalg.eigvalsh(Yn @ Yn.T / N))[::-1]
    ek = np.sort(np.linalg.eigvalsh(np.cov(Yn)))[::-1]
    for alpha in (1e-3, 5e-2, 0.3):
        tau = -scipy.stats.norm.ppf(alpha, 0, np.sqrt(2 * (er ** 2 + ek ** 2) / N))
        assert vd(Y, alpha) == int(((er - ek) > tau).sum())
    assert vd(Y, 5e-2) == 3  # three materials


def test_vca_finds_the_pure_pixels():
    E, A, g = _mixtures(seed=2)
    U, idx = vca(E @ A, 3, generator=g)
    assert sorted(idx.tolist()) == [10, 11, 12]
    torch.testing.assert_close(U, E[:, (idx - 10).tolist()], rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="endmembers must be in"):
        vca(E @ A, 11)


def test_vca_is_reproducible_for_a_seed():
    E, A, _ = _mixtures(seed=3, pure=False)
    Y = E @ A
    a = vca(Y, 3, generator=torch.Generator().manual_seed(7))
    b = vca(Y, 3, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def _scene(C=12, c=3, r=4, h=10, seed=0):
    """Three materials with detail finer than the HS pixels; HS = gaussian_down_sample (the toolbox's PSF),
    MS = SRF x reference."""
    g = torch.Generator().manual_seed(seed)
    ab = imresize(torch.rand(3, 2 * h, 2 * h, generator=g, dtype=F64), scale=r // 2).clamp_min(0) + 0.05
    ab = ab / ab.sum(0, keepdim=True)
    E = torch.rand(C, 3, generator=g, dtype=F64) * 0.8 + 0.1
    ref = torch.einsum("cm,mhw->chw", E, ab)[None]
    srf = torch.rand(c, C, generator=g, dtype=F64)
    srf = srf / srf.sum(1, keepdim=True)
    return ref, gaussian_down_sample(ref, r), torch.einsum("kc,bchw->bkhw", srf, ref), srf


def _psnr(x, ref):
    return float(10 * torch.log10(ref.max() ** 2 / ((x - ref) ** 2).mean()))


def test_cnmf_recovers_a_low_rank_scene_closely():
    ref, hs, ms, _ = _scene()
    m = cnmf()
    t = time.perf_counter()
    out = m(hs=hs, ms=ms)
    assert time.perf_counter() - t < 15.0
    assert out.shape == ref.shape and out.dtype == F64 and bool((out >= 0).all())
    p_bic = _psnr(imresize(hs, scale=4), ref)
    assert _psnr(out, ref) > p_bic + 5
    info = m.last_info
    assert info["num_endmembers"] == 12  # max(min(30, C), VD) with C = 12 < 30
    # a rank-3 scene does not identify the 12-band response, but estR's fit of the degraded MS is exact
    fit = torch.einsum("kc,bchw->bkhw", info["srf"], hs) + info["ms_offset"][None, :, None, None]
    torch.testing.assert_close(fit, gaussian_down_sample(ms, 4), rtol=0, atol=1e-9)
    assert float(info["srf_error"].max()) < 1e-9 and bool((info["srf"] >= 0).all())
    assert info["inner_iterations"] == 200
    ms_used = (ms - info["ms_offset"][None, :, None, None]).clamp_min(0)  # the toolbox removes estR's offset
    assert info["delta"] == pytest.approx(2 * float(ms_used.mean() / 0.7455) ** 0.5 / 3 ** 3, rel=1e-9)


def test_cnmf_options_reproducibility_and_given_srf():
    _, hs, ms, srf = _scene(C=8, c=4, seed=1)  # 4 MS bands: W_m is updated too
    a = CNMF(inner_iterations=30, num_endmembers=4, seed=3)(hs=hs, ms=ms)
    b = CNMF(inner_iterations=30, num_endmembers=4, seed=3)(hs=hs, ms=ms)
    assert torch.equal(a, b)
    m = CNMF(srf=srf, inner_iterations=30)
    out = m(hs=hs.float(), ms=ms.float())
    assert out.dtype == torch.float32 and "srf_error" not in m.last_info and "ms_offset" not in m.last_info
    assert torch.equal(m.last_info["srf"], srf) and bool((out >= 0).all())
    assert m.last_info["steps_ms_init"][0] == 30  # the MS warm-up never stops early (the toolbox's i > 1 test)


def test_cnmf_errors():
    _, hs, ms, srf = _scene(C=8, c=3, seed=2)
    with pytest.raises(ValueError, match="pass its transpose"):
        CNMF(srf=srf.T)(hs=hs, ms=ms)
    with pytest.raises(ValueError, match="num_endmembers must be in"):
        CNMF(num_endmembers=9)(hs=hs, ms=ms)
    with pytest.raises(ValueError, match="more HS pixels than bands"):
        CNMF()(hs=hs[..., :2, :2], ms=ms[..., :8, :8])
    with pytest.raises(ValueError, match="false-alarm"):
        CNMF(vd_alpha=0)
    with pytest.raises(ValueError, match="ratio 2"):
        CNMF(ratio=2)(hs=hs, ms=ms)


def test_registry_entry():
    cfg = get_arch("cnmf").cfg
    assert cfg.task == "hs_ms_fusion" and cfg.classical and not cfg.weights and cfg.card == "cnmf.md"
