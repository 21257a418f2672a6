"""LeMA: trained on HS + MS with an unlabelled MS pool, tested on MS, it beats 1-NN on the MS alone on a synthetic
problem; the learned graph blocks keep their constraints; label propagation on a hand-made graph; the pool is
required; Theta orthonormal; a safetensors round trip with the default SVM."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from fusionzoo.models.crossmodal.lema import LeMA, learn_graph_block, lema, propagate_labels
from tests.models.crossmodal.test_subspace import make_problem, mean_gain

pytest.importorskip("sklearn.ensemble", reason="LeMA's pseudo-labels and the SVM need scikit-learn")

KW = dict(num_classes=4, in_channels=(20, 8), dim=10, pool_centres_per_class=15, max_iter=12, pseudo_trees=20)


@pytest.fixture(scope="module")
def problem():
    return make_problem(0)


@pytest.fixture(scope="module")
def fitted(problem):
    tr, ytr, _, _, pool, _ = problem
    return LeMA(**KW, classifier="1nn").fit(tr, ytr, {"ms": pool["ms"]})


def test_crossmodal_beats_the_test_modality_alone():
    """Mean over three draws: LeMA (1-NN) on HS + MS + an unlabelled MS pool, tested on MS, against 1-NN on the
    MS alone."""
    assert mean_gain(lambda tr, y, pool: LeMA(**KW, classifier="1nn").fit(tr, y, {"ms": pool["ms"]})) > 0.03


def test_pool_centres_pseudo_labels_and_selection(problem, fitted):
    info = fitted.info_
    assert info["unlabelled_centres"] == 15 * 4 and np.array_equal(np.bincount(info["pseudo_labels"]), [15] * 4)
    keep = info["scores"] > 0.4
    assert info["selected"] == keep.sum() > 0
    # the classifier's training set: every labelled MS pixel + the selected unlabelled centres
    assert fitted.train_features.shape[0] == problem[1].size + keep.sum()
    assert np.array_equal(fitted.train_labels.numpy()[problem[1].size:], info["propagated"][keep])
    theta = info["theta"]
    assert np.abs(theta @ theta.T - np.eye(10)).max() < 1e-6
    h = np.asarray(fitted.history_)
    assert h[-1] < 0.9 * h[0]


def test_learned_graph_keeps_its_constraints(fitted):
    w = fitted.info_["graph"]
    n_l = 2 * 10 * 4  # HS and MS centres
    assert np.allclose(w, w.T) and np.all(w >= 0) and not w.diagonal().any()
    learned = w[n_l:, :]
    assert learned.max() <= 0.1 + 1e-6


def test_graph_block_admm_meets_the_box_sum_and_symmetry():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((3, 30))
    d2 = ((z[:, :, None] - z[:, None, :]) ** 2).sum(0)
    np.fill_diagonal(d2, 1.0)
    init = (rng.random((30, 30)) > 0.5).astype(float)
    w = learn_graph_block(d2, 0.5 * (init + init.T), gamma=0.01, symmetric=True)
    assert np.allclose(w, w.T, atol=1e-6) and w.min() >= 0 and w.max() <= 0.1 + 1e-6
    assert w.sum() == pytest.approx(30, rel=1e-4)
    # the l1 term weighs by squared distances: the heaviest weights go to close pairs
    strong = w > 0.05
    assert d2[strong].mean() < d2[~strong].mean()
    rect = learn_graph_block(d2[:20], init[:20], gamma=0.01)  # at most 0.1 x 600 = 60 >= 30: feasible
    assert rect.shape == (20, 30) and rect.sum() == pytest.approx(30, rel=1e-4) and rect.max() <= 0.1 + 1e-6


def test_label_propagation_on_two_components():
    """Nodes 0 (class 0) and 1 (class 1) labelled; a chain 0-2-3 and 1-4: the chains inherit their labels."""
    w = np.zeros((5, 5))
    for i, j in [(0, 2), (2, 3), (1, 4)]:
        w[i, j] = w[j, i] = 1.0
    labels, scores = propagate_labels(w, np.eye(2))
    assert np.array_equal(labels, [0, 0, 1])
    assert np.all(scores > 0)


def test_pool_is_required_and_one_test_modality(problem):
    tr, ytr = problem[:2]
    with pytest.raises(ValueError, match="LeMA needs unlabelled ms pixels"):
        LeMA(**KW).fit(tr, ytr)
    with pytest.raises(ValueError, match="one test modality"):
        LeMA(num_classes=4, in_channels=(20, 8), dim=10, test_modalities=("hs", "ms"))


def test_entry_point_defaults():
    m = lema()
    assert (m.alpha, m.beta, m.dim, m.classifier, m.centres_per_class, m.pool_centres_per_class, m.threshold,
            m.graph_upper, m.pseudo_trees, m.max_iter, m.tol, m.setting) == \
        (0.01, 0.01, 30, "svm", 10, 200, 0.4, 0.1, 100, 1000, 1e-4, "leak_free")


def test_round_trip_with_the_default_svm(problem, tmp_path):
    tr, ytr, te, _, pool, _ = problem
    model = LeMA(**{**KW, "max_iter": 3}).fit(tr, ytr, {"ms": pool["ms"]})
    save_file(model.state_dict(), str(tmp_path / "l.safetensors"))
    fresh = LeMA(**KW)
    fresh.load_state_dict(load_file(str(tmp_path / "l.safetensors")))
    x = torch.from_numpy(te["ms"]).float()
    assert torch.equal(fresh(ms=x), model(ms=x))
