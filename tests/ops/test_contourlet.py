"""The contourlet transform (Laplacian pyramid + frequency-domain directional filter bank): perfect
reconstruction on odd and even sizes, shapes, the DFB's tight frame, the 9/7 filters, directional selectivity
and clear errors."""

from __future__ import annotations

import math

import pytest
import torch

from fusionzoo.ops.contourlet import (
    CDF97_ANALYSIS,
    CDF97_SYNTHESIS,
    contourlet_decompose,
    contourlet_reconstruct,
    dfb_decompose,
    dfb_reconstruct,
    dfb_windows,
    laplacian_decompose,
    laplacian_reconstruct,
)


def _rand(*shape, seed=0, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def test_cdf97_filters():
    """Symmetric low-pass filters of DC gain 1 that vanish at Nyquist (the 9/7 pair's zeros at pi)."""
    for taps in (CDF97_ANALYSIS, CDF97_SYNTHESIS):
        t = torch.tensor(taps, dtype=torch.float64)
        assert torch.equal(t, t.flip(0))
        torch.testing.assert_close(t.sum(), torch.tensor(1.0, dtype=torch.float64), rtol=0, atol=1e-11)
        alt = (t * (-1.0) ** torch.arange(len(taps))).sum()
        torch.testing.assert_close(alt, torch.tensor(0.0, dtype=torch.float64), rtol=0, atol=1e-11)


@pytest.mark.parametrize("shape", [(32, 32), (33, 47), (17, 16), (5, 7)])
@pytest.mark.parametrize("subsampled", [True, False])
def test_perfect_reconstruction(shape, subsampled):
    x = _rand(2, 3, *shape)
    coarse, bands = contourlet_decompose(x, (2, 3), subsampled=subsampled)
    h, w = shape
    if subsampled:  # sizes ceil(n / 2) per level
        h1, w1 = (h + 1) // 2, (w + 1) // 2
        assert coarse.shape == (2, 3, (h1 + 1) // 2, (w1 + 1) // 2)
        assert [tuple(b.shape) for b in bands] == [(2, 3, 4, h1, w1), (2, 3, 8, h, w)]
    else:
        assert coarse.shape == x.shape
        assert [tuple(b.shape) for b in bands] == [(2, 3, 4, h, w), (2, 3, 8, h, w)]
    y = contourlet_reconstruct(coarse, bands, subsampled=subsampled)
    torch.testing.assert_close(y, x, rtol=0, atol=1e-12)


def test_float32_and_no_directions():
    x = _rand(1, 30, 31, dtype=torch.float32)
    coarse, bands = contourlet_decompose(x, (0, 1, 4))
    assert [b.shape[-3] for b in bands] == [1, 2, 16]
    torch.testing.assert_close(contourlet_reconstruct(coarse, bands), x, rtol=0, atol=1e-5)


def test_pyramid_of_a_constant():
    """Filters of DC gain 1 with symmetric borders: a constant image has zero band-pass images."""
    x = torch.full((1, 13, 10), 0.7, dtype=torch.float64)
    for sub in (True, False):
        coarse, details = laplacian_decompose(x, 2, subsampled=sub)
        assert all(d.abs().max() < 1e-12 for d in details)
        torch.testing.assert_close(coarse, torch.full_like(coarse, 0.7))
        torch.testing.assert_close(laplacian_reconstruct(coarse, details, sub), x)


@pytest.mark.parametrize("shape", [(32, 32), (33, 46)])
def test_dfb_is_a_tight_frame(shape):
    x = _rand(2, *shape)
    d = dfb_decompose(x, 3)
    assert d.shape == (2, 8, *shape)
    torch.testing.assert_close((d ** 2).sum(), (x ** 2).sum(), rtol=1e-12, atol=0)
    torch.testing.assert_close(dfb_reconstruct(d), x, rtol=0, atol=1e-12)
    w = dfb_windows(shape, 3)
    torch.testing.assert_close((w ** 2).sum(0), torch.ones(shape, dtype=torch.float64))
    torch.testing.assert_close(w, torch.roll(w.flip((-2, -1)), shifts=(1, 1), dims=(-2, -1)))  # even


@pytest.mark.parametrize("ky,kx,band", [(5, 20, 2), (-5, 20, 1), (20, 5, 5), (20, -5, 6), (-20, 5, 6)])
def test_an_oriented_sinusoid_lands_in_its_direction(ky, kx, band):
    """8 DFB subbands: slope ``f_y / f_x`` in [-1, -1/2, 0, 1/2, 1] for subbands 0-3 (centres at slopes
    -3/4, -1/4, 1/4, 3/4) and ``f_x / f_y`` from 1 to -1 for 4-7; a frequency at a centre lands in one band."""
    n = 64
    y, x = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    s = torch.cos(2 * math.pi * (ky * y + kx * x) / n).double()
    energy = (dfb_decompose(s, 3) ** 2).sum((-2, -1))
    assert int(energy.argmax()) == band
    assert energy[band] / (s ** 2).sum() > 0.99


def test_errors():
    with pytest.raises(ValueError, match="floating point"):
        contourlet_decompose(torch.zeros(8, 8, dtype=torch.int32))
    with pytest.raises(ValueError, match="dfb_levels"):
        contourlet_decompose(torch.zeros(8, 8), ())
    with pytest.raises(ValueError, match="dfb_levels"):
        contourlet_decompose(torch.zeros(8, 8), (2, -1))
    with pytest.raises(ValueError, match="powers of two"):
        dfb_reconstruct(torch.zeros(3, 8, 8))
    coarse, bands = contourlet_decompose(torch.zeros(16, 16), (1, 1))
    with pytest.raises(ValueError, match="coarsest to the finest"):
        contourlet_reconstruct(coarse, bands[::-1])
