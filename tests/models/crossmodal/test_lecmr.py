"""LeCMR (our latent shared-code model): trained on HS + MS, tested on MS, it beats 1-NN on the MS alone on a
synthetic problem; the objective decreases monotonically (every block step is a minimiser); Theta orthonormal;
the codes are the closed-form minimiser given P and Theta; the entry point; a safetensors round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from fusionzoo.models.crossmodal.lecmr import LeCMR, lecmr
from tests.models.crossmodal.test_subspace import make_problem, mean_gain

KW = dict(num_classes=4, in_channels=(20, 8), dim=6, max_iter=40)


@pytest.fixture(scope="module")
def problem():
    return make_problem(0)


@pytest.fixture(scope="module")
def fitted(problem):
    tr, ytr = problem[:2]
    return LeCMR(**KW).fit(tr, ytr)


def test_crossmodal_beats_the_test_modality_alone():
    """Mean over three draws: LeCMR on HS + MS, tested on MS, against 1-NN on the MS alone."""
    assert mean_gain(lambda tr, y, pool: LeCMR(**KW).fit(tr, y)) > 0.03


def test_objective_decreases_and_theta_is_orthonormal(fitted):
    h = np.asarray(fitted.history_)
    assert h.size > 5 and np.all(np.diff(h) < 1e-9 * h[:-1]) and h[-1] < 0.5 * h[0]
    theta = fitted.info_["theta"]
    assert np.abs(theta @ theta.T - np.eye(6)).max() < 1e-6


def test_the_shared_codes_tie_both_modalities(problem, fitted):
    """The codes Z are close to both modalities' projections of the same pixels (the shared representation):
    closer than the projections of other pixels."""
    tr, ytr = problem[:2]
    z = fitted.info_["codes"]  # (d, n), samples sorted by class (stable)
    order = np.argsort(ytr, kind="stable")
    low = {m: getattr(fitted, f"input_low_{m}").numpy() for m in ("hs", "ms")}
    span = {m: getattr(fitted, f"input_range_{m}").numpy() for m in ("hs", "ms")}
    for m in ("hs", "ms"):
        proj = ((tr[m][order] - low[m]) / span[m]) @ fitted.projection(m).numpy().T  # (n, d)
        own = np.linalg.norm(proj - z.T, axis=1).mean()
        shuffled = np.linalg.norm(proj[::-1] - z.T, axis=1).mean()
        assert own < 0.5 * shuffled


def test_entry_point_defaults():
    m = lecmr()
    assert (m.dim, m.alpha, m.lam, m.classifier, m.centres_per_class, m.setting, m.max_iter, m.tol) == \
        (30, 0.01, 1.0, "1nn", None, "leak_free", 1000, 1e-4)
    with pytest.raises(ValueError, match="lam > 0"):
        LeCMR(**KW, lam=0.0)


def test_round_trip(problem, fitted, tmp_path):
    te = problem[2]
    save_file(fitted.state_dict(), str(tmp_path / "r.safetensors"))
    fresh = LeCMR(**KW)
    fresh.load_state_dict(load_file(str(tmp_path / "r.safetensors")))
    x = torch.from_numpy(te["ms"]).float()
    assert torch.equal(fresh(ms=x), fitted(ms=x))
