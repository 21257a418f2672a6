"""The undecimated real curvelet transform: perfect reconstruction, tight frame (Parseval), real even windows,
the wedge counts of the parabolic scaling rule, directional selectivity and clear errors."""

from __future__ import annotations

import math

import pytest
import torch

from fusionzoo.ops.curvelet import (
    curvelet_angles,
    curvelet_decompose,
    curvelet_reconstruct,
    curvelet_windows,
    meyer_step,
    partition_windows,
    symmetric_pad,
)


def _rand(*shape, seed=0, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def test_meyer_step_values():
    t = torch.tensor([-1.0, 0.0, 0.25, 0.5, 1.0, 2.0], dtype=torch.float64)
    # nu(1/4) = (1/4)^4 (35 - 21 + 70/16 - 20/64) = 18.0625 / 256, by hand
    expected = torch.tensor([0.0, 0.0, 18.0625 / 256, 0.5, 1.0, 1.0], dtype=torch.float64)
    torch.testing.assert_close(meyer_step(t), expected)
    s = torch.linspace(0, 1, 11, dtype=torch.float64)
    torch.testing.assert_close(meyer_step(s) + meyer_step(1 - s), torch.ones_like(s))


@pytest.mark.parametrize("count", [1, 2, 3, 8])
def test_partition_windows_square_sum_to_one(count):
    t = torch.linspace(-3, 7, 101, dtype=torch.float64)
    w = partition_windows(t, count, math.pi)
    torch.testing.assert_close((w ** 2).sum(0), torch.ones_like(t))
    assert (w >= 0).all()


def test_wedge_counts_double_every_second_scale():
    assert curvelet_angles(1, 8) == [8]
    assert curvelet_angles(5, 16) == [16, 32, 32, 64, 64]  # CurveLab's default nbangles_coarse = 16


@pytest.mark.parametrize("shape", [(32, 32), (33, 47), (16, 17), (9, 8)])
def test_perfect_reconstruction_and_parseval(shape):
    x = _rand(2, 3, *shape)
    coeffs = curvelet_decompose(x, levels=3, angles=4)
    assert [tuple(c.shape) for c in coeffs] == [(2, 3, *shape), (2, 3, 4, *shape), (2, 3, 8, *shape),
                                                (2, 3, 8, *shape)]
    torch.testing.assert_close(curvelet_reconstruct(coeffs), x, rtol=0, atol=1e-12)
    energy = sum((c ** 2).sum() for c in coeffs)
    torch.testing.assert_close(energy, (x ** 2).sum(), rtol=1e-12, atol=0)


def test_float32_reconstruction():
    x = _rand(1, 40, 36, dtype=torch.float32)
    y = curvelet_reconstruct(curvelet_decompose(x, levels=2, angles=8))
    assert y.dtype == torch.float32
    torch.testing.assert_close(y, x, rtol=0, atol=1e-5)


@pytest.mark.parametrize("shape", [(32, 32), (15, 20)])
def test_windows_are_a_real_even_partition_of_unity(shape):
    ws = curvelet_windows(shape, levels=3, angles=4)
    total = ws[0] ** 2 + sum((w ** 2).sum(0) for w in ws[1:])
    torch.testing.assert_close(total, torch.ones(shape, dtype=torch.float64))
    for w in ws:  # even: w(-f) = w(f), so a real image has real subbands
        mirror = torch.roll(w.flip((-2, -1)), shifts=(1, 1), dims=(-2, -1))
        torch.testing.assert_close(w, mirror)
    assert ws[1][:, 0, 0].abs().max() == 0  # no detail at DC: the low-pass holds the mean
    assert ws[0][0, 0] == 1


@pytest.mark.parametrize("ky,kx,wedge", [(0, 22, 0), (22, 0, 8), (22, 22, 4), (22, -22, 12), (10, 24, 2)])
def test_an_oriented_sinusoid_lands_in_its_wedge(ky, kx, wedge):
    """A DFT-grid sinusoid of the finest scale with frequency (ky, kx) / 64 at the angle ``wedge pi / 16``:
    16 wedges at that scale, centred at ``l pi / 16``, the matching one takes (nearly) all the energy."""
    n = 64
    y, x = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    s = torch.cos(2 * math.pi * (ky * y + kx * x) / n).double()
    finest = curvelet_decompose(s, levels=3, angles=8)[-1]
    energy = (finest ** 2).sum((-2, -1))
    assert energy.shape == (16,)
    assert int(energy.argmax()) == wedge
    assert energy[wedge] / (s ** 2).sum() > 0.9


def test_symmetric_pad_is_whole_sample():
    x = torch.arange(4.0).reshape(1, 4)
    torch.testing.assert_close(symmetric_pad(x[None], 2)[0, 2], torch.tensor([2.0, 1.0, 0, 1, 2, 3, 2, 1]))


def test_errors():
    with pytest.raises(ValueError, match="floating point"):
        curvelet_decompose(torch.zeros(8, 8, dtype=torch.int64))
    with pytest.raises(ValueError, match="levels must be"):
        curvelet_decompose(torch.zeros(8, 8), levels=0)
    with pytest.raises(ValueError, match="angles must be"):
        curvelet_decompose(torch.zeros(8, 8), angles=0)
    coeffs = curvelet_decompose(torch.zeros(8, 8), levels=2, angles=4)
    with pytest.raises(ValueError, match="do not come from curvelet_decompose"):
        curvelet_reconstruct([coeffs[0], coeffs[2], coeffs[1]])
