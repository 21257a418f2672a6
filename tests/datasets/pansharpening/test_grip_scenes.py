"""GRIP-UNINA ``.mat`` scenes (MATLAB v5 and v7.3), on the fixture of ``tests/data/grip_scenes/make_fixture.py``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from fusionzoo.datasets import GripScenes  # noqa: E402
from tests.helpers import load_fixture  # noqa: E402

fixture = load_fixture("grip_scenes")


@pytest.mark.parametrize("version", ["v5", "v7.3"])
def test_grip_scenes(tmp_path, version):
    written = fixture.make(tmp_path, version)
    ik, ge = written["imgIK"], written["imgGE1"]
    ds = GripScenes(tmp_path)
    assert len(ds) == 2
    s_ge, s_ik = ds[0], ds[1]  # sorted by name
    assert (s_ik["sensor"], s_ik["bit_depth"], s_ik["ratio"]) == ("IKONOS", 11, 4) and "gt" not in s_ik
    np.testing.assert_allclose(s_ik["ms"].numpy(), ik["I_MS"].transpose(2, 0, 1) / 2047, rtol=1e-6)
    assert (s_ge["sensor"], s_ge["bit_depth"], s_ge["scale"]) == ("GE1", 8, 255.0)
    np.testing.assert_allclose(s_ge["pan"][0].numpy(), ge["I_PAN"] / 255, rtol=1e-6)
    assert s_ik["lms"].shape == (4, 128, 128)
    assert ds.scene(1).meta["rgb"] == [2, 1, 0]
    assert isinstance(ds.plot(s_ik), Figure)
