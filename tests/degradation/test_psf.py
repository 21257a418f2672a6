"""PSFs, blur, decimation phase and boundaries against hand computations."""

import math

import numpy as np
import pytest
import torch
from scipy import signal

from fusionzoo.degradation.psf import (blur, blur_decimate, box_psf, crop_to_multiple, decimate, fwhm_to_sigma,
                                       gaussian_down_sample, gaussian_psf, measured_psf, sigma_to_fwhm,
                                       starck_murtagh_psf)


def _rand(*shape, seed=0):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_gaussian_sums_to_one_and_fwhm_matches():
    k = gaussian_psf(9, fwhm=4.0)
    assert math.isclose(k.total, 1.0, rel_tol=1e-12)
    peak = gaussian_psf(9, fwhm=4.0, normalise=False).kernel
    assert peak[4, 4] == 1.0
    # half maximum at distance FWHM / 2 = 2 pixels from the centre, along rows and columns
    assert torch.allclose(peak[4, [2, 6]], torch.tensor([0.5, 0.5], dtype=torch.float64), atol=1e-12)
    assert torch.allclose(peak[[2, 6], 4], torch.tensor([0.5, 0.5], dtype=torch.float64), atol=1e-12)
    assert math.isclose(fwhm_to_sigma(sigma_to_fwhm(1.3)), 1.3)
    assert math.isclose(fwhm_to_sigma(2.35482), 1.0, rel_tol=1e-5)


def test_gaussian_even_size_and_matlab_threshold():
    # CUCaNet's kernel: 32 x 32, sigma 0.5, centred between pixels 15 and 16
    k = gaussian_psf(32, sigma=0.5).kernel
    d = np.arange(32) - 15.5
    w = np.exp(-d**2 / 0.5)
    w[w < np.finfo(float).eps * w.max()] = 0  # fspecial's cut, separable here
    expected = np.outer(w, w) / np.outer(w, w).sum()
    assert np.allclose(k.numpy(), expected, rtol=0, atol=1e-15)
    assert k[0, 0] == 0  # below eps * max
    central = float(k[15:17, 15:17].sum())
    assert 0.95 < central < 0.97  # ~96 % on the central 2 x 2 (hsms-notes)


def test_box_starck_measured():
    assert torch.allclose(box_psf(3).kernel, torch.full((3, 3), 1 / 9, dtype=torch.float64))
    v = np.array([1, 4, 6, 4, 1.0])
    assert np.allclose(starck_murtagh_psf().numpy(), np.outer(v, v) / 256)
    m = measured_psf([[1, 2], [3, 4]])
    assert np.allclose(m.numpy(), np.array([[1, 2], [3, 4]]) / 10)
    assert measured_psf([[1, -1]], normalise=False).total == 0
    with pytest.raises(ValueError, match="sums to 0"):
        measured_psf([[1, -1]])
    with pytest.raises(ValueError, match="NaN or Inf"):
        measured_psf([[1, float("nan")]])
    with pytest.raises(ValueError, match="exactly one of sigma= or fwhm="):
        gaussian_psf(5)


def test_decimate_phase_picks_the_right_pixels():
    H = W = 8
    x = torch.arange(H * W, dtype=torch.float64).reshape(1, 1, H, W)
    y = decimate(x, 4, phase=1)
    assert y.shape == (1, 1, 2, 2)
    assert y[0, 0].tolist() == [[1 * W + 1, 1 * W + 5], [5 * W + 1, 5 * W + 5]]
    assert decimate(x[0], 4, 0)[0].tolist() == [[0, 4], [32, 36]]
    with pytest.raises(ValueError, match="whole number"):
        decimate(x, 4, 1.5)
    with pytest.raises(ValueError, match="not a multiple of the ratio"):
        decimate(x[..., :7, :], 4)
    with pytest.raises(ValueError, match=r"in \[0, 3\]"):
        decimate(x, 4, 4)


@pytest.mark.parametrize("boundary", ["circular", "symmetric", "reflect", "replicate", "zeros"])
def test_blur_decimate_equals_decimate_of_blur(boundary):
    x = _rand(2, 3, 12, 16)
    psf = measured_psf(_rand(3, 5, seed=1))
    a = blur_decimate(x, psf, 4, phase=2, boundary=boundary)
    b = decimate(blur(x, psf, boundary), 4, 2)
    assert torch.allclose(a, b, atol=1e-14)


def test_box_at_block_centre_is_block_mean():
    x = _rand(1, 2, 12, 8)
    y = blur_decimate(x, box_psf(4), 4, "centre")
    expected = x.reshape(1, 2, 3, 4, 2, 4).mean((3, 5))
    assert torch.allclose(y, expected, atol=1e-14)


def test_blur_is_a_convolution_centred_on_the_pixel():
    k = _rand(3, 3, seed=2)
    x = torch.zeros(1, 1, 9, 9, dtype=torch.float64)
    x[0, 0, 4, 4] = 1.0
    y = blur(x, measured_psf(k, normalise=False), "zeros")
    assert torch.allclose(y[0, 0, 3:6, 3:6], k)  # the impulse response is the kernel itself, not flipped
    assert float(y.sum()) == pytest.approx(float(k.sum()))


@pytest.mark.parametrize("boundary,first", [("circular", 5.0), ("symmetric", 0.0), ("reflect", 1.0),
                                            ("replicate", 0.0), ("zeros", 0.0)])
def test_boundaries_by_hand(boundary, first):
    # kernel [0, 0, 1] centred at index 1: y[i] = x[i - 1]; y[0] shows how x[-1] is extended
    x = torch.arange(6, dtype=torch.float64).reshape(1, 1, 1, 6)
    x = x.expand(1, 1, 3, 6).contiguous()
    y = blur(x, measured_psf([[0.0, 0.0, 1.0]]), boundary)
    assert y[0, 0, 1, 0].item() == first
    assert y[0, 0, 1, 1:].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_cucanet_style_valid_convolution_matches_scipy():
    x = _rand(1, 2, 16, 24)
    psf = gaussian_psf(4, sigma=0.5)
    y = blur_decimate(x, psf, 4, "centre")
    for c in range(2):
        ref = signal.convolve2d(x[0, c].numpy(), psf.numpy(), "valid")[::4, ::4]
        assert np.allclose(y[0, c].numpy(), ref, atol=1e-15)


def test_even_kernel_needs_half_integer_phase():
    with pytest.raises(ValueError, match="cannot be centred at phase"):
        blur_decimate(_rand(1, 1, 8, 8), gaussian_psf(4, sigma=1), 4, phase=1)
    with pytest.raises(ValueError, match="unknown boundary"):
        blur(_rand(1, 1, 8, 8), box_psf(3), "wrap")


def _toolbox_loop(x, w):
    """gaussian_down_sample transcribed block by block (numpy, H x W x bands)."""
    sig = w / 2.35482

    def fsp(n):
        d = np.arange(n) - (n - 1) / 2
        h = np.exp(-(d[:, None] ** 2 + d[None, :] ** 2) / (2 * sig * sig))
        return h / h.sum()

    hx, hy = x.shape[0] // w, x.shape[1] // w
    h1, h2 = fsp(w), fsp(2 * w if w % 2 == 0 else 2 * w - 1)
    a = w // 2 if w % 2 == 0 else (w - 1) // 2
    out = np.zeros((hx, hy, x.shape[2]))
    for i in range(hx):
        for j in range(hy):
            if i in (0, hx - 1) or j in (0, hy - 1):
                blk = x[i * w:(i + 1) * w, j * w:(j + 1) * w]
                out[i, j] = (blk * h1[..., None]).sum((0, 1))
            else:
                blk = x[i * w - a:(i + 1) * w + a, j * w - a:(j + 1) * w + a]
                out[i, j] = (blk * h2[..., None]).sum((0, 1))
    return out


@pytest.mark.parametrize("ratio,size", [(4, (20, 17)), (3, (15, 13))])
def test_gaussian_down_sample_matches_the_toolbox_scheme(ratio, size):
    x = _rand(1, 2, *size)
    y = gaussian_down_sample(x, ratio)
    ref = _toolbox_loop(x[0].permute(1, 2, 0).numpy(), ratio)
    assert np.allclose(y[0].permute(1, 2, 0).numpy(), ref, atol=1e-14)


def test_crop_to_multiple():
    x = torch.arange(10 * 9, dtype=torch.float64).reshape(1, 1, 10, 9)
    c = crop_to_multiple(x, 4)
    assert c.shape[-2:] == (8, 8)
    assert c[0, 0, 0, 0] == x[0, 0, 1, 0]  # 2 extra rows: 1 at the top; 1 extra column: none at the left
    assert crop_to_multiple(x, 4, "end")[0, 0, 0, 0] == 0
    with pytest.raises(ValueError, match="smaller than one"):
        crop_to_multiple(x, 16)
