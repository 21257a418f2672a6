"""3D-FCNN (fusionzoo.models.hs_ms_fusion.fcnn3d): parameter count, shapes, receptive field, padding, errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from fusionzoo.models.hs_ms_fusion.fcnn3d import FCNN3D, default_cfgs, fcnn3d, mirror_bands
from fusionzoo.ops import imresize


def _positive_(model: FCNN3D) -> FCNN3D:
    """All weights 0.01 and biases 0: every voxel of the receptive field contributes positively."""
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(0.01 if p.dim() > 1 else 0.0)
    return model


@pytest.mark.parametrize("bands", [9, 31, 103, 224])
def test_params_independent_of_bands(bands):
    m = FCNN3D(ratio=2, hs_bands=bands)
    # 64*(7*9*9+1) + 32*(64+1) + 9*(32+1) + 1*(9*3*5*5+1)
    assert 64 * 568 + 32 * 65 + 9 * 33 + 676 == 39405
    assert sum(p.numel() for p in m.parameters()) == 39405


def test_same_weights_any_band_count():
    m = FCNN3D(ratio=2)
    for c in (3, 10, 40):
        assert m(hs=torch.rand(1, c, 8, 8)).shape == (1, c, 16, 16)


@pytest.mark.parametrize("ratio", [1, 2, 3, 5])
def test_same_padding_shape(ratio):
    m = FCNN3D(ratio=ratio)
    y = m(hs=torch.rand(2, 12, 7, 6))
    assert y.shape == (2, 12, 7 * ratio, 6 * ratio)


@pytest.mark.parametrize("ratio", [2, 4])
def test_valid_padding_shape(ratio):
    m = FCNN3D(ratio=ratio, padding="valid")
    y = m(hs=torch.rand(1, 20, 8, 9))
    assert y.shape == (1, 20 - 8, 8 * ratio - 12, 9 * ratio - 12)


def test_same_is_valid_on_the_padded_input():
    torch.manual_seed(0)
    m = FCNN3D(ratio=2)
    hs = torch.rand(1, 11, 7, 8)
    up = imresize(hs, scale=2)
    padded = F.pad(mirror_bands(up, 4), (6, 6, 6, 6), mode="replicate")
    torch.testing.assert_close(m(hs=hs), m.network(padded))
    # and 'valid' is the central crop of that computation: the bands 4..C-5 and pixels 6..H-7
    v = FCNN3D(ratio=2, padding="valid")
    v.load_state_dict(m.state_dict())
    torch.testing.assert_close(v(hs=hs), m.network(up))


def test_tiles_give_the_untiled_result():
    torch.manual_seed(1)
    whole = FCNN3D(ratio=3, tile=None)
    tiled = FCNN3D(ratio=3, tile=7)
    tiled.load_state_dict(whole.state_dict())
    hs = torch.rand(1, 10, 8, 6)
    torch.testing.assert_close(tiled(hs=hs), whole(hs=hs))
    for pad in ("valid",):
        a, b = FCNN3D(ratio=3, padding=pad, tile=None), FCNN3D(ratio=3, padding=pad, tile=5)
        b.load_state_dict(a.state_dict())
        torch.testing.assert_close(b(hs=hs), a(hs=hs))


def test_receptive_field_impulse():
    """With positive weights, an impulse reaches exactly the 9 x 13 x 13 outputs whose field holds it."""
    m = _positive_(FCNN3D(ratio=1, padding="valid"))
    x = torch.zeros(1, 30, 40, 40)
    b0, y0, x0 = 15, 20, 22
    x[0, b0, y0, x0] = 1.0
    y = m(hs=x)[0]
    assert y.shape == (22, 28, 28)
    nz = (y != 0).nonzero()
    assert len(nz) == 9 * 13 * 13
    # output (k, i, j) sees input bands k..k+8, rows i..i+12, columns j..j+12
    assert nz[:, 0].min() == b0 - 8 and nz[:, 0].max() == b0
    assert nz[:, 1].min() == y0 - 12 and nz[:, 1].max() == y0
    assert nz[:, 2].min() == x0 - 12 and nz[:, 2].max() == x0


def test_mirror_bands_indices():
    x = torch.arange(5.0).view(1, 5, 1, 1)
    assert mirror_bands(x, 4).flatten().tolist() == [3, 2, 1, 0, 0, 1, 2, 3, 4, 4, 3, 2, 1]
    x2 = torch.arange(2.0).view(1, 2, 1, 1)
    assert mirror_bands(x2, 3).flatten().tolist() == [1, 1, 0, 0, 1, 1, 0, 0]
    x1 = torch.full((1, 1, 1, 1), 7.0)
    assert mirror_bands(x1, 4).flatten().tolist() == [7.0] * 9


def test_identity_init_passes_the_upsampled_input():
    m = FCNN3D(ratio=1, init="identity")
    m.identity_init_(noise=0.0)
    hs = torch.rand(1, 12, 9, 9)
    torch.testing.assert_close(m(hs=hs), hs)
    m2 = FCNN3D(ratio=2)
    m2.identity_init_(noise=0.0)
    hs = 0.5 + 0.01 * torch.rand(1, 12, 6, 6)  # smooth and positive: the bicubic has no negative overshoot
    torch.testing.assert_close(m2(hs=hs), imresize(hs, scale=2))


def test_registry_entry():
    cfg = default_cfgs["fcnn3d"]
    assert cfg.task == "hs_ms_fusion" and cfg.inputs == ("hs",)
    m = fcnn3d(ratio=4)
    assert isinstance(m, FCNN3D) and m.ratio == 4 and m.inputs == ("hs",)


def test_errors():
    m = FCNN3D(ratio=2)
    with pytest.raises(ValueError, match="single-image super-resolution"):
        m(hs=torch.rand(1, 10, 4, 4), ms=torch.rand(1, 3, 8, 8))
    bad = torch.rand(1, 10, 4, 4)
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        m(hs=bad)
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        m(hs=torch.rand(10, 4, 4))
    with pytest.raises(ValueError, match="ratio must be a positive integer"):
        FCNN3D(ratio=0)
    with pytest.raises(ValueError, match="ratio must be a positive integer"):
        FCNN3D(ratio=2.5)
    with pytest.raises(ValueError, match="padding must be 'same'"):
        FCNN3D(padding="reflect")
    with pytest.raises(ValueError, match="init must be"):
        FCNN3D(init="xavier")
    with pytest.raises(ValueError, match="padding='same'"):
        FCNN3D(ratio=2, padding="valid")(hs=torch.rand(1, 6, 10, 10))
    with pytest.raises(ValueError, match="13 x 13"):
        FCNN3D(ratio=2, padding="valid")(hs=torch.rand(1, 12, 5, 10))
    with pytest.raises(Exception, match="expects 31 HS bands"):
        FCNN3D(ratio=2, hs_bands=31)(hs=torch.rand(1, 30, 4, 4))
