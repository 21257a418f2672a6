"""The 23-tap polynomial interpolation."""

from __future__ import annotations

import pytest
import torch

from fusionzoo.ops import (
    decimate_nearest,
    interp23tap,
)


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
