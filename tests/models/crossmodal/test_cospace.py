"""CoSpace (l2 and l1): trained on HS + MS, tested on MS, it beats 1-NN on the MS alone on a synthetic problem;
Theta has orthonormal rows; the objective decreases; the centres per class; the S2FL-style graph; the
registered entry points' defaults; a safetensors round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from fusionzoo.models.crossmodal.cospace import CoSpace, cospace_l1, cospace_l2
from tests.models.crossmodal.test_subspace import make_problem, mean_gain, nn_oa, oa

KW = dict(num_classes=4, in_channels=(20, 8), dim=10)


@pytest.fixture(scope="module")
def problem():
    return make_problem(0)


@pytest.fixture(scope="module")
def fitted(problem):
    tr, ytr = problem[:2]
    return {reg: CoSpace(**KW, regression=reg, alpha=a, beta=a, max_iter=40).fit(tr, ytr)
            for reg, a in (("l2", 0.01), ("l1", 0.1))}


@pytest.mark.parametrize("regression", ["l2", "l1"])
def test_crossmodal_beats_the_test_modality_alone(regression):
    """Mean over three draws of the synthetic problem: CoSpace on HS + MS, tested on MS, against 1-NN on the MS
    alone (single draws vary: the gain ranges from -0.03 to +0.09)."""
    a = 0.01 if regression == "l2" else 0.1
    assert mean_gain(lambda tr, y, pool: CoSpace(**KW, regression=regression, alpha=a, beta=a,
                                                 max_iter=40).fit(tr, y)) > 0.01


@pytest.mark.parametrize("regression", ["l2", "l1"])
def test_theta_orthonormal_and_objective_decreasing(fitted, regression):
    model = fitted[regression]
    theta = model.info_["theta"]
    assert np.abs(theta @ theta.T - np.eye(10)).max() < 1e-6
    full = np.concatenate([model.projection("hs").numpy(), model.projection("ms").numpy()], axis=1)
    assert np.array_equal(full, theta)  # the stored projections are Theta's modality blocks
    h = np.asarray(model.history_)
    assert h.size > 5 and h[-1] < 0.8 * h[0]
    assert np.all(np.diff(h[:6]) < 0)  # the descent phase is monotone
    # near convergence the inner ADMM, restarting from zero as the authors', leaves steps that rise a little
    assert np.all(np.diff(h) <= 1e-2 * h[:-1])


def test_max_iter_bounds_the_alternation(problem):
    tr, ytr = problem[:2]
    m = CoSpace(**KW, regression="l1", alpha=0.1, beta=0.1, max_iter=3).fit(tr, ytr)
    assert len(m.history_) == 3 and m.history_[2] < m.history_[0]


def test_trains_on_centres_per_class(problem):
    tr, ytr = problem[:2]
    m = CoSpace(**KW, centres_per_class=6, max_iter=2).fit(tr, ytr)
    assert m.info_["samples"] == 6 * 4
    m = CoSpace(**KW, centres_per_class=None, max_iter=2).fit(tr, ytr)
    assert m.info_["samples"] == ytr.size
    # the classifier is trained on the projected training pixels themselves, not on the centres
    assert m.train_features.shape == (ytr.size, 10)


def test_s2fl_graph_runs_and_still_helps(problem):
    tr, ytr, te, yte = problem[:4]
    m = CoSpace(**KW, graph="knn_label", knn=5, centres_per_class=None, max_iter=20).fit(tr, ytr)
    assert oa(m, te, yte) > nn_oa(tr["ms"], ytr, te["ms"], yte)


def test_entry_point_defaults():
    hs_ms = dict(modalities=("hs", "ms"), in_channels=(144, 8), test_modalities=("ms",))  # not the weights' own
    l2, l1 = cospace_l2(**hs_ms), cospace_l1(**hs_ms)
    assert (l2.regression, l2.alpha, l2.beta) == ("l2", 0.01, 0.01)
    assert (l1.regression, l1.alpha, l1.beta) == ("l1", 0.1, 0.1)
    for m in (l2, l1):
        assert (m.dim, m.classifier, m.centres_per_class, m.setting, m.max_iter, m.tol) == \
            (30, "1nn", 10, "leak_free", 1000, 1e-4)
        assert m.modalities == ("hs", "ms") and m.test_modalities == ("ms",) and m.kmeans_metric == "cosine"
    with pytest.raises(ValueError, match="regression must be"):
        CoSpace(**KW, regression="l0")
    with pytest.raises(ValueError, match="graph must be"):
        CoSpace(**KW, graph="full")


def test_round_trip(problem, fitted, tmp_path):
    te = problem[2]
    save_file(fitted["l2"].state_dict(), str(tmp_path / "c.safetensors"))
    fresh = CoSpace(**KW)
    fresh.load_state_dict(load_file(str(tmp_path / "c.safetensors")))
    x = torch.from_numpy(te["ms"]).float()
    assert torch.equal(fresh(ms=x), fitted["l2"](ms=x))
    wrong = CoSpace(num_classes=4, in_channels=(20, 8), dim=6)
    with pytest.raises(RuntimeError, match=r"project hs as \(10, 20\)"):
        wrong.load_state_dict(load_file(str(tmp_path / "c.safetensors")))
