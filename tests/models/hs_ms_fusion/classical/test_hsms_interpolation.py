"""Bicubic baseline of HS-MS fusion (fusionzoo.models.hs_ms_fusion.classical.interpolation)."""

import pytest
import torch
import torch.nn.functional as F

from fusionzoo.models.hs_ms_fusion.classical.interpolation import Bicubic, bicubic
from fusionzoo.ops import imresize
from fusionzoo.registry import get_arch

F64 = torch.float64


def test_bicubic_is_matlab_imresize_and_ignores_the_ms():
    g = torch.Generator().manual_seed(0)
    hs = torch.rand(2, 5, 6, 7, generator=g)
    ms1 = torch.rand(2, 3, 24, 28, generator=g)
    ms2 = torch.rand(2, 3, 24, 28, generator=g)
    m = bicubic()
    out = m(hs=hs, ms=ms1)
    assert out.shape == (2, 5, 24, 28) and out.dtype == torch.float32
    assert torch.equal(out, imresize(hs, scale=4))
    assert torch.equal(out, m(hs, ms2))


def test_bicubic_reproduces_constants_and_interior_ramps():
    r = 4
    hs = torch.arange(12, dtype=F64).expand(1, 1, 3, 12).contiguous()  # value = 0-based column index j
    out = Bicubic()(hs=hs, ms=torch.zeros(1, 1, 12, 48, dtype=F64))
    u = torch.arange(48, dtype=F64)
    expected = (u + 0.5) / r - 0.5  # output pixel centre on the input grid (MATLAB imresize convention)
    interior = slice(2 * r, 48 - 2 * r)  # the cubic kernel reproduces linear functions away from the borders
    torch.testing.assert_close(out[0, 0, 1, interior], expected[interior], rtol=0, atol=1e-12)
    const = Bicubic()(hs=torch.full((1, 2, 5, 5), 0.3, dtype=F64), ms=torch.zeros(1, 1, 15, 15, dtype=F64))
    torch.testing.assert_close(const, torch.full_like(const, 0.3), rtol=0, atol=1e-15)


def test_torch_kernel_option():
    hs = torch.rand(1, 4, 5, 5)
    ms = torch.rand(1, 2, 10, 10)
    out = Bicubic(kernel="torch")(hs=hs, ms=ms)
    assert torch.equal(out, F.interpolate(hs, size=(10, 10), mode="bicubic", align_corners=False))
    with pytest.raises(ValueError, match="kernel must be"):
        Bicubic(kernel="lanczos")


def test_contract_errors():
    m = Bicubic(ratio=4)
    with pytest.raises(ValueError, match="ratio 4"):
        m(hs=torch.rand(1, 4, 5, 5), ms=torch.rand(1, 2, 10, 10))
    with pytest.raises(ValueError, match="NaN"):
        Bicubic()(hs=torch.full((1, 4, 5, 5), float("nan")), ms=torch.rand(1, 2, 10, 10))
    with pytest.raises(ValueError, match="fuses hs with ms"):
        Bicubic()(torch.rand(1, 4, 5, 5))


def test_registry_entry():
    cfg = get_arch("bicubic").cfg
    assert cfg.task == "hs_ms_fusion" and cfg.inputs == ("hs", "ms") and cfg.classical and cfg.card == "bicubic.md"
