"""GSA-HS of the Yokoya toolbox (fusionzoo.models.hs_ms_fusion.classical.component_substitution)."""

import time

import pytest
import torch

from fusionzoo.models.hs_ms_fusion.classical.component_substitution import (
    GSAHS,
    band_groups,
    gsa_hs,
)
from fusionzoo.models.hs_ms_fusion.classical.spectral_response import toolbox_denoise
from fusionzoo.ops import imresize
from fusionzoo.registry import get_arch

F64 = torch.float64


def _smooth(n_img, H, W, seed):
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(n_img, H // 4, W // 4, generator=g, dtype=F64)
    return imresize(base, scale=4) + 0.05 * torch.rand(n_img, H, W, generator=g, dtype=F64)


def test_one_band_identity():
    """One HS band that is exactly the bicubic-shrunk PAN: the result is the PAN shifted by a constant
    (mean(imresize(HS, r)) - mean(PAN)), i.e. all of the PAN's detail is injected, nothing else."""
    pan = _smooth(1, 32, 32, 0)[None]  # (1, 1, 32, 32)
    hs = imresize(pan, size=(8, 8))
    out = GSAHS(denoise=False)(hs=hs, ms=pan)
    shift = imresize(hs, scale=4).mean() - pan.mean()
    torch.testing.assert_close(out, pan + shift, rtol=0, atol=1e-12)


def test_collinear_bands_get_the_pan_times_their_gain():
    """HS bands a_k Y + b_k with Y the shrunk PAN: out_k = a_k PAN + mean(HSU_k) - a_k mean(PAN)."""
    pan = _smooth(1, 32, 32, 1)[None]
    y = imresize(pan, size=(8, 8))[0, 0]
    a = torch.tensor([0.5, 1.0, 2.0, 0.3], dtype=F64)
    b = torch.tensor([0.1, 0.0, -0.2, 0.4], dtype=F64)
    hs = (a[:, None, None] * y + b[:, None, None])[None]
    out = GSAHS(denoise=False)(hs=hs, ms=pan)
    hsu_mean = imresize(hs, scale=4).mean(dim=(-2, -1))[0]
    expected = a[:, None, None] * pan[0, 0] + (hsu_mean - a * pan.mean())[:, None, None]
    torch.testing.assert_close(out[0], expected, rtol=0, atol=1e-11)


def _pair(seed=2, B=1):
    ms = torch.stack([_smooth(3, 32, 32, seed + b) for b in range(B)])
    g = torch.Generator().manual_seed(seed)
    mix = torch.rand(6, 3, generator=g, dtype=F64)
    extra = 0.2 * torch.rand(B, 6, 8, 8, generator=g, dtype=F64)  # full spectral rank: well-posed regressions
    hs = imresize(torch.einsum("kc,bchw->bkhw", mix, ms), size=(8, 8)) + extra
    return hs, ms


def test_invariant_to_a_positive_affine_change_of_each_ms_band():
    hs, ms = _pair()
    scale = torch.tensor([2.0, 0.5, 3.0], dtype=F64)[None, :, None, None]
    offset = torch.tensor([0.3, -1.0, 7.0], dtype=F64)[None, :, None, None]
    m = gsa_hs()
    torch.testing.assert_close(m(hs=hs, ms=ms * scale + offset), m(hs=hs, ms=ms), rtol=0, atol=1e-10)


def test_band_groups_follow_the_best_correlated_ms_band():
    ms = _smooth(3, 32, 32, 5)[None]
    lr = imresize(ms, size=(8, 8), method="bilinear")
    hs = torch.cat([2 * lr[:, [2]], lr[:, [0]] + 1, lr[:, [2]], torch.full_like(lr[:, :1], 0.5)], 1)
    groups = band_groups(hs, ms)
    assert groups.tolist() == [[2, 0, 2, 0]]  # the constant band (undefined correlation) goes to band 0
    out = GSAHS(denoise=False)(hs=hs, ms=ms)  # MS band 1 sharpens nothing: an empty group is skipped
    assert out.shape == (1, 4, 32, 32) and bool(torch.isfinite(out).all())


def test_denoise_switch_batch_and_dtype():
    hs, ms = _pair(seed=7, B=2)
    raw = GSAHS(denoise=False)(hs=hs, ms=ms)
    torch.testing.assert_close(GSAHS()(hs=hs, ms=ms), toolbox_denoise(raw), rtol=0, atol=1e-12)
    torch.testing.assert_close(raw[1:], GSAHS(denoise=False)(hs=hs[1:], ms=ms[1:]), rtol=0, atol=1e-12)
    out32 = GSAHS()(hs=hs.float(), ms=ms.float())
    assert out32.dtype == torch.float32 and out32.shape == (2, 6, 32, 32)


def test_contract_errors_and_speed():
    hs, ms = _pair()
    with pytest.raises(ValueError, match="ratio 2"):
        GSAHS(ratio=2)(hs=hs, ms=ms)
    with pytest.raises(ValueError, match="integer multiple"):
        GSAHS()(hs=hs, ms=ms[..., :30, :30])
    with pytest.raises(ValueError, match="batch sizes differ"):
        GSAHS()(hs=hs.expand(2, -1, -1, -1), ms=ms)
    with pytest.raises(ValueError, match="at least 2 pixels"):
        GSAHS()(hs=hs[..., :1, :1], ms=ms[..., :4, :4])
    big_hs, big_ms = torch.rand(1, 31, 16, 16), torch.rand(1, 3, 128, 128)
    t = time.perf_counter()
    GSAHS()(hs=big_hs, ms=big_ms)
    assert time.perf_counter() - t < 5.0


def test_registry_entry():
    cfg = get_arch("gsa_hs").cfg
    assert cfg.task == "hs_ms_fusion" and cfg.classical and not cfg.fitted and cfg.card == "gsa_hs.md"
