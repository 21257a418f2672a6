"""CSTF and STEREO: degradation operators, exact recoveries, monotone ALS, contract."""

from __future__ import annotations

import pytest
import torch

from fusionzoo.models.hs_ms_fusion.classical.hysure import _fft_kernel
from fusionzoo.models.hs_ms_fusion.classical.tensor_factorization import (
    CSTF,
    STEREO,
    _kernel_1d,
    cstf,
    degradation_matrix,
    stereo,
)
from fusionzoo.registry import get_arch

F64 = torch.float64
K5 = torch.tensor([1.0, 4, 6, 4, 1], dtype=F64) / 16  # the Starck-Murtagh kernel


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/models/hs_ms_fusion/conftest.py


def _degrade(Z, R, k, r, phase):
    P = degradation_matrix(k, Z.shape[-1], r, phase)
    return torch.einsum("ai,kij,bj->kab", P, Z, P)[None], torch.einsum("lc,chw->lhw", R, Z)[None]


def _cp_scene(C=8, c=4, H=32, rank=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    # Gaussian factors: well-conditioned, so that the ALS CPD of the MS converges quickly
    A, B = torch.randn(H, rank, generator=g, dtype=F64), torch.randn(H, rank, generator=g, dtype=F64)
    Z = torch.einsum("if,jf,kf->kij", A, B, torch.randn(C, rank, generator=g, dtype=F64))
    R = torch.rand(c, C, generator=g, dtype=F64)
    return Z, R / R.sum(1, keepdim=True)


def _tucker_scene(C=8, c=3, H=32, core=(6, 6, 3), seed=0):
    g = torch.Generator().manual_seed(seed)
    G = torch.rand(*core, generator=g, dtype=F64)
    W, Hd = torch.rand(H, core[0], generator=g, dtype=F64), torch.rand(H, core[1], generator=g, dtype=F64)
    S = torch.rand(C, core[2], generator=g, dtype=F64)
    Z = torch.einsum("abc,ia,jb,kc->kij", G, W, Hd, S)
    R = torch.rand(c, C, generator=g, dtype=F64)
    return Z / Z.max(), R / R.sum(1, keepdim=True)


def _psnr(ref, x):
    return float(10 * torch.log10(ref.max() ** 2 / ((ref - x) ** 2).mean()))


def test_registered_as_classical_hs_ms_fusion():
    for name, cls, entry in (("cstf", CSTF, cstf), ("stereo", STEREO, stereo)):
        cfg = get_arch(name).cfg
        assert cfg.task == "hs_ms_fusion" and cfg.inputs == ("hs", "ms") and cfg.classical
        assert cfg.card == f"{name}.md" and isinstance(entry(), cls)


def test_degradation_matrix_is_circular_blur_then_decimation():
    x = torch.rand(3, 20, 20, dtype=F64)
    P = degradation_matrix(K5, 20, 4, 2)
    sep = torch.einsum("ai,kij,bj->kab", P, x, P)
    blurred = torch.fft.ifft2(torch.fft.fft2(x) * _fft_kernel(torch.outer(K5, K5), (20, 20))).real
    torch.testing.assert_close(sep, blurred[:, 2::4, 2::4])


def test_separable_psf_is_factored_and_others_rejected():
    torch.testing.assert_close(_kernel_1d(torch.outer(K5, K5), K5 * 0), K5)
    with pytest.raises(ValueError, match="separable"):
        _kernel_1d(torch.rand(5, 5, dtype=F64) + torch.eye(5, dtype=F64), K5)
    with pytest.raises(ValueError, match="odd length"):
        _kernel_1d(torch.ones(4, dtype=F64) / 4, K5)


def test_stereo_recovers_a_low_cp_rank_scene():
    Z, R = _cp_scene()
    hs, ms = _degrade(Z, R, K5, 4, 1)
    out = STEREO(srf=R, psf=K5, phase=1, rank=3, cpd_iters=100)(hs.float(), ms.float())
    assert out.shape == (1, 8, 32, 32) and out.dtype == torch.float32
    assert _psnr(Z, out[0].double()) > 40


def test_stereo_als_never_increases_the_coupled_cost():
    Z, R = _cp_scene(rank=4)
    hs, ms = _degrade(Z, R, K5, 4, 1)
    P = degradation_matrix(K5, 32, 4, 1)

    def cost(X):
        return float(((hs[0] - torch.einsum("ai,kij,bj->kab", P, X, P)) ** 2).sum()
                     + ((ms[0] - torch.einsum("lc,chw->lhw", R, X)) ** 2).sum())

    costs = [cost(STEREO(srf=R, psf=K5, phase=1, rank=4, cpd_iters=5, iters=n)(hs, ms)[0]) for n in range(4)]
    assert all(b <= a * (1 + 1e-9) for a, b in zip(costs, costs[1:]))
    assert costs[-1] < costs[0]


def test_cstf_recovers_a_low_tucker_rank_scene():
    Z, R = _tucker_scene()
    hs, ms = _degrade(Z, R, K5, 4, 1)
    out = CSTF(srf=R, psf=K5, phase=1, n_w=12, n_h=12, n_s=3, lam=1e-8)(hs, ms)[0]
    assert _psnr(Z, out) > 40


def test_clear_errors():
    Z, R = _cp_scene()
    hs, ms = _degrade(Z, R, K5, 4, 1)
    for cls, kw in ((CSTF, {"n_s": 3}), (STEREO, {})):
        with pytest.raises(ValueError, match="needs the spectral response"):
            cls(**kw)(hs, ms)
        with pytest.raises(ValueError, match="srf must be"):
            cls(srf=R.T, **kw)(hs, ms)
        with pytest.raises(ValueError, match="phase"):
            cls(srf=R, phase=4, **kw)(hs, ms)
    with pytest.raises(ValueError, match="n_s"):
        CSTF(srf=R, n_s=9)(hs, ms)
    with pytest.raises(ValueError, match="rank"):
        STEREO(rank=0)
