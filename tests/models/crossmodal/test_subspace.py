"""The shared machinery of the shallow crossmodal methods (:mod:`fusionzoo.models.crossmodal.subspace`): graph
products against dense graphs, LPP's generalised eigenproblem, the orthogonality-constrained ADMM, the l1
regression's optimality conditions, k-means centres per class, and the fitted model's contract (errors,
safetensors round trip of each final classifier).

Also the synthetic crossmodal problem the method tests share (:func:`make_problem`)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from scipy.linalg import eigh

from fusionzoo.models.crossmodal.manifold_alignment import ManifoldAlignment
from fusionzoo.models.crossmodal.subspace import (NotFittedError, block_inputs, class_centres, graph_products,
                                                  kmeans, knn_graph, l1_regression, label_graph_products, lpp,
                                                  minmax_range, ridge_regression, solve_theta)
from fusionzoo.weights import BandMismatchError

try:  # imported here, at collection, so that no test pays scikit-learn's import time
    import sklearn.ensemble  # noqa: F401
    import sklearn.svm  # noqa: F401
    HAVE_SKLEARN = True
except ImportError:
    HAVE_SKLEARN = False


def make_problem(seed: int = 0, n_train: int = 25, n_test: int = 100, n_pool: int = 60, classes: int = 4,
                 hs: int = 20, ms: int = 8, latent: int = 5):
    """Two modalities generated from one latent class structure: ``hs`` (20 bands, a clean linear view of the
    latent vector) and ``ms`` (8 bands: 4 noisy linear views of it + 4 bands of class-independent noise), the
    test modality.  Returns (train dict, y, test dict, y, pool dict, y) with ``n_*`` pixels per class."""
    rng = np.random.default_rng(seed)
    means = 2.0 * rng.standard_normal((classes, latent))
    a_hs, a_ms = rng.standard_normal((hs, latent)), rng.standard_normal((4, latent))

    def draw(n):
        y = np.repeat(np.arange(classes), n)
        s = means[y] + 0.7 * rng.standard_normal((y.size, latent))
        x_hs = s @ a_hs.T + 0.05 * rng.standard_normal((y.size, hs)) + 5.0
        x_ms = np.concatenate([s @ a_ms.T + 0.5 * rng.standard_normal((y.size, 4)),
                               3.0 * rng.standard_normal((y.size, ms - 4))], axis=1) + 5.0
        return {"hs": x_hs, "ms": x_ms}, y

    return (*draw(n_train), *draw(n_test), *draw(n_pool))


def nn_oa(train, y, test, y_test) -> float:
    """OA of 1-NN (Euclidean) on min-max scaled pixels (the scaling from the training pixels)."""
    low, span = minmax_range(train)
    a, b = (train - low) / span, (test - low) / span
    d = ((b[:, None, :] - a[None]) ** 2).sum(-1)
    return float((y[d.argmin(1)] == y_test).mean())


def mean_gain(fit, seeds=(0, 1, 2)) -> float:
    """Mean over ``seeds`` of (OA of ``fit(train, y, pool)`` tested on the MS) - (OA of 1-NN on the MS alone)."""
    gains = []
    for seed in seeds:
        tr, ytr, te, yte, pool, _ = make_problem(seed)
        gains.append(oa(fit(tr, ytr, pool), te, yte) - nn_oa(tr["ms"], ytr, te["ms"], yte))
    return float(np.mean(gains))


def oa(model, test: dict, y_test, modality: str = "ms") -> float:
    with torch.no_grad():
        return float((model(**{modality: torch.from_numpy(test[modality]).float()}).argmax(1).numpy()
                      == y_test).mean())


# --- graphs ---------------------------------------------------------------------------------------------------
def _dense_label_graph(labels, relation, blocks=None):
    same = (labels[:, None] == labels[None]) & (labels[:, None] >= 0) & (labels[None] >= 0)
    if relation == "same":
        return same.astype(float)
    if relation == "different":
        return ((labels[:, None] != labels[None]) & (labels[:, None] >= 0) & (labels[None] >= 0)).astype(float)
    return (same & (blocks[:, None] != blocks[None])).astype(float)


@pytest.mark.parametrize("relation", ["same", "different", "cross_same"])
def test_label_graph_products_equal_the_dense_graph(relation):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((30, 6))
    labels = rng.integers(-1, 3, 30)
    blocks = np.repeat([0, 1], 15)
    xwx, xdx, total = label_graph_products(x, labels, relation, blocks)
    w = _dense_label_graph(labels, relation, blocks)
    assert np.allclose(xwx, x.T @ w @ x) and np.allclose(xdx, x.T @ np.diag(w.sum(1)) @ x)
    assert total == pytest.approx(w.sum())
    assert np.allclose(graph_products(x, w)[0], xwx)


def test_knn_graph_links_each_sample_to_its_k_nearest():
    x = np.array([[0.0], [1.0], [3.0], [7.0], [7.5]])
    w = knn_graph(x, 1).toarray()
    # nearest of 0 is 1, of 1 is 0, of 3 is 1, of 7 is 7.5, of 7.5 is 7; symmetrised by the maximum
    expected = np.zeros((5, 5))
    for i, j in [(0, 1), (1, 0), (2, 1), (3, 4), (4, 3)]:
        expected[i, j] = expected[j, i] = 1.0
    assert np.array_equal(w, expected)
    heat = knn_graph(x, 1, t=1.0).toarray()
    assert heat[2, 1] == pytest.approx(np.exp(-4.0 / 2.0)) and np.allclose(heat, heat.T) and not heat.diagonal().any()


def test_block_inputs_put_each_modality_in_its_columns():
    out = block_inputs([np.ones((2, 3)), 2 * np.ones((1, 2))], [3, 2], [0, 1])
    assert np.array_equal(out, [[1, 1, 1, 0, 0], [1, 1, 1, 0, 0], [0, 0, 0, 2, 2]])


# --- solvers --------------------------------------------------------------------------------------------------
def test_lpp_solves_its_generalised_eigenproblem():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((40, 7))
    labels = rng.integers(0, 3, 40)
    xwx, xdx, _ = label_graph_products(x, labels, "same")
    a, lam = lpp(xwx, xdx, 3)
    assert np.allclose(xwx @ a, xdx @ a * lam, atol=1e-9)
    assert np.allclose(np.linalg.norm(a, axis=0), 1.0)
    ref = eigh(xwx, xdx, eigvals_only=True)[::-1][:3]  # the largest generalised eigenvalues
    assert np.allclose(lam, ref)


def test_lpp_handles_a_singular_degree_product():
    """Block inputs with fewer samples than dimensions: X D X^T is singular; LPP works in its range."""
    rng = np.random.default_rng(3)
    rows = block_inputs([rng.standard_normal((4, 6)), rng.standard_normal((4, 5))], [6, 5], [0, 1])
    labels = np.tile([0, 0, 1, 1], 2)
    xwx, xdx, _ = label_graph_products(rows, labels, "same")
    a, lam = lpp(xwx, xdx, 4)
    assert a.shape == (11, 4) and np.allclose(xwx @ a, xdx @ a * lam, atol=1e-8)


def _theta_objective(t, p, theta, x, xlx, beta):
    return 0.5 * ((t - p @ theta @ x) ** 2).sum() + 0.5 * beta * np.trace(theta @ xlx @ theta.T)


def test_solve_theta_returns_orthonormal_rows_that_lower_the_objective():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((12, 60))
    t = np.eye(3)[rng.integers(0, 3, 60)].T
    p = rng.standard_normal((3, 5))
    xlx = x @ x.T / 60
    theta = solve_theta(t, p, x, xlx, beta=0.1)
    assert theta.shape == (5, 12)
    assert np.abs(theta @ theta.T - np.eye(5)).max() < 1e-6
    random_orth = [np.linalg.qr(rng.standard_normal((12, 5)))[0].T for _ in range(20)]
    best_random = min(_theta_objective(t, p, r, x, xlx, 0.1) for r in random_orth)
    assert _theta_objective(t, p, theta, x, xlx, 0.1) < best_random


def test_ridge_regression_zeroes_the_gradient():
    rng = np.random.default_rng(5)
    z, t = rng.standard_normal((6, 50)), rng.standard_normal((3, 50))
    p = ridge_regression(t, z, 0.5)
    assert np.allclose((p @ z - t) @ z.T + 0.5 * p, 0.0, atol=1e-10)


def test_l1_regression_is_sparse_and_near_the_lasso_optimum():
    """The ADMM with a fast-growing penalty (the authors' schedule) stops near, not at, the optimum: compare
    its objective with a long proximal-gradient (ISTA) run on the same problem."""
    rng = np.random.default_rng(5)
    z, t = rng.standard_normal((6, 50)), rng.standard_normal((3, 50))
    alpha = 5.0

    def objective(p):
        return 0.5 * ((t - p @ z) ** 2).sum() + alpha * np.abs(p).sum()

    q = l1_regression(t, z, alpha)
    step = 1.0 / np.linalg.eigvalsh(z @ z.T).max()
    ref = np.zeros_like(q)
    for _ in range(5000):
        ref = np.sign(g := ref - step * (ref @ z - t) @ z.T) * np.maximum(np.abs(g) - step * alpha, 0.0)
    assert (q == 0).any() and (q != 0).any()
    assert np.array_equal(q == 0, ref == 0)
    assert objective(ref) <= objective(q) <= objective(ref) * 1.01


def test_class_centres_count_and_membership():
    rng = np.random.default_rng(6)
    y = np.repeat([0, 1, 2], [30, 5, 12])
    x = rng.standard_normal((y.size, 4)) + y[:, None] * 10.0
    centres, labels = class_centres(x, y, 10, seed=0)
    assert np.array_equal(np.bincount(labels), [10, 5, 10])  # a class of <= 10 samples keeps them
    assert np.allclose(np.sort(centres[labels == 1], axis=0), np.sort(x[y == 1], axis=0))
    for c in range(3):  # each centre is a mean of its own class's samples
        lo, hi = x[y == c].min(0), x[y == c].max(0)
        assert np.all((centres[labels == c] >= lo - 1e-12) & (centres[labels == c] <= hi + 1e-12))
    everything, same = class_centres(x, y, None)
    assert everything.shape == x.shape and np.array_equal(np.bincount(same), [30, 5, 12])


def test_kmeans_finds_separated_clusters_in_both_metrics():
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.normal(0, 0.1, (20, 2)) + [5, 0], rng.normal(0, 0.1, (20, 2)) + [0, 5]])
    for metric in ("euclidean", "cosine"):
        idx = kmeans(x, 2, metric=metric, seed=1)
        assert len(set(idx[:20])) == 1 and len(set(idx[20:])) == 1 and idx[0] != idx[20]
    # cosine clusters by direction: the same directions at different lengths stay together
    idx = kmeans(np.concatenate([x, 3 * x]), 2, metric="cosine", seed=1)
    assert np.array_equal(idx[:40], idx[40:])


# --- the fitted model: contract, errors, round trip ---------------------------------------------------------
@pytest.fixture(scope="module")
def problem():
    return make_problem(0)


def _ma(**kw):
    return ManifoldAlignment(num_classes=4, in_channels=(20, 8), dim=4, **kw)


@pytest.mark.parametrize("classifier", ["1nn", "svm", "rf"])
def test_fitted_state_round_trips_through_safetensors(problem, classifier, tmp_path):
    if classifier != "1nn" and not HAVE_SKLEARN:
        pytest.skip("the SVM and forest classifiers are fitted with scikit-learn, which is not installed")
    tr, ytr, te, _, _, _ = problem
    model = _ma(classifier=classifier, rf_trees=20).fit(tr, ytr)
    path = tmp_path / "w.safetensors"
    save_file(model.state_dict(), str(path))
    fresh = _ma(classifier=classifier, rf_trees=20)
    assert not fresh.is_fitted
    fresh.load_state_dict(load_file(str(path)))
    x = torch.from_numpy(te["ms"]).float()
    with torch.no_grad():
        a, b = model(ms=x), fresh(ms=x)
    assert a.shape == (x.shape[0], 4) and a.dtype == torch.float32
    assert torch.equal(a, b)


def test_one_nn_scores_are_minus_the_distance_to_the_nearest_training_feature(problem):
    tr, ytr, te, _, _, _ = problem
    model = _ma().fit(tr, ytr)
    x = torch.from_numpy(te["ms"][:5])
    z = model.features({"ms": x})
    d = torch.cdist(z, model.train_features)
    for k in range(4):
        assert torch.allclose(model(ms=x.float()).double()[:, k],
                              -d[:, model.train_labels == k].min(1).values.float().double(), atol=1e-5)


def test_clear_errors(problem):
    tr, ytr, te, _, _, _ = problem
    x = torch.from_numpy(te["ms"]).float()
    with pytest.raises(NotFittedError, match="not fitted"):
        _ma()(ms=x)
    model = _ma().fit(tr, ytr)
    with pytest.raises(TypeError, match="hs is not an input at test time"):
        model(ms=x, hs=torch.zeros(3, 20))
    with pytest.raises(BandMismatchError, match="expects 8 ms channels"):
        model(ms=torch.zeros(3, 5))
    with pytest.raises(ValueError, match="lacks hs"):
        _ma().fit({"ms": tr["ms"]}, ytr)
    with pytest.raises(ValueError, match=r"must be \(N, 20\)"):
        _ma().fit({"hs": tr["hs"][:, :5], "ms": tr["ms"]}, ytr)
    with pytest.raises(ValueError, match="labels for 100 training pixels"):
        _ma().fit(tr, ytr[:10])
    with pytest.raises(ValueError, match="class indices 0..3"):
        _ma().fit(tr, ytr + 1)
    with pytest.raises(ValueError, match="different pixel counts"):
        _ma().fit({"hs": tr["hs"], "ms": tr["ms"][:50]}, ytr)
    with pytest.raises(ValueError, match="exceeds the 28 channels"):
        ManifoldAlignment(num_classes=4, in_channels=(20, 8), dim=40)
    with pytest.raises(ValueError, match="classifier must be one of"):
        _ma(classifier="knn")
    with pytest.raises(ValueError, match="setting must be"):
        _ma(setting="transductive")
    with pytest.raises(ValueError, match="non-empty subset"):
        ManifoldAlignment(num_classes=4, in_channels=(20, 8), test_modalities=("lidar",))


def test_settings_differ_only_in_the_normalisations(problem):
    """Leak-free: scalings from the training pixels; paper: from the training pixels and the pool."""
    tr, ytr, _, _, pool, _ = problem
    big = {"ms": pool["ms"] * 3.0}
    free = _ma().fit(tr, ytr, big)
    paper = _ma(setting="paper").fit(tr, ytr, big)
    assert torch.allclose(free.input_low_ms, torch.from_numpy(tr["ms"].min(0)))
    both = np.concatenate([tr["ms"], big["ms"]])
    assert torch.allclose(paper.input_low_ms, torch.from_numpy(both.min(0)))
    assert torch.allclose(paper.input_range_ms, torch.from_numpy(both.max(0) - both.min(0)))
