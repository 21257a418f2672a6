"""Additive Gaussian noise by SNR."""

import math

import pytest
import torch

from fusionzoo.degradation.noise import add_noise, noise_sigma, snr_db


def _img(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(2, 4, 64, 64, generator=g, dtype=torch.float64)
    return x * torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.float64)[None, :, None, None]


def test_sigma_by_hand():
    x = torch.full((1, 2, 4, 4), 2.0)
    s = noise_sigma(x, 20.0)  # power 4, 10^(20/10) = 100 -> sigma = sqrt(0.04)
    assert s.shape == (1, 1, 1, 1) and math.isclose(float(s), 0.2, rel_tol=1e-12)
    assert noise_sigma(x, 20.0, "band").shape == (1, 2, 1, 1)


@pytest.mark.parametrize("mode", ["global", "band"])
def test_measured_snr_within_tolerance(mode):
    x = _img()
    y = add_noise(x, 30.0, mode, seed=1)
    got = snr_db(x, y, mode)
    assert got.shape == ((2,) if mode == "global" else (2, 4))
    assert torch.all((got - 30.0).abs() < 0.15)  # 16k-65k samples per estimate


def test_global_mode_is_one_sigma_per_image():
    x = _img()
    n = add_noise(x, 25.0, "global", seed=3) - x
    std = n.std((2, 3))  # per band: equal across bands of an image
    assert torch.allclose(std, std[:, :1].expand_as(std), rtol=0.05)


def test_seeded_and_none():
    x = _img()
    a, b = add_noise(x, 20.0, seed=7), add_noise(x, 20.0, seed=7)
    assert torch.equal(a, b)
    assert not torch.equal(a, add_noise(x, 20.0, seed=8))
    g1, g2 = torch.Generator().manual_seed(7), torch.Generator().manual_seed(7)
    assert torch.equal(add_noise(x, 20.0, generator=g1), add_noise(x, 20.0, generator=g2))
    assert add_noise(x, None) is x
    assert add_noise(x.float(), 20.0, seed=0).dtype == torch.float32
    with pytest.raises(ValueError, match="not both"):
        add_noise(x, 20.0, seed=1, generator=torch.Generator())
    with pytest.raises(ValueError, match="unknown noise mode"):
        add_noise(x, 20.0, "pixel")
