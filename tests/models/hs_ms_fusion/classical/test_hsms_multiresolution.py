"""SFIM-HS and GLP-HS of the Yokoya toolbox (fusionzoo.models.hs_ms_fusion.classical.multiresolution)."""

import math
import time

import numpy as np
import pytest
import scipy.signal
import torch

from fusionzoo.models.hs_ms_fusion.classical.multiresolution import (
    GLPHS,
    SFIMHS,
    _upsample_nearest,
    fir1_lowpass,
    glp_hs,
    interp_general,
    sfim_hs,
)
from fusionzoo.models.hs_ms_fusion.classical.spectral_response import (
    gaussian_down_sample,
    toolbox_denoise,
)
from fusionzoo.ops import imresize
from fusionzoo.registry import get_arch

F64 = torch.float64


@pytest.mark.parametrize("r", [2, 3, 4, 8])
def test_fir1_matches_scipy_firwin(r):
    np.testing.assert_allclose(fir1_lowpass(44, 1 / r), scipy.signal.firwin(45, 1 / r), rtol=0, atol=1e-15)


def _interp_loops(x: np.ndarray, r: int, posi: int) -> np.ndarray:
    """Transcription of interp23tapGeneral.m: zero insertion at posi, circular imfilter along each axis."""
    k = r * fir1_lowpass(44, 1 / r)
    up = np.zeros((x.shape[0] * r, x.shape[1] * r))
    up[posi - 1::r, posi - 1::r] = x

    def filt_rows(a):
        n, out = a.shape[1], np.zeros_like(a)
        for i in range(n):
            for t in range(45):
                out[:, i] += k[t] * a[:, (i + t - 22) % n]
        return out

    return filt_rows(filt_rows(up).T).T


@pytest.mark.parametrize("r,h,posi", [(2, 5, 1), (2, 5, 2), (3, 4, 2), (4, 3, 2), (4, 13, 3)])
def test_interp_general_matches_the_toolbox_definition(r, h, posi):
    x = np.random.default_rng(r + h).random((h, h + 1))
    got = interp_general(torch.from_numpy(x)[None, None], r, posi)[0, 0].numpy()
    np.testing.assert_allclose(got, _interp_loops(x, r, posi), rtol=0, atol=1e-13)


def test_nearest_upsampling_is_matlab_imresize_nearest():
    x = torch.rand(1, 2, 3, 5, dtype=F64)
    assert torch.equal(_upsample_nearest(x, 4), imresize(x, scale=4, method="nearest"))


def _low_rank_scene(C=6, r=4, h=8, seed=0):
    """A scene with two materials (spectral rank 2) and a two-band MS spanning it."""
    g = torch.Generator().manual_seed(seed)
    ab = imresize(torch.rand(2, h, h, generator=g, dtype=F64), scale=r) + 0.1
    E = torch.rand(C, 2, generator=g, dtype=F64) + 0.2
    ref = torch.einsum("cm,mhw->chw", E, ab)[None]
    srf = torch.rand(2, C, generator=g, dtype=F64)
    ms = torch.einsum("kc,bchw->bkhw", srf, ref)
    return ref, ms


def test_sfim_recovers_the_reference_when_the_regression_is_exact():
    """HS = bilinear imresize of the reference and an MS spanning its two materials: the synthetic PANs are
    the reference bands, so SFIM returns the reference (and denoising keeps a rank-2 cube)."""
    ref, ms = _low_rank_scene()
    hs = imresize(ref, size=(8, 8), method="bilinear")
    for denoise in (False, True):
        out = SFIMHS(denoise=denoise)(hs=hs, ms=ms)
        torch.testing.assert_close(out, ref, rtol=0, atol=1e-9)


def test_glp_and_sfim_recover_a_smooth_low_rank_scene_closely():
    """HS = gaussian_down_sample(reference) (the toolbox's PSF), MS = SRF x reference: both methods are
    closer to the reference than bicubic upsampling; GLP (whose low-pass is that PSF) far closer."""
    ref, ms = _low_rank_scene(C=8, seed=1)
    hs = gaussian_down_sample(ref, 4)

    def psnr(x):
        peak = float(ref.max())
        return float(10 * torch.log10(peak ** 2 / ((x - ref) ** 2).mean()))

    p_bic = psnr(imresize(hs, scale=4))
    assert psnr(sfim_hs()(hs=hs, ms=ms)) > p_bic + 3  # SFIM's ratio is blocky (nearest upsampling)
    assert psnr(glp_hs()(hs=hs, ms=ms)) > p_bic + 20


@pytest.mark.parametrize("cls", [SFIMHS, GLPHS])
def test_invariant_to_an_invertible_affine_change_of_the_ms(cls):
    """The synthetic PANs come from a regression on [MS, 1]: mixing the MS bands changes nothing."""
    ref, ms = _low_rank_scene(C=5, seed=2)
    g = torch.Generator().manual_seed(3)
    ms = ms + 0.05 * torch.rand(ms.shape, generator=g, dtype=F64)
    hs = gaussian_down_sample(ref, 4)
    mix = torch.tensor([[1.0, 0.5], [-0.3, 2.0]], dtype=F64)
    ms2 = torch.einsum("kc,bchw->bkhw", mix, ms) + torch.tensor([0.2, -0.1], dtype=F64)[None, :, None, None]
    m = cls(denoise=False)
    torch.testing.assert_close(m(hs=hs, ms=ms2), m(hs=hs, ms=ms), rtol=0, atol=1e-9)


def test_scale_equivariance_and_denoise_switch():
    ref, ms = _low_rank_scene(C=5, seed=4)
    g = torch.Generator().manual_seed(5)
    hs = gaussian_down_sample(ref, 4) + 0.01 * torch.rand(1, 5, 8, 8, generator=g, dtype=F64)
    for cls in (SFIMHS, GLPHS):
        raw = cls(denoise=False)(hs=hs, ms=ms)
        torch.testing.assert_close(cls(denoise=False)(hs=0.5 * hs, ms=0.5 * ms), 0.5 * raw, rtol=0, atol=1e-10)
        torch.testing.assert_close(cls()(hs=hs, ms=ms), toolbox_denoise(raw), rtol=0, atol=1e-12)


def test_glp_clips_to_the_toolbox_bound():
    g = torch.Generator().manual_seed(6)
    hs = torch.rand(1, 4, 6, 6, generator=g, dtype=F64) * 0.2
    ms = torch.rand(1, 2, 18, 18, generator=g, dtype=F64) * 40 - 20  # wild detail, odd ratio 3
    out = GLPHS(denoise=False)(hs=hs, ms=ms)
    bound = 2 ** math.sqrt(float(hs.max()))
    assert float(out.min()) >= 0 and float(out.max()) <= bound + 1e-15
    free = GLPHS(denoise=False, clip=False)(hs=hs, ms=ms)
    assert float(free.max()) > bound or float(free.min()) < 0


def test_contract_errors_dtype_and_speed():
    hs, ms = torch.rand(2, 31, 16, 16), torch.rand(2, 3, 128, 128)
    for cls in (SFIMHS, GLPHS):
        t = time.perf_counter()
        out = cls()(hs=hs, ms=ms)
        assert time.perf_counter() - t < 10.0
        assert out.shape == (2, 31, 128, 128) and out.dtype == torch.float32
        with pytest.raises(ValueError, match="ratio 4"):
            cls(ratio=4)(hs=hs, ms=ms)
        with pytest.raises(ValueError, match="HS pixels"):
            cls()(hs=hs[..., :1, :2], ms=ms[..., :8, :16])
        with pytest.raises(ValueError, match="infinite"):
            cls()(hs=hs, ms=torch.full_like(ms, float("inf")))
    with pytest.raises(ValueError, match="ratio >= 2"):
        GLPHS()(hs=hs, ms=ms[..., :16, :16])


def test_registry_entries():
    for name in ("sfim_hs", "glp_hs"):
        cfg = get_arch(name).cfg
        assert cfg.task == "hs_ms_fusion" and cfg.classical and cfg.card == f"{name}.md"
