"""LeCMR: learning a shared cross-modality representation (Hong et al.), as a latent-subspace model.

D. Hong, J. Chanussot, N. Yokoya, J. Kang, X. X. Zhu, "Learning-Shared Cross-Modality Representation Using
Multispectral-LiDAR and Hyperspectral Data", IEEE GRSL 17(8):1470-1474, 2020, IEEE document 8976086 (arXiv
1912.08837).

What is public of the paper here is its abstract: a feature space shared by the modalities is learned in
training so that out-of-sample pixels of *any* modality are projected into it directly, and that shared space
is a *latent subspace that connects the original multimodal samples with the label information*.  The authors'
code is not public.  This file is our reading of that description, written as a model (see
``model_cards/lecmr.md``): each training pixel has one latent code z_i shared by its modalities; every modality
is projected onto the codes by the orthogonal block projection ``Theta = [Theta_1, ..., Theta_M]`` (block inputs
as CoSpace) and the codes regress the labels::

    min  1/2 ||Y - P Z||_F^2 + lambda/2 sum_m ||Z - Theta X_m||_F^2 + alpha/2 ||P||_F^2
    s.t. Theta Theta^T = I

solved by alternation: P (ridge), Z (closed form), Theta (the orthogonality-constrained ADMM of CoSpace with
``P = I``), from an LPP start on the label graph, until the relative change of the objective is below ``tol``.
Test: the test modality's pixels projected by ``Theta_m`` and classified (1-NN by default) against its projected
training pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...builder import build_model
from ...registry import ArchConfig, register_model
from ..classification.weights_records import available_weights
from .subspace import (Learned, SubspaceCrossmodalModel, block_inputs, class_centres, label_graph_products, lpp,
                       one_hot, orthonormal_rows, ridge_regression, solve_theta)

__all__ = ["LeCMR", "lecmr", "lecmr_objective"]


def lecmr_objective(t: np.ndarray, p: np.ndarray, z: np.ndarray, theta: np.ndarray, xm: Sequence[np.ndarray],
                    alpha: float, lam: float) -> float:
    """``1/2 ||T - P Z||^2 + lambda/2 sum_m ||Z - Theta X_m||^2 + alpha/2 ||P||^2`` (samples as columns)."""
    return (0.5 * float(((t - p @ z) ** 2).sum()) + 0.5 * lam * sum(float(((z - theta @ x) ** 2).sum()) for x in xm)
            + 0.5 * alpha * float((p ** 2).sum()))


class LeCMR(SubspaceCrossmodalModel):
    """LeCMR as a latent shared-code model (our reading of the paper; see the module docstring).

    ``alpha``: the ridge on the label regression P (0.01, as CoSpace); ``lam``: the weight tying each modality's
    projection to the shared codes (1); ``max_iter`` / ``tol``: the alternation; ``inner_max_iter`` /
    ``inner_tol``: the ADMM of Theta.  ``centres_per_class`` defaults to None (every labelled pixel: the model has
    no n x n graph).  Other arguments: :class:`~.subspace.SubspaceCrossmodalModel`.
    """

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("hs", "ms"),
                 in_channels: Sequence[int] = (144, 8), test_modalities: Sequence[str] = ("ms",), dim: int = 30,
                 alpha: float = 0.01, lam: float = 1.0, classifier: str = "1nn", centres_per_class: int | None = None,
                 setting: str = "leak_free", max_iter: int = 1000, tol: float = 1e-4, inner_max_iter: int = 1000,
                 inner_tol: float = 1e-6, input_scaling: str = "minmax", **kwargs: Any) -> None:
        super().__init__(num_classes, modalities, in_channels, test_modalities, dim=dim, classifier=classifier,
                         centres_per_class=centres_per_class, setting=setting, input_scaling=input_scaling,
                         **kwargs)
        if not (alpha >= 0 and lam > 0):
            raise ValueError(f"alpha must be >= 0 and lam > 0, got {alpha}, {lam}")
        self.alpha, self.lam = float(alpha), float(lam)
        self.max_iter, self.tol = int(max_iter), float(tol)
        self.inner_max_iter, self.inner_tol = int(inner_max_iter), float(inner_tol)

    def _learn(self, xs: dict[str, np.ndarray], y: np.ndarray, pool: dict[str, np.ndarray], seed: int) -> Learned:
        mods = self.modalities
        chans = [self.in_channels[m] for m in mods]
        stacked, labels = class_centres(np.concatenate([xs[m] for m in mods], axis=1), y, self.centres_per_class,
                                        seed=seed)
        parts = np.split(stacked, np.cumsum(chans)[:-1], axis=1)
        n, n_m = labels.size, len(mods)
        xm = [block_inputs([p], chans, [i]).T for i, p in enumerate(parts)]  # each (D, n)
        x_all = np.concatenate(xm, axis=1)
        t = one_hot(labels, self.num_classes).T
        xwx, xdx, _ = label_graph_products(x_all.T, np.tile(labels, n_m), "same")
        a, _ = lpp(xwx, xdx, self.dim)
        theta = orthonormal_rows(a.T)
        z = sum(theta @ x for x in xm) / n_m
        eye = np.eye(self.dim)
        history: list[float] = []
        for _ in range(self.max_iter):
            p = ridge_regression(t, z, self.alpha)
            z = np.linalg.solve(p.T @ p + self.lam * n_m * eye, p.T @ t + self.lam * sum(theta @ x for x in xm))
            theta = solve_theta(np.tile(z, (1, n_m)), eye, x_all, tol=self.inner_tol, max_iter=self.inner_max_iter)
            history.append(lecmr_objective(t, p, z, theta, xm, self.alpha, self.lam))
            if len(history) > 1 and abs(history[-1] - history[-2]) < self.tol * abs(history[-2]):
                break
        offsets = np.concatenate([[0], np.cumsum(chans)])
        projections = {m: theta[:, offsets[i]:offsets[i + 1]] for i, m in enumerate(mods)}
        return Learned(projections, history=history, info={"theta": theta, "codes": z, "samples": n})


# --- configs --------------------------------------------------------------------------------------------------
default_cfgs = {
    "lecmr": ArchConfig(
        task="crossmodal",
        inputs=("ms",),
        paper="D. Hong, J. Chanussot, N. Yokoya, J. Kang, X. X. Zhu, 'Learning-Shared Cross-Modality "
              "Representation Using Multispectral-LiDAR and Hyperspectral Data', IEEE GRSL 17(8):1470-1474, 2020",
        summary="LeCMR (our latent-code reading of the paper's abstract; no public code): one latent code per "
                "training pixel shared by its modalities, tied to each modality by an orthogonal block projection "
                "and regressing the labels; one modality at test time, 1-NN on its projection",
        url="https://ieeexplore.ieee.org/document/8976086",
        card="lecmr.md",
        weights=available_weights("lecmr", ("houston2013", "houston2018crop"), task="crossmodal"),
    ),
}


# --- entry points ---------------------------------------------------------------------------------------------
@register_model
def lecmr(pretrained: bool = False, **kwargs) -> LeCMR:
    """LeCMR (Hong et al., GRSL 2020), our latent shared-code model; call ``fit`` on training pixels."""
    return build_model(LeCMR, "lecmr", pretrained, **kwargs)
