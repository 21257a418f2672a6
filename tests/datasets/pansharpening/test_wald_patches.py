"""Wald-protocol patches of the catalogue scenes, split in disjoint blocks."""

from __future__ import annotations

import pytest

from fusionzoo.datasets import PUBLIC_SCENES, WaldPatches, split_blocks
from tests.helpers import load_fixture

write_grip = load_fixture("scenes").write_grip


def test_split_blocks_is_disjoint_and_deterministic():
    a = split_blocks(300, 260, 64, (0.6, 0.2, 0.2), seed=3)
    b = split_blocks(300, 260, 64, (0.6, 0.2, 0.2), seed=3)
    assert a == b
    boxes = [x for s in a.values() for x in s]
    assert len(boxes) == len(set(boxes)) == 5 * 5
    assert all(len(v) > 0 for v in a.values())


def test_wald_patches_from_grip_fixture(tmp_path):
    write_grip(tmp_path / PUBLIC_SCENES["wv2_grip"].files[0], bands=8, size=256)
    sets = {s: WaldPatches(tmp_path, ["wv2_grip"], split=s, patch_size=16, stride=8, block=32) for s in
            ("train", "val", "test")}
    assert all(len(d) > 0 for d in sets.values())
    s = sets["train"][0]
    assert s["ms"].shape == (8, 4, 4) and s["pan"].shape == (1, 16, 16) and s["gt"].shape == (8, 16, 16)
    assert 0 <= float(s["ms"].min()) and float(s["gt"].max()) <= 1
    # patches of different splits never overlap
    def cover(d):
        return {(k, y + i, x + j) for k, y, x in d.items for i in range(16) for j in range(16)}
    assert not cover(sets["train"]) & cover(sets["val"])
    assert not cover(sets["train"]) & cover(sets["test"])
    with pytest.raises(FileNotFoundError, match="wv2_rio"):
        WaldPatches(tmp_path, ["wv2_rio"])
