"""Super-wavelet pansharpening (contourlet: Shah et al. 2008; curvelet: after Nencini et al. 2007): contract,
the identity of a PAN that is the MS intensity, each method against a literal transform-domain
re-implementation, the adaptive PCA choice, clear errors, and quality on WV3_test when the shared data are
there."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import fusionzoo
from fusionzoo.metrics import cut_border, ergas, sam
from fusionzoo.models.pansharpening.classical.contourlet import adaptive_pca
from fusionzoo.ops import interp23tap
from fusionzoo.ops.contourlet import contourlet_decompose, contourlet_reconstruct
from fusionzoo.ops.curvelet import (
    curvelet_decompose,
    curvelet_reconstruct,
    symmetric_pad,
)
from fusionzoo.registry import get_arch
from tests.helpers import ROOT
from tests.helpers.wv3_test import requires_wv3_test, wv3_test

NAMES = ["contourlet", "curvelet"]
VARIANTS = [("contourlet", {}), ("contourlet", {"rule": "max_abs"}), ("contourlet", {"subsampled": True}),
            ("contourlet", {"adaptive": False}), ("curvelet", {}), ("curvelet", {"gain": "directional"}),
            ("curvelet", {"levels": 4, "angles": 4, "gain": "directional"})]


def _scene(bands=3, h=16, ratio=4, batch=2, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(batch, 1, h, h, generator=g, dtype=dtype)
    pan = F.interpolate(base, size=(h * ratio,) * 2, mode="bicubic", align_corners=False)
    pan = 0.2 + 0.5 * pan + 0.05 * torch.rand(batch, 1, h * ratio, h * ratio, generator=g, dtype=dtype)
    ms = 0.1 + 0.8 * torch.rand(batch, bands, h, h, generator=g, dtype=dtype)
    return ms, pan


def _rank_one_ms(bands=4, h=16, seed=1):
    """MS bands that are positive affine maps of one image: its upsampled intensity is every band's shape."""
    g = torch.Generator().manual_seed(seed)
    s = torch.rand(2, 1, h, h, generator=g, dtype=torch.float64)
    a = (0.3 + torch.rand(1, bands, 1, 1, generator=g, dtype=torch.float64))
    c = 0.2 * torch.rand(1, bands, 1, 1, generator=g, dtype=torch.float64)
    return a * s + c


def test_registered_classical_with_cards():
    for name in NAMES:
        cfg = get_arch(name).cfg
        assert cfg.classical and cfg.task == "pansharpening" and cfg.inputs == ("ms", "pan")
        assert cfg.card == f"{name}.md" and (ROOT / "model_cards" / cfg.card).is_file()
        assert sum(p.numel() for p in fusionzoo.create_model(name).parameters()) == 0


@pytest.mark.parametrize("name,kw,bands,ratio", [(n, {}, b, r) for n in NAMES for b, r in [(3, 4), (5, 2), (1, 4), (4, 8)]]
                         + [(n, kw, 3, 4) for n, kw in VARIANTS if kw])
def test_contract(name, kw, bands, ratio):
    ms, pan = _scene(bands=bands, h=8 if ratio == 8 else 16, ratio=ratio, dtype=torch.float32)
    model = fusionzoo.create_model(name, ratio=ratio, **kw)
    out = model(ms, pan)
    assert out.shape == (2, bands, *pan.shape[-2:]) and out.dtype == torch.float32 and torch.isfinite(out).all()
    torch.testing.assert_close(out[1:], model(ms[1:], pan[1:]), rtol=1e-4, atol=1e-5)  # batched = one by one


@pytest.mark.parametrize("name", NAMES)
def test_float64_kept_and_close_to_float32(name):
    ms, pan = _scene()
    m = fusionzoo.create_model(name)
    o64 = m(ms, pan)
    assert o64.dtype == torch.float64
    torch.testing.assert_close(m(ms.float(), pan.float()).double(), o64, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name,kw", VARIANTS)
@pytest.mark.parametrize("ratio", [2, 4])
def test_pan_equal_to_the_intensity_gives_the_upsampled_ms(name, kw, ratio):
    """A PAN equal to the upsampled MS intensity: with MS bands that are positive affine maps of one image, the
    selected principal component is (an affine map of) that intensity, and so is every band, so the matched
    PAN's details are exactly the component's / the band's (std-ratio gains): fusion gives ``ms_up`` back.
    (For a general MS, a principal component is not the intensity and no such identity holds.)  Tolerance:
    the 23-tap kernel sums to one to ~1e-10 only, so ``interp23tap`` is affine to that level."""
    ms = _rank_one_ms()
    up = interp23tap(ms, ratio)
    out = fusionzoo.create_model(name, ratio=ratio, **kw)(ms, up.mean(1, keepdim=True))
    torch.testing.assert_close(out, up, rtol=0, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_one_band_and_its_own_pan(name):
    ms, _ = _scene(bands=1)
    up = interp23tap(ms, 4)
    torch.testing.assert_close(fusionzoo.create_model(name)(ms, up), up, rtol=0, atol=1e-8)


def test_contourlet_against_the_transform_domain_rule():
    """Decompose the component and the matched PAN, keep the component's coarse image, take the PAN's
    directional subbands, reconstruct, and back-project with the eigenvector: what the model does (it skips
    the DFB for the substitution, which the DFB's perfect reconstruction allows)."""
    ms, pan = _scene(bands=4)
    up = interp23tap(ms, 4)
    for sub in (False, True):
        model = fusionzoo.create_model("contourlet", subsampled=sub)
        v, pc, _ = adaptive_pca(up, pan)
        mp, sp, sc = pan.mean((-2, -1), keepdim=True), pan.std((-2, -1), keepdim=True), pc.std((-2, -1), keepdim=True)
        matched = (pan - mp) * sc / sp
        m = 16
        coarse, bands = contourlet_decompose(symmetric_pad(torch.cat([pc, matched], 1), m), (2, 3), sub)
        new = contourlet_reconstruct(coarse[:, :1], [b[:, 1:] for b in bands], sub)[..., m:-m, m:-m]
        expected = up + v[..., None, None] * (new - pc)
        torch.testing.assert_close(model(ms, pan), expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("gain", ["approximation", "directional"])
def test_curvelet_against_the_transform_domain_rule(gain):
    """Decompose (symmetrically extended) bands and PAN, measure the gains (approximation: low-pass and
    coarser scales, mean removed; directional: each wedge of the reference scale), replace the two finest
    scales by the gained PAN coefficients, reconstruct: what the model computes through the windows."""
    ms, pan = _scene(bands=3)
    up = interp23tap(ms, 4)
    m = 32
    coeffs = curvelet_decompose(symmetric_pad(torch.cat([up, pan], 1), m), levels=3, angles=4)
    ref = coeffs[1]                                             # (B, 4, 4, H, W): the reference scale
    if gain == "approximation":
        low = coeffs[0] - coeffs[0].mean((-2, -1), keepdim=True)
        energy = low.pow(2).sum((-2, -1)) + ref.pow(2).sum((-3, -2, -1))
        alpha = (energy[:, :3] / energy[:, 3:]).sqrt()[..., None].expand(-1, -1, 4)
    else:
        std = ref.pow(2).mean((-2, -1)).sqrt()                  # zero-mean subbands
        alpha = std[:, :3] / std[:, 3:]                         # (B, 3, 4)
    fused = [coeffs[0][:, :3], ref[:, :3]]
    for c in coeffs[2:]:                                        # 8 wedges: gains of wedges l / 2, interpolated
        a8 = torch.stack([alpha, 0.5 * (alpha + alpha.roll(-1, -1))], -1).flatten(-2)
        fused.append(a8[..., None, None] * c[:, 3:])
    expected = curvelet_reconstruct(fused)[..., m:-m, m:-m]
    out = fusionzoo.create_model("curvelet", angles=4, gain=gain)(ms, pan)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-10)


def test_adaptive_pca_takes_the_component_most_correlated_with_the_pan():
    g = torch.Generator().manual_seed(3)
    a = torch.rand(1, 1, 64, 64, generator=g, dtype=torch.float64)
    b = torch.rand(1, 1, 64, 64, generator=g, dtype=torch.float64)
    a, b = a - a.mean(), b - b.mean()
    b = b - (a * b).sum() / (a * a).sum() * a                  # uncorrelated with a
    up = torch.cat([3 * a + 0.5, 0.5 * b + 0.5], 1)             # first component ~ a, second ~ b
    v, _, corr = adaptive_pca(up, b)
    torch.testing.assert_close(v.abs(), torch.tensor([[0.0, 1.0]], dtype=torch.float64), rtol=0, atol=1e-10)
    assert corr[0, 0].abs() > 0.999 and corr[0, 1].abs() < 1e-6   # ascending eigenvalues: b first
    v1, _, _ = adaptive_pca(up, b, adaptive=False)
    torch.testing.assert_close(v1.abs(), torch.tensor([[1.0, 0.0]], dtype=torch.float64), rtol=0, atol=1e-10)
    vneg, _, _ = adaptive_pca(up, -b)                           # signed so that it correlates positively
    torch.testing.assert_close(vneg, -v)


def test_errors():
    with pytest.raises(ValueError, match="unknown rule"):
        fusionzoo.create_model("contourlet", rule="max")
    with pytest.raises(ValueError, match="dfb_levels"):
        fusionzoo.create_model("contourlet", dfb_levels=(2, -1))
    with pytest.raises(ValueError, match="levels must be an integer >= log2"):
        fusionzoo.create_model("curvelet", levels=2)
    with pytest.raises(ValueError, match="angles must be"):
        fusionzoo.create_model("curvelet", angles=0)
    with pytest.raises(ValueError, match="unknown gain"):
        fusionzoo.create_model("curvelet", gain="local")
    for name in NAMES:
        with pytest.raises(ValueError, match="power-of-two"):
            fusionzoo.create_model(name, ratio=3)


@requires_wv3_test
def test_wv3_test_scene():
    """Both beat EXP clearly in ERGAS and in SAM (Q8 in the model cards)."""
    scene = wv3_test()
    ms, pan, gt = scene.ms[None], scene.pan[None], cut_border(scene.gt[None])
    exp = cut_border(interp23tap(ms, 4))
    for name in NAMES:
        out = cut_border(fusionzoo.create_model(name)(ms, pan))
        assert ergas(out, gt) < 0.8 * ergas(exp, gt) and sam(out, gt) < sam(exp, gt), name


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("name,kw", VARIANTS)
def test_cuda_matches_cpu(name, kw):
    ms, pan = _scene(bands=4, dtype=torch.float32)
    model = fusionzoo.create_model(name, **kw)
    torch.testing.assert_close(model(ms.cuda(), pan.cuda()).cpu(), model(ms, pan), rtol=1e-4, atol=1e-4)
