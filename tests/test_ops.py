"""Checks of the image operators against hand computations and independent formulations."""

import math

import numpy as np
import pytest
import torch

from fusionzoo.ops import (decimate_nearest, degrade, fwind1, imresize, interp23tap, mtf_filter, mtf_kernel,
                           nearest_indices)
from fusionzoo.sensors import get_sensor

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


# ----------------------------------------------------------------------------------------------- MTF


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


# ------------------------------------------------------------------------------------------ imresize


def _cubic(d):
    d = abs(d)
    if d <= 1:
        return 1.5 * d**3 - 2.5 * d**2 + 1
    if d <= 2:
        return -0.5 * d**3 + 2.5 * d**2 - 4 * d + 2
    return 0.0


def _matlab_resize_1d(v: np.ndarray, scale: float, out_len: int) -> np.ndarray:
    """Per-output-pixel MATLAB bicubic imresize along one axis, written independently: sum over every
    integer position j (1-based, any sign) within the kernel support, mirrored into 1..n."""
    n = len(v)
    aa = scale < 1
    out = np.zeros(out_len)
    for u in range(1, out_len + 1):
        x = u / scale + 0.5 * (1 - 1 / scale)
        num = den = 0.0
        for j in range(int(math.floor(x)) - 20, int(math.floor(x)) + 21):
            wgt = scale * _cubic(scale * (x - j)) if aa else _cubic(x - j)
            if wgt == 0:
                continue
            jj = j
            while jj < 1 or jj > n:  # symmetric reflection: 0 -> 1, -1 -> 2, n+1 -> n
                jj = 1 - jj if jj < 1 else 2 * n + 1 - jj
            num += wgt * v[jj - 1]
            den += wgt
        out[u - 1] = num / den
    return out


def _matlab_resize_2d(a: np.ndarray, sh: float, sw: float, oh: int, ow: int) -> np.ndarray:
    tmp = np.stack([_matlab_resize_1d(a[:, j], sh, oh) for j in range(a.shape[1])], axis=1)
    return np.stack([_matlab_resize_1d(tmp[i], sw, ow) for i in range(oh)], axis=0)


@pytest.mark.parametrize("shape,scale", [((16, 12), 0.25), ((9, 7), 1 / 3), ((6, 5), 2.0), ((8, 8), 0.5),
                                         ((5, 11), 1.5)])
def test_imresize_matches_per_pixel_formula(shape, scale):
    rng = np.random.default_rng(1)
    a = rng.random(shape)
    oh, ow = math.ceil(scale * shape[0]), math.ceil(scale * shape[1])
    ref = _matlab_resize_2d(a, scale, scale, oh, ow)
    out = imresize(torch.from_numpy(a), scale)
    assert out.shape == (oh, ow)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-12)


def test_imresize_size_argument_and_batch():
    rng = np.random.default_rng(2)
    a = rng.random((2, 3, 10, 14))
    out = imresize(torch.from_numpy(a), size=(4, 21))
    assert out.shape == (2, 3, 4, 21)
    ref = _matlab_resize_2d(a[1, 2], 4 / 10, 21 / 14, 4, 21)
    np.testing.assert_allclose(out[1, 2].numpy(), ref, atol=1e-12)
    assert imresize(torch.from_numpy(a), size=(5, None)).shape == (2, 3, 5, 7)
    # float32 follows float64
    o32 = imresize(torch.from_numpy(a).float(), 0.5)
    assert o32.dtype == torch.float32
    torch.testing.assert_close(o32.double(), imresize(torch.from_numpy(a), 0.5), atol=1e-6, rtol=0)
    with pytest.raises(ValueError):
        imresize(torch.zeros(4, 4))
    with pytest.raises(ValueError):
        imresize(torch.zeros(4, 4), 0.5, size=(2, 2))


def test_imresize_known_values():
    # constant stays constant (weights are normalised)
    c = imresize(torch.full((1, 1, 12, 12), 7.0, dtype=torch.float64), 0.25)
    torch.testing.assert_close(c, torch.full((1, 1, 3, 3), 7.0, dtype=torch.float64))
    # cubic a=-0.5 reproduces linear ramps away from the borders: upsampling x2 maps output u (1-based)
    # to input coordinate u/2 + 1/4, so a ramp v[j] = j (1-based) gives u/2 + 1/4
    v = torch.arange(1, 21, dtype=torch.float64)[None, :].repeat(4, 1)
    out = imresize(v, size=(4, 40))
    u = torch.arange(1, 41, dtype=torch.float64)
    torch.testing.assert_close(out[0, 4:-4], (u / 2 + 0.25)[4:-4])
    # shrinking by 4 with antialiasing: output u at input coordinate 4u - 1.5, ramp reproduced in the
    # interior (the integer taps are symmetric about the half-integer coordinate, weights normalised)
    v = torch.arange(1, 33, dtype=torch.float64)[None, :].repeat(4, 1)
    out = imresize(v, size=(1, 8))
    u = torch.arange(1, 9, dtype=torch.float64)
    torch.testing.assert_close(out[0, 2:-2], (4 * u - 1.5)[2:-2])
    # a hand-computed value: 1-D upsampling x2 of [0, 1] (mirror padded [1, 0, 0, 1, 1, 0]); output 1 is
    # at x = 0.75: weights cubic(1.75, 0.75, 0.25, 1.25) on positions -1, 0, 1, 2 -> values v[2], v[1],
    # v[1], v[2] = 1, 0, 0, 1 (1-based)
    w = [_cubic(1.75), _cubic(0.75), _cubic(0.25), _cubic(1.25)]
    expected = (w[0] * 1 + w[3] * 1) / sum(w)
    out = imresize(torch.tensor([[0.0, 1.0]], dtype=torch.float64), size=(1, 4))
    assert out[0, 0].item() == pytest.approx(expected, abs=1e-15)
    assert out[0, 0].item() == pytest.approx(-0.0703125 - 0.0234375, abs=1e-15)


# --------------------------------------------------------------------------------- nearest decimation


def test_nearest_indices():
    assert list(nearest_indices(16, 0.25)) == [2, 6, 10, 14]
    assert list(nearest_indices(8, 0.5)) == [1, 3, 5, 7]
    for r in (2, 3, 4, 5, 6, 8):
        assert list(nearest_indices(5 * r, 1 / r)) == [r * i + r // 2 for i in range(5)]
    x = torch.arange(256.0).reshape(1, 1, 16, 16)
    y = decimate_nearest(x, 4)
    torch.testing.assert_close(y, x[..., 2::4, 2::4])
    torch.testing.assert_close(imresize(x, 0.25, method="nearest"), y)


# ------------------------------------------------------------------------------------------- degrade


def test_degrade_composition_and_shapes():
    g = torch.Generator().manual_seed(3)
    ms = torch.rand(2, 4, 16, 24, generator=g, dtype=torch.float64) * 2047
    pan = torch.rand(2, 1, 64, 96, generator=g, dtype=torch.float64) * 2047
    ms_lr, pan_lr = degrade(ms, pan, "QB")
    assert ms_lr.shape == (2, 4, 4, 6) and pan_lr.shape == (2, 1, 16, 24)
    torch.testing.assert_close(ms_lr, mtf_filter(ms, "QB", 4)[..., 2::4, 2::4])
    torch.testing.assert_close(pan_lr, imresize(pan, 0.25))
    # unbatched
    a, b = degrade(ms[0], pan[0], "QB")
    torch.testing.assert_close(a, ms_lr[0])
    torch.testing.assert_close(b, pan_lr[0])
    # the sensor's ratio is the default (Landsat-8: 2)
    a, b = degrade(torch.rand(1, 7, 8, 8), torch.rand(1, 1, 16, 16), "L8")
    assert a.shape == (1, 7, 4, 4) and b.shape == (1, 1, 8, 8) and a.dtype == torch.float32


def test_degrade_constant():
    ms = torch.full((1, 8, 16, 16), 500.0, dtype=torch.float64)
    pan = torch.full((1, 1, 64, 64), 300.0, dtype=torch.float64)
    ms_lr, pan_lr = degrade(ms, pan, "WV2")
    torch.testing.assert_close(pan_lr, torch.full_like(pan_lr, 300.0))
    torch.testing.assert_close(ms_lr, torch.full_like(ms_lr, 500.0), rtol=5e-3, atol=0)


def test_degrade_errors():
    ms, pan = torch.zeros(1, 4, 16, 16), torch.zeros(1, 1, 64, 64)
    with pytest.raises(ValueError, match="ratio"):
        degrade(ms, torch.zeros(1, 1, 60, 64), "QB")
    with pytest.raises(ValueError, match="divisible"):
        degrade(torch.zeros(1, 4, 18, 16), torch.zeros(1, 1, 72, 64), "QB")
    with pytest.raises(ValueError, match="one band"):
        degrade(ms, torch.zeros(1, 2, 64, 64), "QB")
    with pytest.raises(ValueError, match="batch"):
        degrade(ms, torch.zeros(2, 1, 64, 64), "QB")
    with pytest.raises(ValueError):
        degrade(torch.zeros(1, 3, 16, 16), pan, "QB")  # wrong band count
    with pytest.raises(ValueError):
        degrade(torch.zeros(4, 16, 16), torch.zeros(1, 1, 64, 64), "QB")


# ---------------------------------------------------------------------------------------- interp23tap


@pytest.mark.parametrize("ratio", [2, 4, 8])
def test_interp23tap_keeps_samples_on_grid(ratio):
    g = torch.Generator().manual_seed(4)
    x = torch.rand(1, 3, 6, 5, generator=g, dtype=torch.float64)
    y = interp23tap(x, ratio)
    assert y.shape == (1, 3, 6 * ratio, 5 * ratio)
    # input pixel i lands at 0-based ratio * i + ratio // 2 (2, 6, 10, ... for ratio 4)
    torch.testing.assert_close(y[..., ratio // 2::ratio, ratio // 2::ratio], x, rtol=0, atol=1e-14)
    torch.testing.assert_close(decimate_nearest(y, ratio), x, rtol=0, atol=1e-14)


def test_interp23tap_constant_and_roundtrip():
    c = interp23tap(torch.full((1, 2, 5, 7), 4.0, dtype=torch.float64), 4)
    # (the published coefficients sum to 1 within ~1e-9 per polyphase component)
    torch.testing.assert_close(c, torch.full_like(c, 4.0), rtol=1e-8, atol=0)
    # the MS grid of degrade() and interp23tap() coincide: upsampling then degrading the samples back
    ms = torch.rand(1, 4, 8, 8, dtype=torch.float64)
    torch.testing.assert_close(decimate_nearest(interp23tap(ms, 4), 4), ms, rtol=0, atol=1e-14)


# -------------------------------------------------------------------------------------------- devices


@CUDA
def test_ops_cuda_match_cpu():
    g = torch.Generator().manual_seed(5)
    ms = torch.rand(2, 4, 16, 16, generator=g, dtype=torch.float64)
    pan = torch.rand(2, 1, 64, 64, generator=g, dtype=torch.float64)
    a, b = degrade(ms, pan, "QB")
    ac, bc = degrade(ms.cuda(), pan.cuda(), "QB")
    torch.testing.assert_close(ac.cpu(), a)
    torch.testing.assert_close(bc.cpu(), b)
    torch.testing.assert_close(imresize(pan.cuda().float(), 0.25).cpu().double(), b, atol=1e-5, rtol=0)
