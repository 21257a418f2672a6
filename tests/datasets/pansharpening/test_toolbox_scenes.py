"""Toolbox ``.mat`` scenes (MATLAB v5 and v7.3), on the fixture of ``tests/data/toolbox_scenes/make_fixture.py``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from fusionzoo.datasets import ToolboxScenes  # noqa: E402
from tests.helpers import load_fixture  # noqa: E402

fixture = load_fixture("toolbox_scenes")


@pytest.mark.parametrize("version", ["v5", "v7.3"])
def test_toolbox_scenes(tmp_path, version):
    a = fixture.make(tmp_path, version)
    ds = ToolboxScenes(tmp_path)
    s = ds[0]
    assert s["ms"].shape == (8, 16, 16) and s["pan"].shape == (1, 64, 64) and s["gt"].shape == (8, 64, 64)
    np.testing.assert_allclose(s["ms"].numpy(), a["I_MS_LR"].transpose(2, 0, 1) / 2047, rtol=1e-6)
    np.testing.assert_allclose(s["lms"].numpy(), a["I_MS"].transpose(2, 0, 1) / 2047, rtol=1e-6)  # I_MS kept
    np.testing.assert_allclose(s["pan"][0].numpy(), a["I_PAN"] / 2047, rtol=1e-6)
    np.testing.assert_allclose(s["gt"].numpy(), a["I_GT"].transpose(2, 0, 1) / 2047, rtol=1e-6)
    assert (s["sensor"], s["bit_depth"], s["ratio"], s["name"]) == ("WV3", 11, 4, "Toolbox_WV3")
    assert isinstance(ds.plot(s), Figure)


def test_toolbox_scene_without_sensor_or_upsampled_ms(tmp_path):
    rng = np.random.default_rng(1)
    a = fixture.arrays(rng, bands=4, full=4095)
    del a["I_MS"], a["I_GT"]
    fixture.write(tmp_path / "scene.mat", a)
    with pytest.raises(ValueError, match="pass sensor="):
        ToolboxScenes(tmp_path)[0]
    s = ToolboxScenes(tmp_path, sensor="PLEIADES")[0]
    assert "gt" not in s and s["bit_depth"] == 12 and s["lms"].shape == (4, 64, 64)
    from fusionzoo.ops import interp23tap

    torch.testing.assert_close(s["lms"], interp23tap(s["ms"][None].double(), 4)[0].float(), rtol=1e-5, atol=1e-6)
    with pytest.raises(FileNotFoundError, match="no toolbox .mat files"):
        ToolboxScenes(tmp_path / "empty")
