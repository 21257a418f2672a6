"""MTF-matched filters: the kernel (fwind1 + Gaussian), its gain at Nyquist, the replicate filter."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from fusionzoo.ops import (
    fwind1,
    mtf_filter,
    mtf_kernel,
)
from fusionzoo.sensors import get_sensor


def _dtft(k: torch.Tensor, fy: float, fx: float) -> np.ndarray:
    """Frequency response (cycles / sample) of centred kernels k (C, N, N)."""
    k = k.numpy()
    n = np.arange(k.shape[-1]) - k.shape[-1] // 2
    ey = np.exp(-2j * np.pi * fy * n)
    ex = np.exp(-2j * np.pi * fx * n)
    return np.einsum("cij,i,j->c", k, ey, ex)


def test_mtf_kernel_shape_symmetry_sum():
    k = mtf_kernel([0.34, 0.32, 0.30, 0.22], 4)
    assert k.shape == (4, 41, 41) and k.dtype == torch.float64
    torch.testing.assert_close(k, k.flip(1), rtol=0, atol=1e-15)
    torch.testing.assert_close(k, k.flip(2), rtol=0, atol=1e-15)
    torch.testing.assert_close(k, k.transpose(1, 2), rtol=0, atol=1e-15)
    s = k.sum((1, 2))
    assert torch.all((s - 1).abs() < 5e-3), s  # fwind1 does not renormalise: ~1
    # peak at the centre, lower gain -> wider kernel -> smaller peak
    assert torch.all(k[:, 20, 20] == k.amax((1, 2)))
    assert k[3, 20, 20] < k[0, 20, 20]
    # the circular window is zero in the corners
    assert torch.all(k[:, 0, 0] == 0)


@pytest.mark.parametrize("ratio,gain", [(4, 0.34), (4, 0.22), (4, 0.11), (2, 0.3), (8, 0.25)])
def test_mtf_kernel_gain_at_nyquist(ratio, gain):
    k = mtf_kernel([gain], ratio)
    n = 41
    # The desired response is exactly G at (N-1) * fcut / 2 grid steps from DC on the N-point DFT grid,
    # i.e. at (N-1)/(2 N ratio) cycles/sample (the toolbox's N-1 vs N quirk) ...
    f_grid = (n - 1) / (2 * n * ratio)
    assert abs(_dtft(k, 0, f_grid).real[0] - gain) < 3e-3
    assert abs(_dtft(k, f_grid, 0).real[0] - gain) < 3e-3
    # ... hence close to G at the MS Nyquist frequency 1 / (2 ratio)
    assert abs(_dtft(k, 0, 1 / (2 * ratio)).real[0] - gain) < 0.03
    # and ~1 at DC (the kernel sum; the window trims more of the wider ratio-8 filter)
    assert abs(_dtft(k, 0, 0).real[0] - 1) < (1e-2 if ratio == 8 else 5e-3)


def test_fwind1_against_direct_formula():
    # small case, written from the definition: inverse DFT of the centred response (freqspace grid),
    # centred, times the rotated 1-D window (linear interpolation at radius, zero beyond 1)
    n = 9
    r = np.arange(n) - 4
    hd = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / 5.0) * (1 + 0.1 * r[None, :] ** 2)  # symmetric
    w1 = np.kaiser(n, 0.5)
    h = np.zeros((n, n))
    for a in range(n):
        for b in range(n):
            acc = 0j
            for k1 in range(n):
                for k2 in range(n):
                    acc += hd[k1, k2] * np.exp(2j * np.pi * ((k1 - 4) * (a - 4) + (k2 - 4) * (b - 4)) / n)
            h[a, b] = (acc / n**2).real
    t = (np.arange(n) - 4) / 4.0
    win = np.zeros((n, n))
    for a in range(n):
        for b in range(n):
            rad = math.hypot(t[a], t[b])
            if rad <= 1:
                i = min(int(np.floor((rad + 1) * 4)), n - 2)
                frac = (rad - t[i]) / (t[i + 1] - t[i])
                win[a, b] = w1[i] * (1 - frac) + w1[i + 1] * frac
    np.testing.assert_allclose(fwind1(hd, w1), h * win, atol=1e-14)


def test_mtf_kernel_explicit_value():
    # the centre tap equals sum over the DFT grid of Hd / N^2 (window is 1 at the centre)
    gain, ratio, n = 0.3, 4, 41
    sigma2 = ((n - 1) / ratio / 2) ** 2 / (-2 * math.log(gain))
    r = np.arange(n) - 20
    hd = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma2))
    hd[hd < np.finfo(float).eps] = 0
    assert mtf_kernel([gain], ratio)[0, 20, 20].item() == pytest.approx(hd.sum() / n**2, rel=1e-12)


def test_mtf_filter_matches_scipy_replicate_correlation():
    from scipy.ndimage import correlate

    g = torch.Generator().manual_seed(0)
    x = torch.rand(2, 4, 37, 50, generator=g, dtype=torch.float64)
    y = mtf_filter(x, "QB", 4)
    k = mtf_kernel(get_sensor("QB").mtf_ms, 4).numpy()
    ref = np.stack([[correlate(x[b, c].numpy(), k[c], mode="nearest") for c in range(4)] for b in range(2)])
    np.testing.assert_allclose(y.numpy(), ref, atol=1e-12)
    # explicit gains give the same; PAN gain for every band with pan=True
    torch.testing.assert_close(mtf_filter(x, gains=(0.34, 0.32, 0.30, 0.22)), y)
    torch.testing.assert_close(mtf_filter(x, "QB", pan=True), mtf_filter(x, gains=0.15))
    # 3-D input, float32
    y32 = mtf_filter(x[0].float(), "QB")
    assert y32.shape == (4, 37, 50) and y32.dtype == torch.float32
    torch.testing.assert_close(y32.double(), y[0], atol=1e-5, rtol=0)


def test_mtf_filter_constant_and_errors():
    x = torch.full((1, 8, 20, 20), 3.0, dtype=torch.float64)
    y = mtf_filter(x, "WV3", 4)
    s = mtf_kernel(get_sensor("WV3").mtf_ms, 4).sum((1, 2))
    torch.testing.assert_close(y, 3.0 * s.view(1, 8, 1, 1).expand_as(y))
    with pytest.raises(ValueError):
        mtf_filter(torch.zeros(1, 3, 8, 8), "QB")  # QB has 4 bands
    with pytest.raises(ValueError):
        mtf_filter(torch.zeros(1, 3, 8, 8), gains=(0.3, 0.3))
    with pytest.raises(ValueError):
        mtf_filter(torch.zeros(1, 3, 8, 8))
    assert mtf_filter(torch.zeros(1, 5, 8, 8), "generic").shape == (1, 5, 8, 8)
    # the ratio defaults to the sensor's (Landsat-8: 2), or 4 with explicit gains
    x = torch.rand(1, 7, 16, 16, dtype=torch.float64)
    torch.testing.assert_close(mtf_filter(x, "L8"), mtf_filter(x, "L8", 2))
    assert not torch.allclose(mtf_filter(x, "L8"), mtf_filter(x, "L8", 4))
    torch.testing.assert_close(mtf_filter(x, gains=0.3), mtf_filter(x, gains=0.3, ratio=4))
