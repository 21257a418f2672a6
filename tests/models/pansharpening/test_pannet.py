"""PanNet specifics."""

from __future__ import annotations

import pytest
import torch

import fusionzoo


def test_pannet_high_pass_needs_3x3_ms():
    model = fusionzoo.create_model("pannet", bands=4)
    with pytest.raises(ValueError, match="at least 3x3"):
        model(torch.rand(1, 4, 2, 2), torch.rand(1, 1, 8, 8))


def test_parameter_count_for_8_bands():
    assert sum(p.numel() for p in fusionzoo.create_model("pannet", bands=8).parameters()) == 83_024
