"""MF (morphological half-gradient pyramid): contract, and agreement with a literal NumPy transcription of the
toolbox's ``MF_HG_Pansharpen.m`` / ``Pyr_Dec.m`` (MATLAB ``imresize`` being fusionzoo's, tested elsewhere)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import fusionzoo
from fusionzoo.models.pansharpening.classical.morphological import half_gradient_pyramid
from fusionzoo.ops import imresize, interp23tap
from fusionzoo.registry import get_arch
from tests.helpers import ROOT

EPS = np.finfo(np.float64).eps


def _imresize(a: np.ndarray, size) -> np.ndarray:  # MATLAB imresize(a, size, 'bilinear') on one 2-D image
    return imresize(torch.from_numpy(np.ascontiguousarray(a)), size=size, method="bilinear").numpy()


def _imdilate_cross(a: np.ndarray, op) -> np.ndarray:
    """MATLAB imdilate (op = max) / imerode (op = min) with [0 1 0; 1 1 1; 0 1 0], pixel by pixel."""
    H, W = a.shape
    out = np.empty_like(a)
    for i in range(H):
        for j in range(W):
            vals = [a[i, j]] + [a[p, q] for p, q in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1))
                                if 0 <= p < H and 0 <= q < W]
            out[i, j] = op(vals)
    return out


def _pyr_dec(im: np.ndarray, lev: int) -> list[np.ndarray]:
    """Pyr_Dec(Im, textse, lev, 'bilinear') for (C, H, W), literally (1-based ranges translated)."""
    P = [im]
    sizes = [im.shape[1:]]
    new = im
    first = True
    for ii in range(2, lev + 1):
        old = new
        PD = np.stack([_imdilate_cross(b, max) for b in old])
        PE = np.stack([_imdilate_cross(b, min) for b in old])
        rho_minus = old - PE
        rho_plus = PD - old
        D = rho_minus - rho_plus
        PS = old - 0.5 * D
        if first:
            new = PS[:, 1::2, 1::2]  # PS(2:2:end, 2:2:end)
            first = False
        else:
            new = PS[:, 0::2, 0::2]  # PS(1:2:end, 1:2:end)
        sizes.append((new.shape[1], new.shape[1]))  # Sizes(ii,:) = [size(new,1) size(new,1)]
        res = new
        for ir in range(ii, 1, -1):
            res = np.stack([_imresize(b, sizes[ir - 2]) for b in res])
        P.append(res)
    return P


def _toolbox_mf(ms_up: np.ndarray, pan: np.ndarray, ratio: int) -> np.ndarray:
    hr = np.repeat(pan[None], ms_up.shape[0], 0)
    for b in range(ms_up.shape[0]):
        hr[b] = (hr[b] - hr[b].mean()) * (ms_up[b].std(ddof=1) / hr[b].std(ddof=1)) + ms_up[b].mean()
    lev = math.ceil(math.log2(ratio)) + 1
    P = _pyr_dec(hr, lev)
    return ms_up * (P[0] / (P[lev - 1] + EPS))


def _pair(bands=3, h=8, ratio=4, seed=0):
    rng = np.random.default_rng(seed)
    pan = 0.2 + 0.6 * rng.random((h * ratio, h * ratio))
    ms = 0.1 + 0.8 * rng.random((bands, h, h))
    return torch.from_numpy(ms)[None], torch.from_numpy(pan)[None, None]


def test_registered_classical_with_card():
    cfg = get_arch("mf").cfg
    assert cfg.classical and cfg.inputs == ("ms", "pan") and (ROOT / "model_cards" / cfg.card).is_file()
    assert sum(p.numel() for p in fusionzoo.create_model("mf").parameters()) == 0


@pytest.mark.parametrize("bands,ratio", [(4, 4), (1, 2), (3, 8)])
def test_contract(bands, ratio):
    ms, pan = _pair(bands, 4 if ratio == 8 else 8, ratio)
    m = fusionzoo.create_model("mf", ratio=ratio)
    out = m(ms.float(), pan.float())
    assert out.shape == (1, bands, *pan.shape[-2:]) and out.dtype == torch.float32 and torch.isfinite(out).all()
    two = m(torch.cat([ms, ms.flip(-1)]), torch.cat([pan, pan.flip(-1)]))
    torch.testing.assert_close(two[:1], m(ms, pan))


@pytest.mark.parametrize("ratio,shape", [(4, (8, 8)), (2, (10, 7)), (4, (7, 9))])
def test_matches_toolbox_transcription(ratio, shape):
    rng = np.random.default_rng(ratio)
    h, w = shape
    pan = 0.2 + 0.6 * rng.random((h * ratio, w * ratio))
    ms = 0.1 + 0.8 * rng.random((3, h, w))
    ms_up = interp23tap(torch.from_numpy(ms)[None], ratio)
    ref = _toolbox_mf(ms_up[0].numpy(), pan, ratio)
    mine = fusionzoo.create_model("mf", ratio=ratio)(torch.from_numpy(ms)[None], torch.from_numpy(pan)[None, None])
    np.testing.assert_allclose(mine[0].numpy(), ref, rtol=1e-12, atol=1e-12)


def test_pyramid_levels_and_flat_image():
    x = torch.full((1, 2, 16, 16), 0.3, dtype=torch.float64)
    levels = half_gradient_pyramid(x, 3)
    assert len(levels) == 3 and all(t.shape == x.shape for t in levels)
    for t in levels:  # a constant is a fixed point of every step
        torch.testing.assert_close(t, x, rtol=0, atol=1e-15)
    ms = torch.rand(1, 2, 4, 4, dtype=torch.float64)  # flat PAN: no detail, the output is the upsampled MS
    out = fusionzoo.create_model("mf")(ms, torch.full((1, 1, 16, 16), 0.5, dtype=torch.float64))
    torch.testing.assert_close(out, interp23tap(ms, 4), rtol=1e-12, atol=1e-12)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    ms, pan = _pair(4, 8, 4)
    m = fusionzoo.create_model("mf")
    torch.testing.assert_close(m(ms.cuda(), pan.cuda()).cpu(), m(ms, pan), rtol=1e-9, atol=1e-9)
