"""A-PNN specifics."""

from __future__ import annotations

import fusionzoo


def _n(model) -> int:
    return sum(p.numel() for p in model.parameters())


def test_parameter_count_for_8_bands():
    # A-PNN: the paper's 48 filters in the first layer (the WV3 checkpoint); 64 gives PNN's 104,360.
    assert _n(fusionzoo.create_model("apnn", bands=8)) == 79_880
    assert _n(fusionzoo.create_model("apnn", bands=8, width=(64, 32))) == 104_360
