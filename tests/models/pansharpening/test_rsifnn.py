"""RSIFNN specifics: the two streams, the concatenation, the residual; the parameter count of the layer table."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import fusionzoo
from fusionzoo.ops import interp23tap


def _n(model) -> int:
    return sum(p.numel() for p in model.parameters())


def _conv3(cin: int, cout: int) -> int:
    return 9 * cin * cout + cout


@pytest.mark.parametrize("bands", [8, 4])
def test_parameter_count_of_the_layer_table(bands):
    # MS stream C -> 64 -> 32; PAN stream 1 -> 64, six 64 -> 64, 64 -> 32; fusion 64 -> C; all 3x3 with bias
    expected = (_conv3(bands, 64) + _conv3(64, 32) + _conv3(1, 64) + 6 * _conv3(64, 64) + _conv3(64, 32)
                + _conv3(64, bands))
    assert expected == {8: 268_424, 4: 263_812}[bands]
    assert _n(fusionzoo.create_model("rsifnn", bands=bands)) == expected


def test_forward_is_two_streams_concatenated_plus_upsampled_ms():
    torch.manual_seed(0)
    m = fusionzoo.create_model("rsifnn", bands=4).eval()
    ms, pan = torch.rand(1, 4, 6, 6), torch.rand(1, 1, 24, 24)
    lms = interp23tap(ms, 4)
    a = lms
    for conv in m.ms_stream:
        a = F.relu(F.conv2d(a, conv.weight, conv.bias, padding=1))
    b = pan
    for conv in m.pan_stream:
        b = F.relu(F.conv2d(b, conv.weight, conv.bias, padding=1))
    expected = lms + F.conv2d(torch.cat([a, b], 1), m.fusion.weight, m.fusion.bias, padding=1)
    with torch.no_grad():
        out = m(ms, pan)
    assert out.shape == (1, 4, 24, 24)
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=1e-5)
    assert len(m.ms_stream) == 2 and len(m.pan_stream) == 8
    assert all(c.kernel_size == (3, 3) for c in [*m.ms_stream, *m.pan_stream, m.fusion])


def test_zero_fusion_layer_returns_the_upsampled_ms():
    """With the last convolution at zero the network is the 23-tap interpolator (the residual design)."""
    m = fusionzoo.create_model("rsifnn", bands=8).eval()
    with torch.no_grad():
        m.fusion.weight.zero_()
        m.fusion.bias.zero_()
        ms, pan = torch.rand(2, 8, 5, 5), torch.rand(2, 1, 20, 20)
        torch.testing.assert_close(m(ms, pan), interp23tap(ms, 4))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="pan_depth must be at least 2"):
        fusionzoo.create_model("rsifnn", pan_depth=1)
    m = fusionzoo.create_model("rsifnn", bands=4)
    with pytest.raises(ValueError):
        m(torch.rand(1, 3, 4, 4), torch.rand(1, 1, 16, 16))  # 3 bands into a 4-band model


@pytest.mark.parametrize("name, bands", [("rsifnn.wv23", 8), ("rsifnn.vhr4", 4)])
def test_bundled_weights_load_strictly(name, bands):
    from safetensors.torch import load_file

    from fusionzoo.weights import PUBLISHED_DIR, sha256sum

    w = fusionzoo.get_weights(name)
    f = PUBLISHED_DIR / w.hf_repo / w.file_name
    assert sha256sum(f) == w.sha256
    fusionzoo.create_model("rsifnn", bands=bands).load_state_dict(load_file(str(f)), strict=True)
    m = fusionzoo.create_model(name, pretrained=True).eval()
    assert m.num_bands == bands and _n(m) == w.num_params
