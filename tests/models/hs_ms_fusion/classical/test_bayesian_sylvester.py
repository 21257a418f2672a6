"""FUSE: the closed form solves its Sylvester equation; spline prior mean; recovery; contract."""

from __future__ import annotations

import pytest
import torch

from fusionzoo.models.hs_ms_fusion.classical.bayesian_sylvester import (
    FUSE,
    _apply_c2,
    fuse,
    spline_upsample_matrix,
    sylvester_fusion,
)
from fusionzoo.models.hs_ms_fusion.classical.hysure import _fft_kernel
from fusionzoo.registry import get_arch
from tests.helpers.hs_ms_scenes import low_rank_scene

F64 = torch.float64


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/models/hs_ms_fusion/conftest.py


def test_registered_as_classical_hs_ms_fusion():
    cfg = get_arch("fuse").cfg
    assert cfg.task == "hs_ms_fusion" and cfg.inputs == ("hs", "ms") and cfg.classical and cfg.card == "fuse.md"
    assert isinstance(fuse(), FUSE)


def test_closed_form_satisfies_the_sylvester_equation():
    g = torch.Generator().manual_seed(0)
    C, c, L, H, r = 7, 3, 4, 24, 3
    XH = torch.rand(C, H // r, H // r, generator=g, dtype=F64)
    XM = torch.rand(c, H, H, generator=g, dtype=F64)
    R = torch.rand(c, C, generator=g, dtype=F64)
    E = torch.rand(C, L, generator=g, dtype=F64)
    mean = torch.rand(L, H, H, generator=g, dtype=F64)
    k = torch.rand(5, 5, generator=g, dtype=F64)  # an asymmetric kernel
    FB = _fft_kernel(k / k.sum(), (H, H))
    X = sylvester_fusion(XH, XM, R, FB, E, mean, 0.3)
    G = E.T @ E
    A = (R @ E).T @ (R @ E) + 0.3 * torch.eye(L, dtype=F64)
    up = torch.zeros(C, H, H, dtype=F64)
    up[:, ::r, ::r] = XH
    rhs = (torch.einsum("cl,chw->lhw", E, torch.fft.ifft2(torch.fft.fft2(up) * FB.conj()).real)
           + torch.einsum("cl,chw->lhw", R @ E, XM) + 0.3 * mean)
    # E'E X B S S' B' + A X = rhs  (the equation times E'E)
    lhs = torch.einsum("kl,lhw->khw", G, _apply_c2(X, FB, r)) + torch.einsum("kl,lhw->khw", A, X)
    torch.testing.assert_close(lhs, rhs, atol=1e-9, rtol=1e-9)


def test_spline_prior_mean_interpolates_the_samples():
    M = spline_upsample_matrix(6, 4)
    assert M.shape == (24, 6)
    torch.testing.assert_close(M[::4], torch.eye(6, dtype=F64))  # LR sample i lands on HR pixel 4 i
    torch.testing.assert_close(M.sum(1), torch.ones(24, dtype=F64))  # constants are reproduced


def test_recovers_low_rank_scene_with_known_responses():
    Z, hs, ms, R, k = low_rank_scene(C=8)
    out = FUSE(srf=R, psf=k, phase=1, subspace_dim=3)(hs.float(), ms.float())
    assert out.shape == (1, 8, 32, 32) and out.dtype == torch.float32
    mse = ((out[0].double() - Z) ** 2).mean()
    assert float(10 * torch.log10(Z.max() ** 2 / mse)) > 40


@pytest.mark.parametrize("estimate", ["hysure", "toolbox"])
def test_blind_estimates_beat_the_lr_input(estimate):
    Z, hs, ms, R, k = low_rank_scene(C=8)
    out = FUSE(estimate=estimate, scaling=1.0)(hs, ms)[0]
    near = hs.repeat_interleave(4, -1).repeat_interleave(4, -2)[0]
    assert ((out - Z) ** 2).mean() < 0.3 * ((near - Z) ** 2).mean()


def test_clear_errors():
    _, hs, ms, R, k = low_rank_scene(C=8)
    with pytest.raises(ValueError, match="prior"):
        FUSE(prior="sparse")
    with pytest.raises(ValueError, match="estimate"):
        FUSE(estimate="magic")
    with pytest.raises(ValueError, match="odd size"):
        FUSE(psf=torch.ones(4, 4))
    with pytest.raises(ValueError, match="srf must be"):
        FUSE(srf=R.T)(hs, ms)
    with pytest.raises(ValueError, match="phase"):
        FUSE(srf=R, psf=k, phase=7)(hs, ms)
    with pytest.raises(ValueError, match="NaN"):
        FUSE()(hs * float("nan"), ms)
