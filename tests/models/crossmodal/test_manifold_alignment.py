"""Manifold alignment: trained on HS + MS (and an unlabelled pool), tested on MS, it beats 1-NN on the MS alone on
a synthetic problem; its projections solve the generalised eigenproblem; the graphs' construction; the entry
point; a safetensors round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from fusionzoo.models.crossmodal.manifold_alignment import ManifoldAlignment, alignment_matrices, manifold_alignment
from fusionzoo.models.crossmodal.subspace import block_inputs
from tests.models.crossmodal.test_subspace import make_problem, mean_gain

KW = dict(num_classes=4, in_channels=(20, 8), dim=4)


@pytest.fixture(scope="module")
def problem():
    return make_problem(0)


@pytest.mark.parametrize("with_pool", [False, True])
def test_crossmodal_beats_the_test_modality_alone(with_pool):
    """Mean over three draws: manifold alignment on HS + MS (+ an unlabelled MS pool), tested on MS, against
    1-NN on the MS alone."""
    assert mean_gain(lambda tr, y, pool: ManifoldAlignment(**KW).fit(tr, y, {"ms": pool["ms"]} if with_pool
                                                                   else None)) > 0.03


def test_the_pool_joins_the_geometry(problem):
    tr, ytr, _, _, pool, _ = problem
    assert ManifoldAlignment(**KW).fit(tr, ytr).info_["samples"] == 2 * ytr.size
    with_pool = ManifoldAlignment(**KW).fit(tr, ytr, {"ms": pool["ms"]})
    assert with_pool.info_["samples"] == 2 * ytr.size + pool["ms"].shape[0]
    reduced = ManifoldAlignment(**KW, max_unlabelled=30).fit(tr, ytr, {"ms": pool["ms"], "hs": pool["hs"]})
    assert reduced.info_["samples"] == 2 * ytr.size + 2 * 30


def test_projections_solve_the_generalised_eigenproblem(problem):
    tr, ytr = problem[:2]
    model = ManifoldAlignment(**KW).fit(tr, ytr)
    a, b = model.info_["a"], model.info_["b"]
    v = np.concatenate([model.projection("hs").numpy(), model.projection("ms").numpy()], axis=1).T  # (D, d)
    lam = model.info_["eigenvalues"]
    assert np.allclose(a @ v, b @ v * lam, atol=1e-8 * np.abs(a).max())
    # the d smallest: no other generalised eigenvalue of (A, B) lies below the largest kept
    others = np.linalg.eigvals(np.linalg.solve(b, a)).real
    assert np.sum(others < lam.max() * (1 - 1e-9)) == len(lam) - 1


def test_alignment_matrices_on_a_tiny_case():
    """Two modalities, two labelled samples each (classes 0 and 1): with mu = 1 the left matrix is the
    same-label Laplacian only, scaled to the geometry graph's total."""
    x1, x2 = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[2.0], [3.0]])
    rows = block_inputs([x1, x2], [2, 1], [0, 1])
    labels, blocks = np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1])
    a, b = alignment_matrices(rows, labels, blocks, mu=1.0, knn=1)
    w_same = (labels[:, None] == labels[None]).astype(float)
    w_diff = 1.0 - w_same
    geo_total = 4.0  # each modality: two samples linked both ways
    lap = lambda w: np.diag(w.sum(1)) - w  # noqa: E731
    assert np.allclose(a, rows.T @ lap(w_same * geo_total / w_same.sum()) @ rows)
    assert np.allclose(b, rows.T @ lap(w_diff * geo_total / w_diff.sum()) @ rows)


def test_entry_point_defaults_and_errors():
    m = manifold_alignment()
    assert (m.dim, m.mu, m.knn, m.classifier, m.centres_per_class, m.setting) == (30, 0.5, 9, "1nn", None,
                                                                                   "leak_free")
    with pytest.raises(ValueError, match="mu must be in"):
        ManifoldAlignment(**KW, mu=2.0)


def test_round_trip(problem, tmp_path):
    tr, ytr, te = problem[:3]
    model = ManifoldAlignment(**KW).fit(tr, ytr)
    save_file(model.state_dict(), str(tmp_path / "m.safetensors"))
    fresh = ManifoldAlignment(**KW)
    fresh.load_state_dict(load_file(str(tmp_path / "m.safetensors")))
    x = torch.from_numpy(te["ms"]).float()
    assert torch.equal(fresh(ms=x), model(ms=x))
