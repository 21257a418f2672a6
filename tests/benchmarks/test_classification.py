"""The classification protocol code: seed summaries against hand-computed values, the authors' training loop on
a toy problem, the authors' CML BatchNorm option, and (with ../shared) the protocols' real pixel counts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import fusionzoo
from fusionzoo.benchmarks.classification import (METHODS, PROTOCOLS, ProtocolData, evaluate, load_protocol, run_method,
                                                 summarize, train_network, write_tables)
from tests.helpers import DATA


def _rep(oa, aa, k, per):
    return {"OA": oa, "AA": aa, "kappa": k, "per_class": per, "seconds": 1.0}


def test_summary_is_the_mean_and_the_sample_std_over_seeds():
    runs = [{"tests": {"t": _rep(0.80, 0.70, 0.60, [1.0, float("nan")])}},
            {"tests": {"t": _rep(0.90, 0.80, 0.70, [0.5, 0.25])}},
            {"tests": {"t": _rep(0.85, 0.75, 0.65, [0.0, 0.75])}}]
    d = summarize(runs)["t"]
    assert d["OA"] == pytest.approx(0.85) and d["OA_std"] == pytest.approx(0.05)  # sqrt(((.05)^2 * 2) / 2)
    assert d["kappa"] == pytest.approx(0.65) and d["AA_std"] == pytest.approx(0.05)
    assert d["seeds"] == 3
    assert d["per_class"] == pytest.approx([0.5, 0.5])  # NaN (no samples in that run) left out of the mean


def _toy(n=120, seed=0):
    centres = np.random.default_rng(42).random((3, 6))  # the same classes in every draw
    g = np.random.default_rng(seed)
    y = g.integers(0, 3, n)
    hs = (centres[y] + 0.05 * g.standard_normal((n, 6))).astype(np.float32)
    lidar = (y[:, None] / 2.0 + 0.05 * g.standard_normal((n, 2))).astype(np.float32)
    return {"hs": hs, "lidar": lidar}, y


def test_training_loop_learns_a_separable_toy_problem_and_scores_it():
    x, y = _toy()
    xt, yt = _toy(seed=1)
    data = ProtocolData("toy", ("a", "b", "c"), x, y, {"test": (xt, yt), "cml": ({"lidar": xt["lidar"]}, yt)})
    model, res = run_method("mdlrs_fc_middle", data, seed=0, epochs=30)
    assert res["tests"]["test"]["OA"] > 0.9
    assert set(res["tests"]) == {"test", "cml", "cml_bn_batch"}  # CML also with the authors' BatchNorm
    assert model.bn_mode == "eval"  # the option is restored after the authors' CML scoring
    assert res["train"]["epochs"] == 30


def test_bn_batch_evaluation_uses_the_test_set_statistics():
    x, y = _toy()
    model = fusionzoo.create_model("mdlrs_fc_single", modalities=("lidar",), in_channels=(2,), num_classes=3)
    train_network(model, {"lidar": x["lidar"]}, y, epochs=2, seed=0)
    shifted = {"lidar": x["lidar"] + 100.0}  # far outside the training statistics
    a = evaluate(model, shifted, y)
    b = evaluate(model, shifted, y, bn_mode="batch")
    assert b["OA"] > a["OA"]  # per-batch statistics undo the shift, running statistics do not


def test_every_method_names_a_registered_architecture_and_protocol():
    for proto, methods in METHODS.items():
        assert proto in PROTOCOLS
        for m in methods:
            cfg = fusionzoo.get_arch(m["arch"]).cfg
            assert cfg.task == "classification" and set(m["modalities"]) <= set(("hs", "lidar", "ms", "sar"))
    with pytest.raises(KeyError, match="unknown protocol"):
        load_protocol("nope", ".")


def test_tables_are_written(tmp_path):
    rows = [{"protocol": "p", "test": "t", "method": "m", "modalities": "hs", "OA": 0.5, "OA_std": 0.01, "AA": 0.4,
             "AA_std": 0.0, "kappa": 0.3, "kappa_std": 0.02, "seeds": 3, "train_seconds": 1.5}]
    write_tables(rows, tmp_path)
    md = (tmp_path / "classification.md").read_text()
    assert "| m | hs | 50.00 ± 1.00 | 40.00 ± 0.00 | 30.00 ± 2.00 | 1.5 |" in md
    assert (tmp_path / "classification.csv").read_text().splitlines()[1].startswith("p,t,m,hs,0.500000")


@pytest.mark.skipif(not (DATA / "classification/houston2013/pixel_sets_fc").is_dir(),
                    reason="needs ../shared/data/classification/houston2013 (the real pixel sets)")
def test_houston2013_protocol_counts():
    d = load_protocol("houston2013", DATA)
    assert len(d.train_y) + len(d.tests["heldout_blocks"][1]) == 2832
    assert len(d.tests["official_test"][1]) == 12197 and set(d.tests["official_test"][0]) == {"lidar"}
    held = np.bincount(d.tests["heldout_blocks"][1], minlength=15)
    assert (held > 0).all()  # every class is in the held-out blocks


@pytest.mark.skipif(not (DATA / "hsms/houston2018_crop/houston_dataset.mat").is_file(),
                    reason="needs ../shared/data/hsms/houston2018_crop")
def test_houston2018_crop_protocol_is_spatially_disjoint():
    d = load_protocol("houston2018_crop", DATA, mode="patch")
    assert d.train["hs"].shape[1:] == (48, 7, 7) and d.train["ms"].shape[1:] == (48, 7, 7)
    assert len(d.train_y) == 3131 and len(d.tests["heldout_blocks"][1]) == 3144
    assert 0.0 <= d.train["hs"].min() and d.train["hs"].max() <= 1.0
    torch.testing.assert_close(torch.tensor(d.train["ms"].max()), torch.tensor(1.0))
