"""Wald's protocol degradation (MTF filter + decimation), on CPU and CUDA."""

from __future__ import annotations

import pytest
import torch

from fusionzoo.ops import (
    degrade,
    imresize,
    mtf_filter,
)

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


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
