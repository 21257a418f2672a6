"""PNN specifics: valid convolutions with 8-pixel replicate padding, identity initialisation."""

import pytest
import torch
import torch.nn.functional as F

import fusionzoo
from fusionzoo.ops import interp23tap


def test_pnn_forward_is_three_valid_convs_on_padded_input():
    torch.manual_seed(0)
    m = fusionzoo.create_model("pnn", bands=4).eval()
    ms, pan = torch.rand(1, 4, 6, 6), torch.rand(1, 1, 24, 24)
    x = F.pad(torch.cat([interp23tap(ms, 4), pan], 1), (8, 8, 8, 8), mode="replicate")
    y = F.conv2d(F.relu(F.conv2d(F.relu(F.conv2d(x, m.conv1.weight, m.conv1.bias)), m.conv2.weight,
                                  m.conv2.bias)), m.conv3.weight, m.conv3.bias)
    assert torch.allclose(m(ms, pan), y, atol=1e-6)
    assert m.conv1.padding == (0, 0) and m.conv1.kernel_size == (9, 9) and m.conv3.kernel_size == (5, 5)


def test_identity_init_starts_from_the_upsampled_ms():
    torch.manual_seed(0)
    ms, pan = torch.rand(1, 8, 8, 8) * 0.5 + 0.1, torch.rand(1, 1, 32, 32)
    lms = interp23tap(ms, 4)
    m = fusionzoo.create_model("pnn", bands=8, init="identity")
    m.identity_init_(noise=0.0)
    assert torch.allclose(m(ms, pan), lms.clamp(min=0), atol=1e-6)
    with pytest.raises(ValueError, match="init must be"):
        fusionzoo.create_model("pnn", init="xavier")


def test_pnn_parameter_count_matches_paper():
    assert sum(p.numel() for p in fusionzoo.create_model("pnn", bands=8).parameters()) == 104_360
