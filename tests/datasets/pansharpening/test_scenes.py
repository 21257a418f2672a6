"""Single scenes and the catalogue of public real scenes: every catalogue entry loads from the fixture of ``tests/data/scenes/make_fixture.py``; the real scene folders, where present."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from fusionzoo.datasets import PUBLIC_SCENES, GeoTiffPairs, GripScenes, load_scene
from tests.helpers import SHARED, load_fixture

DATA = SHARED / "data" / "pansharpening"


@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data (the real scenes) is not here")
def test_real_scene_folders():
    ds = GripScenes(DATA / "grip_wv2_ikonos_geoeye1")
    scenes = [ds.scene(i) for i in range(len(ds))]  # (no upsampled MS: quick)
    assert {s.sensor: s.bit_depth for s in scenes} == {"GE1": 8, "IKONOS": 11, "WV2": 11}
    assert all(s.pan.shape == (1, 1280, 1280) and 0 < float(s.pan.max()) <= 1 for s in scenes)
    sn = GeoTiffPairs(DATA / "spacenet3_shanghai_wv3", sensor="WV3", pan_token="PAN", ms_token="MUL").scene(0)
    assert sn.ms.shape == (8, 325, 325) and sn.pan.shape == (1, 1300, 1300)


@pytest.mark.parametrize("name", list(PUBLIC_SCENES))
def test_catalogue_scene_loads_from_its_layout(tmp_path, name):
    load_fixture("scenes").make(tmp_path, [name], size=32)
    src = PUBLIC_SCENES[name]
    s = load_scene(name, tmp_path)
    assert (s.sensor, s.bit_depth, s.ratio) == (src.sensor, src.bit_depth, src.ratio)
    assert s.pan.shape == (1, 32, 32) and s.ms.shape[-2:] == (32 // src.ratio, 32 // src.ratio)
    assert 0 <= float(s.ms.min()) and float(s.pan.max()) <= 1
    assert s.meta["source"] == src.source and s.meta["kind"] == src.kind
    assert (s.gt is not None) == (src.layout == "unit" or len(src.files) > 2)


def test_catalogue_missing_scene_says_where_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="Get it from"):
        load_scene("wv2_grip", tmp_path)
    with pytest.raises(KeyError, match="unknown scene"):
        load_scene("nosuch", tmp_path)
