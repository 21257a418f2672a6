"""HySure: contract, the shared helpers as HySure calls them (VCA's original variant, the toolbox's Gaussian
downsampling and estR on unbatched images), recovery."""

from __future__ import annotations

import pytest
import torch

from fusionzoo.degradation.psf import fspecial_gaussian as gaussian_kernel
from fusionzoo.degradation.psf import gaussian_down_sample
from fusionzoo.models.hs_ms_fusion.classical.hysure import HySure, _fft_kernel, hysure
from fusionzoo.models.hs_ms_fusion.classical.spectral_response import estimate_srf
from fusionzoo.models.hs_ms_fusion.classical.unmixing import vca
from fusionzoo.registry import get_arch

F64 = torch.float64


@pytest.fixture(autouse=True)
def _one_thread():
    """Small problems: one thread avoids oversubscription on shared CPUs."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _scene(C=10, c=3, H=32, r=4, p=3, phase=1, seed=0):
    """A rank-p reference (smooth abundances), its circularly blurred / decimated HS and its MS."""
    g = torch.Generator().manual_seed(seed)
    E = torch.rand(C, p, generator=g, dtype=F64)
    a = torch.rand(p, H, H, generator=g, dtype=F64)
    a = torch.fft.ifft2(torch.fft.fft2(a) * _fft_kernel(gaussian_kernel(5, 1.0), (H, H))).real
    Z = torch.einsum("cp,phw->chw", E, a)
    R = torch.rand(c, C, generator=g, dtype=F64)
    R = R / R.sum(1, keepdim=True)
    k = gaussian_kernel(2 * r + 1, r / 2.35482)
    hs = torch.fft.ifft2(torch.fft.fft2(Z) * _fft_kernel(k, (H, H))).real[:, phase::r, phase::r]
    return Z, hs[None], torch.einsum("kc,chw->khw", R, Z)[None], R, k


def _psnr(ref, x):
    return float(10 * torch.log10(ref.max() ** 2 / ((ref - x) ** 2).mean()))


def test_registered_as_classical_hs_ms_fusion():
    cfg = get_arch("hysure").cfg
    assert cfg.task == "hs_ms_fusion" and cfg.inputs == ("hs", "ms") and cfg.classical and not cfg.fitted
    assert cfg.card == "hysure.md"
    assert isinstance(hysure(), HySure) and hysure(variant="toolbox").variant == "toolbox"


def test_recovers_low_rank_scene_with_known_responses():
    Z, hs, ms, R, k = _scene()
    out = HySure(srf=R, psf=k, p=3, lambda_phi=1e-7, basis="svd")(hs.float(), ms.float())
    assert out.shape == (1, 10, 32, 32) and out.dtype == torch.float32
    assert _psnr(Z, out[0].double()) > 35


def test_blind_original_and_toolbox_beat_the_lr_input():
    Z, hs, ms, R, k = _scene()
    near = hs.repeat_interleave(4, -1).repeat_interleave(4, -2)[0]
    for variant in ("original", "toolbox"):
        out = HySure(variant=variant, iters=60)(hs, ms)[0]
        assert torch.isfinite(out).all()
        assert _psnr(Z, out) > _psnr(Z, near) + 5


def test_batch_items_are_fused_independently():
    _, hs1, ms1, *_ = _scene(seed=1)
    _, hs2, ms2, *_ = _scene(seed=2)
    m = HySure(iters=10, basis="svd")
    both = m(torch.cat([hs1, hs2]), torch.cat([ms1, ms2]))
    torch.testing.assert_close(both[1:], m(hs2, ms2))


def test_vca_finds_the_pure_pixels():
    g = torch.Generator().manual_seed(3)
    E = torch.rand(8, 4, generator=g, dtype=F64)
    ab = torch.distributions.Dirichlet(torch.ones(4, dtype=F64)).sample((200,)).T
    ab[:, :4] = torch.eye(4, dtype=F64)  # the endmembers themselves are pixels
    found = vca(E @ ab, 4, torch.Generator().manual_seed(0), snr=0.0, variant="nascimento")[0]
    d = torch.cdist(found.T, E.T)
    assert torch.allclose(d.min(1).values, torch.zeros(4, dtype=F64), atol=1e-10)
    assert set(d.argmin(1).tolist()) == {0, 1, 2, 3}


def test_gaussian_down_sample_weights():
    r = 4
    x = torch.full((2, 24, 24), 3.0, dtype=F64)
    torch.testing.assert_close(gaussian_down_sample(x, r), torch.full((2, 6, 6), 3.0, dtype=F64))
    y = torch.rand(1, 24, 24, dtype=F64)
    out = gaussian_down_sample(y, r)
    h1, h2 = gaussian_kernel(4, r / 2.35482), gaussian_kernel(8, r / 2.35482)
    torch.testing.assert_close(out[0, 0, 0], (y[0, :4, :4] * h1).sum())  # border block: its own 4x4
    torch.testing.assert_close(out[0, 2, 3], (y[0, 6:14, 10:18] * h2).sum())  # interior: 8x8 centred


def test_estimate_srf_recovers_an_exact_relation():
    g = torch.Generator().manual_seed(0)
    Z = torch.rand(6, 32, 32, generator=g, dtype=F64)
    R = torch.rand(2, 6, generator=g, dtype=F64)
    R[0, 2] = 0
    est = estimate_srf(gaussian_down_sample(Z, 4)[None], torch.einsum("kc,chw->khw", R, Z)[None] + 0.1, 4)
    R_est, off = est.srf[0], est.offset[0]
    torch.testing.assert_close(R_est, R, atol=1e-8, rtol=0)
    torch.testing.assert_close(off, torch.full((2,), 0.1, dtype=F64))


def test_clear_errors():
    _, hs, ms, R, k = _scene()
    with pytest.raises(ValueError, match="variant"):
        HySure(variant="nope")
    with pytest.raises(ValueError, match="odd size"):
        HySure(psf=torch.ones(4, 4))
    with pytest.raises(ValueError, match="srf must be"):
        HySure(srf=R[:, :5])(hs, ms)
    with pytest.raises(ValueError, match="ratio 3"):
        HySure(ratio=3)(hs, ms)
    with pytest.raises(ValueError, match="model\\(hs=..., ms=...\\)"):
        HySure()(hs)
    with pytest.raises(ValueError, match="shift"):
        HySure(shift=4)(hs, ms)
