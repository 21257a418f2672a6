"""EXP: the 23-tap interpolation of the MS, for power-of-two ratios."""

from __future__ import annotations

import pytest
import torch

import fusionzoo


def test_exp_ratios():
    for r in (2, 4, 8):
        m = fusionzoo.create_model("exp", ratio=r)
        assert m(torch.rand(1, 3, 4, 4), torch.rand(1, 1, 4 * r, 4 * r)).shape == (1, 3, 4 * r, 4 * r)
    with pytest.raises(ValueError, match="power-of-two"):
        fusionzoo.create_model("exp", ratio=3)
