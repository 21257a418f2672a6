"""MSDCNN specifics."""

from __future__ import annotations

import fusionzoo


def _n(model) -> int:
    return sum(p.numel() for p in model.parameters())


def test_parameter_count_for_8_bands():
    assert _n(fusionzoo.create_model("msdcnn", bands=8)) == 228_556

