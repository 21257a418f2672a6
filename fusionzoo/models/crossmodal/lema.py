"""LeMA: learnable manifold alignment, semi-supervised crossmodal learning (Hong et al.).

D. Hong, N. Yokoya, N. Ge, J. Chanussot, X. X. Zhu, "Learnable manifold alignment (LeMA): A semi-supervised
cross-modality learning framework for land cover and land use classification", ISPRS JPRS 147:193-205, 2019,
DOI 10.1016/j.isprsjprs.2018.10.006 (arXiv 1901.02838, open access PMC6360532).

CoSpace's model (orthogonal projections Theta, ridge label regression P) with a graph that is *learned*: the
labelled HS and MS samples (10 k-means centres per class) are joined by unlabelled MS samples (200 centres per
pseudo-class of an unlabelled pool, the pseudo-labels from a forest trained on the labelled MS); with block
inputs ``X_l = [[X_HS, 0], [0, X_MS]]`` and ``X_lu = [[X_HS, 0, 0], [0, X_MS, X_U]]``::

    min  1/2 ||[Y, Y] - P Theta X_l||_F^2 + alpha/2 ||P||_F^2 + beta/2 tr(Theta X_lu L X_lu^T Theta^T)
    s.t. Theta Theta^T = I,   L = D - W,   W learned

The labelled block of W is fixed (label agreement, scaled); the unlabelled-unlabelled block and the
unlabelled-labelled blocks are learned by ADMM: nonnegative, at most 1/10, scaled to a fixed total, symmetric
(the square block), with an l1 term weighted by the squared distances of the projected samples (beta / 4).  P,
Theta and W alternate (relative objective change < 1e-4).  Then labels propagate on the learned graph and the
unlabelled samples whose propagated score exceeds 0.4 join the labelled MS pixels as training samples of the
final classifier (an SVM by default), on the projected MS.  See ``model_cards/lema.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...builder import build_model
from ...registry import ArchConfig, register_model
from ..classification.weights_records import available_weights
from .subspace import (Learned, SubspaceCrossmodalModel, block_inputs, class_centres, graph_products,
                       label_graph_products, lpp, one_hot, ridge_regression, soft_threshold, solve_theta)

__all__ = ["LeMA", "lema", "learn_graph_block", "propagate_labels"]


def learn_graph_block(dist2: np.ndarray, init: np.ndarray, gamma: float, upper: float = 0.1,
                      symmetric: bool = False, mu: float = 1e-2, rho: float = 2.0, mu_max: float = 1e6,
                      tol: float = 1e-6, max_iter: int = 1000) -> np.ndarray:
    """One learned block of LeMA's graph: ``min (gamma / 4) sum_ij dist2_ij |W_ij|`` subject to ``0 <= W <=
    upper``, W scaled so that its entries sum to its number of columns, and (``symmetric``) ``W = W^T``.

    Consensus ADMM with one copy per term (the box, the scaling, the weighted l1; W itself kept symmetric for
    a square block): W = the mean of (copy + multiplier / mu), each copy the proximal step of its term at
    ``W - multiplier / mu``, multipliers += mu (copy - W); mu from 1e-2, x2 per step up to 1e6; the l1 copy
    starts at ``init`` (the current graph) and the rest at zero, as the authors' ``graph_learning`` /
    ``learning_alignment``; stop when every copy and the change of W are below ``tol`` (Frobenius).  Returns W
    clipped at zero."""
    n_cols = init.shape[1]
    weight = 0.25 * gamma * dist2
    copies = [np.zeros_like(init), init.copy(), np.zeros_like(init)]  # box, l1, scaling
    mult = [np.zeros_like(init) for _ in copies]
    w = init.copy()
    for _ in range(max_iter):
        w_prev = w
        w = sum(c + m / mu for c, m in zip(copies, mult)) / len(copies)
        if symmetric:
            w = 0.5 * (w + w.T)
        copies[0] = np.clip(w - mult[0] / mu, 0.0, upper)
        copies[1] = soft_threshold(w - mult[1] / mu, weight / mu)
        q = w - mult[2] / mu
        total = q.sum()
        copies[2] = q * (n_cols / total) if abs(total) > 1e-12 else q
        gaps = [c - w for c in copies]
        mult = [m + mu * g for m, g in zip(mult, gaps)]
        mu = min(mu * rho, mu_max)
        if max(np.linalg.norm(g) for g in gaps) < tol and np.linalg.norm(w - w_prev) < tol:
            break
    return np.maximum(w, 0.0)


def propagate_labels(w: np.ndarray, y_l: np.ndarray, tol: float = 1e-8, max_iter: int = 1000
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Label propagation on graph ``w`` (n, n), the first ``y_l.shape[1]`` nodes labelled (``y_l`` (K, n_l)
    one-hot): with ``P`` the row-normalised graph, ``F_U <- F_U P_UU + Y_L P_LU`` from zero until the summed
    absolute change is below ``tol``, as the authors' ``LP``.  Returns (labels (n_u,), scores (n_u,)): the
    argmax class of each unlabelled node and its propagated score."""
    rows = w.sum(1, keepdims=True)
    p = np.divide(w, rows, out=np.zeros_like(w), where=rows != 0)
    n_l = y_l.shape[1]
    p_uu, p_lu = p[n_l:, n_l:], p[:n_l, n_l:]
    f = np.zeros((y_l.shape[0], w.shape[0] - n_l))
    base = y_l @ p_lu
    for i in range(max_iter):
        f_new = f @ p_uu + base
        change = np.abs(f_new - f).sum()
        f = f_new
        if i > 0 and change < tol:
            break
    return f.argmax(0), f.max(0)


class LeMA(SubspaceCrossmodalModel):
    """LeMA (one test modality; ``unlabelled`` pixels of it are required by :meth:`fit`).

    ``alpha``, ``beta``: as CoSpace (0.01, 0.01); ``pool_centres_per_class``: k-means centres per pseudo-class of
    the unlabelled pool (200); ``threshold``: the propagated score above which an unlabelled centre joins the
    classifier's training set (0.4); ``graph_upper``: the upper bound of the learned weights (1/10);
    ``pseudo_trees``: trees of the random forest that gives the pseudo-labels (our substitute for the authors'
    100-tree canonical correlation forest); ``max_iter`` / ``tol``: the outer alternation; ``inner_max_iter`` /
    ``inner_tol``: the ADMM of Theta and of the graph.  The final classifier defaults to ``"svm"`` (the demo's
    linear SVM; ours is RBF) and ``"rf"`` stands for the demo's CCF.  Other arguments:
    :class:`~.subspace.SubspaceCrossmodalModel`.
    """

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("hs", "ms"),
                 in_channels: Sequence[int] = (144, 8), test_modalities: Sequence[str] = ("ms",), dim: int = 30,
                 alpha: float = 0.01, beta: float = 0.01, classifier: str = "svm",
                 centres_per_class: int | None = 10, setting: str = "leak_free", max_iter: int = 1000,
                 tol: float = 1e-4, inner_max_iter: int = 1000, inner_tol: float = 1e-6,
                 pool_centres_per_class: int | None = 200, threshold: float = 0.4, graph_upper: float = 0.1,
                 pseudo_trees: int = 100, input_scaling: str = "minmax", **kwargs: Any) -> None:
        super().__init__(num_classes, modalities, in_channels, test_modalities, dim=dim, classifier=classifier,
                         centres_per_class=centres_per_class, setting=setting, input_scaling=input_scaling,
                         **kwargs)
        if len(self.test_modalities) != 1:
            raise ValueError(f"LeMA learns from an unlabelled pool of one test modality; got test_modalities "
                             f"{self.test_modalities}")
        if not (alpha >= 0 and beta >= 0):
            raise ValueError(f"alpha and beta must be >= 0, got {alpha}, {beta}")
        self.alpha, self.beta = float(alpha), float(beta)
        self.max_iter, self.tol = int(max_iter), float(tol)
        self.inner_max_iter, self.inner_tol = int(inner_max_iter), float(inner_tol)
        self.pool_centres_per_class = None if pool_centres_per_class is None else int(pool_centres_per_class)
        self.threshold, self.graph_upper, self.pseudo_trees = float(threshold), float(graph_upper), int(pseudo_trees)

    def _learn(self, xs: dict[str, np.ndarray], y: np.ndarray, pool: dict[str, np.ndarray], seed: int) -> Learned:
        from sklearn.ensemble import RandomForestClassifier

        (tm,) = self.test_modalities
        if tm not in pool or pool[tm].shape[0] == 0:
            raise ValueError(f"LeMA needs unlabelled {tm} pixels: fit(labelled, y, unlabelled={{{tm!r}: (N_u, "
                             f"{self.in_channels[tm]}) pixels of the training area}})")
        mods = self.modalities
        chans = [self.in_channels[m] for m in mods]
        t_idx = mods.index(tm)
        # pseudo-labels of the pool: a forest on the labelled test-modality pixels (the authors: CCF + superpixels)
        forest = RandomForestClassifier(n_estimators=self.pseudo_trees, random_state=seed).fit(xs[tm], y)
        pseudo = forest.predict(pool[tm])
        u, u_lab = class_centres(pool[tm], pseudo, self.pool_centres_per_class, seed=seed)
        stacked, labels = class_centres(np.concatenate([xs[m] for m in mods], axis=1), y, self.centres_per_class,
                                        seed=seed)
        parts = list(np.split(stacked, np.cumsum(chans)[:-1], axis=1))
        n_l, n_u, n_m = labels.size, u_lab.size, len(mods)
        x_l = block_inputs(parts, chans, range(n_m)).T                          # (D, M n_l)
        x_lu = block_inputs(parts + [u], chans, [*range(n_m), t_idx]).T          # (D, M n_l + n_u)
        lab_l = np.tile(labels, n_m)
        t = one_hot(lab_l, self.num_classes).T
        # the initial graph: label / pseudo-label agreement (unscaled, as Prepare_Input); LPP start
        all_lab = np.concatenate([lab_l, u_lab])
        w = (all_lab[:, None] == all_lab[None, :]).astype(np.float64)
        xwx, xdx, _ = label_graph_products(x_lu.T, all_lab, "same")
        a, _ = lpp(xwx, xdx, self.dim)
        z = a.T @ x_l
        w_l = w[:n_m * n_l, :n_m * n_l]
        w_l = w_l * (w_l.shape[1] / w_l.sum())
        history: list[float] = []
        theta = None
        for _ in range(self.max_iter):
            p = ridge_regression(t, z, self.alpha)
            xwx, xdx, _ = graph_products(x_lu.T, w)
            theta = solve_theta(t, p, x_l, xdx - xwx, self.beta, tol=self.inner_tol, max_iter=self.inner_max_iter)
            z = theta @ x_l
            w = self._learn_graph(theta @ x_lu, w, w_l, n_l, n_m)
            xwx, xdx, _ = graph_products(x_lu.T, w)
            history.append(0.5 * float(((t - p @ z) ** 2).sum()) + 0.5 * self.alpha * float((p ** 2).sum())
                           + 0.5 * self.beta * float(np.trace(theta @ (xdx - xwx) @ theta.T)))
            if len(history) > 1 and abs(history[-1] - history[-2]) < self.tol * abs(history[-2]):
                break
        np.fill_diagonal(w, 0.0)
        new_lab, score = propagate_labels(w, t, max_iter=self.max_iter)
        keep = score > self.threshold
        offsets = np.concatenate([[0], np.cumsum(chans)])
        projections = {m: theta[:, offsets[i]:offsets[i + 1]] for i, m in enumerate(mods)}
        return Learned(projections, extra_x={tm: u[keep]}, extra_y=new_lab[keep], history=history,
                       info={"theta": theta, "graph": w, "pseudo_labels": u_lab, "propagated": new_lab,
                             "scores": score, "selected": int(keep.sum()), "unlabelled_centres": n_u})

    def _learn_graph(self, zz: np.ndarray, w: np.ndarray, w_l: np.ndarray, n_l: int, n_m: int) -> np.ndarray:
        """One graph step: the unlabelled-unlabelled block and the unlabelled-labelled blocks (the largest of
        the modalities' alignments, shared by all), the labelled block fixed."""
        m = n_m * n_l
        zu = zz[:, m:]
        d_uu = _sq_dist(zu, zu)
        np.fill_diagonal(d_uu, 1.0)  # the authors' weight of a self loop
        kw = dict(gamma=self.beta, upper=self.graph_upper, tol=self.inner_tol, max_iter=self.inner_max_iter)
        w_uu = learn_graph_block(d_uu, w[m:, m:], symmetric=True, **kw)
        w_ul = np.max([learn_graph_block(_sq_dist(zu, zz[:, b * n_l:(b + 1) * n_l]), w[m:, b * n_l:(b + 1) * n_l],
                                         **kw) for b in range(n_m)], axis=0)
        new = np.zeros_like(w)
        new[:m, :m] = w_l
        new[m:, m:] = w_uu
        for b in range(n_m):
            new[m:, b * n_l:(b + 1) * n_l] = w_ul
            new[b * n_l:(b + 1) * n_l, m:] = w_ul.T
        return new


def _sq_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances between the columns of a (d, n) and b (d, m)."""
    d = (a * a).sum(0)[:, None] + (b * b).sum(0)[None, :] - 2.0 * a.T @ b
    return np.maximum(d, 0.0)


# --- configs --------------------------------------------------------------------------------------------------
default_cfgs = {
    "lema": ArchConfig(
        task="crossmodal",
        inputs=("ms",),
        paper="D. Hong, N. Yokoya, N. Ge, J. Chanussot, X. X. Zhu, 'Learnable manifold alignment (LeMA): A "
              "semi-supervised cross-modality learning framework for land cover and land use classification', "
              "ISPRS JPRS 147:193-205, 2019",
        summary="LeMA: CoSpace-style HS-MS subspace with a graph learned by ADMM over labelled centres and "
                "pseudo-labelled unlabelled MS centres, label propagation on the learned graph (score > 0.4 joins "
                "training); MS-only at test time, SVM on the projected MS",
        url="https://doi.org/10.1016/j.isprsjprs.2018.10.006",
        card="lema.md",
        weights=available_weights("lema", ("houston2013", "houston2018crop"), task="crossmodal"),
    ),
}


# --- entry points ---------------------------------------------------------------------------------------------
@register_model
def lema(pretrained: bool = False, **kwargs) -> LeMA:
    """LeMA (Hong et al., ISPRS JPRS 2019); ``fit(labelled, y, unlabelled={'ms': pool})`` on training pixels."""
    return build_model(LeMA, "lema", pretrained, **kwargs)
