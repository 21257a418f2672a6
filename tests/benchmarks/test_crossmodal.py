"""The crossmodal protocol code: every method trained with two modalities and scored with the test one alone
(a toy problem), the baselines on the test modality alone, and (with ../shared) the real protocols' pools."""

from __future__ import annotations

import numpy as np
import pytest

import fusionzoo
from fusionzoo.benchmarks.crossmodal import (CROSSMODAL_METHODS, CrossmodalData, load_crossmodal,
                                             run_crossmodal_method)
from tests.helpers import DATA


def _toy(n, seed):
    centres = np.random.default_rng(3).random((3, 8))
    g = np.random.default_rng(seed)
    y = g.integers(0, 3, n)
    hs = (centres[y] + 0.05 * g.standard_normal((n, 8))).astype(np.float32)
    lidar = (centres[y, :2] + 0.3 * g.standard_normal((n, 2))).astype(np.float32)  # the weaker modality
    return {"hs": hs, "lidar": lidar}, y


def _data():
    x, y = _toy(90, 0)
    xt, yt = _toy(60, 1)
    xu, _ = _toy(64, 2)
    d = CrossmodalData("toy", ("a", "b", "c"), x, y, {"test": ({"lidar": xt["lidar"]}, yt)})
    d.unlabelled, d.test_modalities = {"lidar": xu["lidar"]}, ("lidar",)
    return d


@pytest.mark.parametrize("label", ["xmodalnet", "cospace_l2", "1-NN (test modality)",
                                   "mdlrs_fc_single (test modality)"])
def test_methods_train_on_both_and_are_scored_on_the_test_modality(label):
    method = next(m for m in CROSSMODAL_METHODS if m["label"] == label)
    kw = {"max_iter": 5, "dim": 4} if method["arch"] == "cospace_l2" else {}
    method = {**method, "kwargs": {**method.get("kwargs", {}), **kw}}
    model, res = run_crossmodal_method(method, _data(), seed=0, epochs=3)
    assert model.inputs == ("lidar",)  # used with the test modality alone
    rep = res["tests"]["test"]
    assert 0.0 <= rep["OA"] <= 1.0 and np.asarray(rep["confusion_matrix"]).sum() == 60
    if not method.get("baseline"):
        assert model.modalities == ("hs", "lidar")  # trained with both


def test_every_tagged_method_names_its_baseline():
    labels = {m["label"] for m in CROSSMODAL_METHODS}
    for m in CROSSMODAL_METHODS:
        assert fusionzoo.get_arch(m["arch"]).cfg.task in ("crossmodal", "classification")
        if m.get("tag"):
            assert m["against"] in labels and next(b for b in CROSSMODAL_METHODS if b["label"] == m["against"])[
                "baseline"]


@pytest.mark.skipif(not (DATA / "classification/houston2013/dfc2013_official").is_dir(),
                    reason="needs ../shared/data/classification/houston2013")
def test_houston2013_pool_never_holds_a_training_or_test_pixel():
    d = load_crossmodal("houston2013", DATA)
    assert len(d.train_y) == 2832 and set(d.train) == {"hs", "lidar"}
    assert d.unlabelled["lidar"].shape == (20000, 21)
    x, y = d.tests["official_test"]
    assert set(x) == {"lidar"} and len(y) == 12197


def test_papers_settings_on_fixtures_in_the_official_formats(tmp_path):
    from fusionzoo.benchmarks.crossmodal import hs_sar_protocol, simulated_ms_protocol
    from fusionzoo.datasets import Berlin, Houston2013
    from tests.helpers import load_fixture

    root = load_fixture("houston2013").make(tmp_path / "h13")
    ds = Houston2013(root, modalities=("hs", "lidar"))
    srf = np.zeros((4, 144))
    for i in range(4):
        srf[i, 36 * i:36 * (i + 1)] = 1 / 36  # four broad bands
    d = simulated_ms_protocol(ds, srf, pool=50)
    assert set(d.train) == {"hs", "ms"} and d.train["ms"].shape[1] == 4 and d.test_modalities == ("ms",)
    (xt, yt), = d.tests.values()
    assert set(xt) == {"ms"} and len(yt) == (ds.label_map("test") > 0).sum()
    assert len(d.train_y) == (ds.label_map("train") > 0).sum() and d.unlabelled["hs"].shape[0] <= 50
    assert d.train["ms"].min() >= 0.0 and d.train["ms"].max() <= 1.0  # min-max fitted outside the test map
    _, res = run_crossmodal_method(next(m for m in CROSSMODAL_METHODS if m["arch"] == "nearest_neighbour"), d)
    assert 0.0 <= res["tests"]["test"]["OA"] <= 1.0

    ber = Berlin(load_fixture("s2fl").make_berlin(tmp_path / "s2fl"))
    d = hs_sar_protocol(ber, pool=20)
    assert d.test_modalities == ("sar",) and d.train["hs"].shape[1] == 244 and d.train["sar"].shape[1] == 4
    with pytest.raises(ValueError, match="srf must be"):
        simulated_ms_protocol(ds, np.ones((3, 10)))
