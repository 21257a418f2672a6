"""CoSpace: common subspace learning from hyperspectral-multispectral correspondences (Hong et al.).

D. Hong, N. Yokoya, J. Chanussot, X. X. Zhu, "CoSpace: Common Subspace Learning From Hyperspectral-Multispectral
Correspondences", IEEE TGRS 57(7):4349-4359, 2019, DOI 10.1109/TGRS.2019.2890917 (arXiv 1812.11501).

Trained with two (or more) modalities on the same pixels, used with one: every modality m gets a linear
projection ``Theta_m`` (d, C_m) into one d-dimensional subspace, learned jointly with a label regression P
(K, d).  With block inputs ``X = [[X_HS, 0], [0, X_MS]]`` (D, 2n) and ``Theta = [Theta_HS, Theta_MS]`` (d, D)::

    min  1/2 ||[Y, Y] - P Theta X||_F^2 + alpha/2 ||P||_F^2 + beta/2 tr(Theta X L X^T Theta^T)
    s.t. Theta Theta^T = I

(``cospace_l1``: ``alpha ||P||_1`` instead of the ridge), L the Laplacian of a label graph over the 2n
samples (1 where two samples, of either modality, share a label; scaled to mean degree 1).  Training runs on
k-means centres (10 per class); the projections are initialised by LPP on that graph; then P (ridge, or ADMM
soft-thresholding for l1) and Theta (ADMM on the orthogonality constraint) alternate until the relative change
of the objective is below 1e-4.  Test: the test modality's pixels are projected by ``Theta_MS`` and classified
(1-NN by default) against the projected training pixels.  No parameters: everything is buffers.
See ``model_cards/cospace.md`` for what is the paper's, the authors' code's and ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...builder import build_model
from ...registry import ArchConfig, register_model
from ..classification.weights_records import available_weights
from .subspace import (Learned, SubspaceCrossmodalModel, block_inputs, class_centres, graph_products,
                       knn_graph, l1_regression, label_graph_products, lpp, one_hot, ridge_regression,
                       solve_theta)

__all__ = ["CoSpace", "cospace_l2", "cospace_l1", "cospace_objective"]


def cospace_objective(t: np.ndarray, p: np.ndarray, theta: np.ndarray, x: np.ndarray, xlx: np.ndarray,
                      alpha: float, beta: float, regression: str = "l2") -> float:
    """``1/2 ||T - P Theta X||^2 + alpha/2 ||P||^2 (l2) or alpha ||P||_1 (l1) + beta/2 tr(Theta XLX^T Theta^T)``
    (samples as columns)."""
    reg = 0.5 * alpha * float((p ** 2).sum()) if regression == "l2" else alpha * float(np.abs(p).sum())
    return (0.5 * float(((t - p @ theta @ x) ** 2).sum()) + reg
            + 0.5 * beta * float(np.trace(theta @ xlx @ theta.T)))


class CoSpace(SubspaceCrossmodalModel):
    """CoSpace (``regression="l2"``: CoSpace's demo; ``"l1"``: the CoSpace-l1 of S2FL's demo).

    ``alpha``, ``beta``: the weights of the regression penalty and of the graph term; ``graph``: ``"label"``
    (CoSpace's demo: label agreement between all samples) or ``"knn_label"`` (S2FL's demo: within a modality a
    kNN heat-kernel graph with ``knn`` neighbours and ``t=1``, across modalities label agreement);
    ``kmeans_metric``: of the centres (``"cosine"``, as CoSpace's ``Create_Cluster_Center``); ``max_iter`` /
    ``tol``: the outer alternation (relative objective change); ``inner_max_iter`` / ``inner_tol``: the ADMM
    of Theta (and of P for l1).  Other arguments: :class:`~.subspace.SubspaceCrossmodalModel`.
    """

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("hs", "ms"),
                 in_channels: Sequence[int] = (144, 8), test_modalities: Sequence[str] = ("ms",), dim: int = 30,
                 alpha: float = 0.01, beta: float = 0.01, regression: str = "l2", classifier: str = "1nn",
                 centres_per_class: int | None = 10, setting: str = "leak_free", max_iter: int = 1000,
                 tol: float = 1e-4, inner_max_iter: int = 1000, inner_tol: float = 1e-6, graph: str = "label",
                 knn: int = 10, kmeans_metric: str = "cosine", input_scaling: str = "minmax", **kwargs: Any) -> None:
        super().__init__(num_classes, modalities, in_channels, test_modalities, dim=dim, classifier=classifier,
                         centres_per_class=centres_per_class, setting=setting, input_scaling=input_scaling,
                         **kwargs)
        if regression not in ("l2", "l1"):
            raise ValueError(f"regression must be 'l2' (ridge P) or 'l1' (sparse P), got {regression!r}")
        if graph not in ("label", "knn_label"):
            raise ValueError(f"graph must be 'label' (CoSpace) or 'knn_label' (S2FL's), got {graph!r}")
        if not (alpha >= 0 and beta >= 0):
            raise ValueError(f"alpha and beta must be >= 0, got {alpha}, {beta}")
        self.alpha, self.beta, self.regression, self.graph = float(alpha), float(beta), regression, graph
        self.max_iter, self.tol = int(max_iter), float(tol)
        self.inner_max_iter, self.inner_tol = int(inner_max_iter), float(inner_tol)
        self.knn, self.kmeans_metric = int(knn), kmeans_metric

    def _learn(self, xs: dict[str, np.ndarray], y: np.ndarray, pool: dict[str, np.ndarray], seed: int) -> Learned:
        mods = self.modalities
        chans = [self.in_channels[m] for m in mods]
        stacked, labels = class_centres(np.concatenate([xs[m] for m in mods], axis=1), y, self.centres_per_class,
                                        metric=self.kmeans_metric, seed=seed)
        parts = np.split(stacked, np.cumsum(chans)[:-1], axis=1)
        rows = block_inputs(parts, chans, range(len(mods)))  # (M n, D): modality blocks one after the other
        lab = np.tile(labels, len(mods))
        blocks = np.repeat(np.arange(len(mods)), labels.size)
        xwx, xdx, total = self._graph(rows, lab, blocks)
        scale = rows.shape[0] / total  # the authors' W <- 2N W / sum(W)
        xlx = scale * (xdx - xwx)
        x = rows.T
        t = one_hot(lab, self.num_classes).T
        a, _ = lpp(xwx, xdx, self.dim)
        z = a.T @ x
        theta, history = self._alternate(t, x, xlx, z)
        offsets = np.concatenate([[0], np.cumsum(chans)])
        projections = {m: theta[:, offsets[i]:offsets[i + 1]] for i, m in enumerate(mods)}
        return Learned(projections, history=history, info={"theta": theta, "samples": labels.size})

    def _graph(self, rows: np.ndarray, lab: np.ndarray, blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        if self.graph == "label":
            return label_graph_products(rows, lab, "same")
        xwx, xdx, total = label_graph_products(rows, lab, "cross_same", blocks)
        for b in np.unique(blocks):
            sel = blocks == b
            kw, kd, kt = graph_products(rows[sel], knn_graph(rows[sel], self.knn, t=1.0))
            xwx, xdx, total = xwx + kw, xdx + kd, total + kt
        return xwx, xdx, total

    def _alternate(self, t: np.ndarray, x: np.ndarray, xlx: np.ndarray, z: np.ndarray
                   ) -> tuple[np.ndarray, list[float]]:
        """P and Theta in turn, until the relative change of the objective is below ``tol``."""
        history: list[float] = []
        theta = None
        for _ in range(self.max_iter):
            if self.regression == "l2":
                p = ridge_regression(t, z, self.alpha)
            else:
                p = l1_regression(t, z, self.alpha, tol=self.inner_tol, max_iter=self.inner_max_iter)
            theta = solve_theta(t, p, x, xlx, self.beta, tol=self.inner_tol, max_iter=self.inner_max_iter)
            z = theta @ x
            history.append(cospace_objective(t, p, theta, x, xlx, self.alpha, self.beta, self.regression))
            if len(history) > 1 and abs(history[-1] - history[-2]) < self.tol * abs(history[-2]):
                break
        return theta, history


# --- configs --------------------------------------------------------------------------------------------------
_PAPER = ("D. Hong, N. Yokoya, J. Chanussot, X. X. Zhu, 'CoSpace: Common Subspace Learning From "
          "Hyperspectral-Multispectral Correspondences', IEEE TGRS 57(7):4349-4359, 2019")
default_cfgs = {
    "cospace_l2": ArchConfig(
        task="crossmodal",
        inputs=("ms",),
        paper=_PAPER,
        summary="CoSpace: HS-MS common subspace (orthogonal projections by ADMM, ridge label regression, label-graph "
                "manifold term, LPP start) learned on k-means centres of both modalities, MS-only at test time, "
                "1-NN on the projected MS; fitted on training pixels, stored as buffers",
        url="https://doi.org/10.1109/TGRS.2019.2890917",
        card="cospace.md",
        weights=available_weights("cospace_l2", ("houston2013", "houston2018crop"), task="crossmodal"),
    ),
    "cospace_l1": ArchConfig(
        task="crossmodal",
        inputs=("ms",),
        paper=_PAPER + "; the l1 variant as in D. Hong et al., 'Multimodal remote sensing benchmark datasets for "
                       "land cover classification with a shared and specific feature learning model' (S2FL), "
                       "ISPRS JPRS 178:68-80, 2021",
        summary="CoSpace-l1: CoSpace with a sparse (l1) label regression solved by ADMM soft-thresholding, "
                "alpha = beta = 0.1; MS-only at test time, 1-NN on the projected MS",
        url="https://doi.org/10.1109/TGRS.2019.2890917",
        card="cospace.md",
        weights=available_weights("cospace_l1", ("houston2013", "houston2018crop"), task="crossmodal"),
    ),
}


# --- entry points ---------------------------------------------------------------------------------------------
@register_model
def cospace_l2(pretrained: bool = False, **kwargs) -> CoSpace:
    """CoSpace (Hong et al., TGRS 2019), ridge regression, alpha = beta = 0.01; call ``fit`` on training pixels."""
    kwargs.setdefault("regression", "l2")
    return build_model(CoSpace, "cospace_l2", pretrained, **kwargs)


@register_model
def cospace_l1(pretrained: bool = False, **kwargs) -> CoSpace:
    """CoSpace-l1 (sparse regression, alpha = beta = 0.1, as in S2FL's demo); call ``fit`` on training pixels."""
    kwargs.setdefault("regression", "l1")
    kwargs.setdefault("alpha", 0.1)
    kwargs.setdefault("beta", 0.1)
    return build_model(CoSpace, "cospace_l1", pretrained, **kwargs)
