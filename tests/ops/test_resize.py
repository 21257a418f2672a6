"""MATLAB's imresize (bicubic, antialiased) and nearest indices."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from fusionzoo.ops import (
    decimate_nearest,
    imresize,
    nearest_indices,
)


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


def test_nearest_indices():
    assert list(nearest_indices(16, 0.25)) == [2, 6, 10, 14]
    assert list(nearest_indices(8, 0.5)) == [1, 3, 5, 7]
    for r in (2, 3, 4, 5, 6, 8):
        assert list(nearest_indices(5 * r, 1 / r)) == [r * i + r // 2 for i in range(5)]
    x = torch.arange(256.0).reshape(1, 1, 16, 16)
    y = decimate_nearest(x, 4)
    torch.testing.assert_close(y, x[..., 2::4, 2::4])
    torch.testing.assert_close(imresize(x, 0.25, method="nearest"), y)
