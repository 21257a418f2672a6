"""HySure: contract, the shared helpers as HySure calls them (VCA's original variant, the toolbox's Gaussian
downsampling and estR on unbatched images), recovery."""

from __future__ import annotations

import pytest
import torch

from fusionzoo.degradation.psf import fspecial_gaussian as gaussian_kernel
from fusionzoo.degradation.psf import gaussian_down_sample
from fusionzoo.models.hs_ms_fusion.classical.hysure import HySure, hysure
from fusionzoo.models.hs_ms_fusion.classical.spectral_response import estimate_srf
from fusionzoo.models.hs_ms_fusion.classical.unmixing import vca
from fusionzoo.registry import get_arch
from tests.helpers.hs_ms_scenes import low_rank_scene

F64 = torch.float64


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/models/hs_ms_fusion/conftest.py


def _psnr(ref, x):
    return float(10 * torch.log10(ref.max() ** 2 / ((ref - x) ** 2).mean()))


def test_registered_as_classical_hs_ms_fusion():
    cfg = get_arch("hysure").cfg
    assert cfg.task == "hs_ms_fusion" and cfg.inputs == ("hs", "ms") and cfg.classical and not cfg.fitted
    assert cfg.card == "hysure.md"
    assert isinstance(hysure(), HySure) and hysure(variant="toolbox").variant == "toolbox"


def test_recovers_low_rank_scene_with_known_responses():
    Z, hs, ms, R, k = low_rank_scene(C=10)
    out = HySure(srf=R, psf=k, p=3, lambda_phi=1e-7, basis="svd")(hs.float(), ms.float())
    assert out.shape == (1, 10, 32, 32) and out.dtype == torch.float32
    assert _psnr(Z, out[0].double()) > 35


def test_blind_original_and_toolbox_beat_the_lr_input():
    Z, hs, ms, R, k = low_rank_scene(C=10)
    near = hs.repeat_interleave(4, -1).repeat_interleave(4, -2)[0]
    for variant in ("original", "toolbox"):
        out = HySure(variant=variant, iters=60)(hs, ms)[0]
        assert torch.isfinite(out).all()
        assert _psnr(Z, out) > _psnr(Z, near) + 5


def test_batch_items_are_fused_independently():
    _, hs1, ms1, *_ = low_rank_scene(C=10, seed=1)
    _, hs2, ms2, *_ = low_rank_scene(C=10, seed=2)
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
    _, hs, ms, R, k = low_rank_scene(C=10)
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
