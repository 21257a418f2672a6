"""What the shallow crossmodal subspace methods share (manifold alignment, CoSpace, LeMA, LeCMR).

**Conventions.**  Samples are rows in the public functions here (``x`` (n, D)); the formulas of the papers are
written with samples as columns (``X = x.T``), and the docstrings say which.  Several modalities are put in one
space by *block inputs*: a sample of modality m becomes the stacked vector ``[0; ...; x_m; ...; 0]`` of length
``D = sum_m C_m`` (the authors' ``[HS; 0]`` and ``[0; MS]``), so that one matrix ``Theta`` (d, D) = ``[Theta_1,
..., Theta_M]`` projects every modality into the same d-dimensional space and the projection of the stacked
vector ``[x_1; x_2]`` is ``Theta_1 x_1 + Theta_2 x_2``.

**Graphs** are never formed as n x n dense matrices here: the methods need only ``X W X^T`` and ``X D X^T``
(D the degree matrix of W), which label graphs give in closed form from per-class sums and kNN graphs from a
sparse matrix (:func:`label_graph_products`, :func:`knn_graph`, :func:`graph_products`).  (LeMA's learned graph
is dense, over its centres: :mod:`.lema`.)

**Solvers**: :func:`lpp` (locality preserving projections: the generalised eigenproblem ``X W X^T a = lambda X D
X^T a``, largest lambda), :func:`solve_theta` (the orthogonality-constrained projection of CoSpace / LeMA by
ADMM), :func:`ridge_regression` / :func:`l1_regression` (the label regression P), :func:`class_centres` (k-means
centres per class, the authors' reduction of the training set).

**The fitted model** (:class:`SubspaceCrossmodalModel`): everything prediction needs is a torch buffer (the
projection of every modality, the per-band input scaling, the per-feature min-max of the projected features,
the final classifier's state), so a fitted model saves and loads with safetensors and predicts in torch without
scikit-learn.  The final classifier is ``"1nn"`` (1-nearest neighbour, Euclidean: the score of class k is minus
the distance to the nearest training feature of class k), ``"svm"`` (the RBF
:class:`~fusionzoo.models.classification.classical.SVMPixelClassifier`) or ``"rf"``
(:class:`~fusionzoo.models.classification.classical.RandomForestPixelClassifier`), trained on the projected
*training* pixels of the test modalities.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..classification.classical import (FittedPixelClassifier, NotFittedError, RandomForestPixelClassifier,
                                        SVMPixelClassifier)
from ..classification.classical import _as_numpy, resize_buffers
from .base import CrossmodalModel

__all__ = ["SubspaceCrossmodalModel", "Learned", "NotFittedError", "block_inputs", "class_centres", "kmeans",
           "label_graph_products", "knn_graph", "graph_products", "lpp", "solve_theta", "ridge_regression",
           "l1_regression", "soft_threshold", "orthonormal_rows", "minmax_range", "one_hot",
           "CLASSIFIERS", "SETTINGS"]

CLASSIFIERS = ("1nn", "svm", "rf")
SETTINGS = ("leak_free", "paper")
#: rows of test features compared with the training features at once (1-NN; memory rows x N doubles)
_ROWS = 2048


# --- small helpers ------------------------------------------------------------------------------------------
def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """(n,) class indices (-1: unlabelled) -> (n, K) one-hot rows (zero rows for -1)."""
    y = np.zeros((labels.shape[0], num_classes))
    known = labels >= 0
    y[np.flatnonzero(known), labels[known]] = 1.0
    return y


def minmax_range(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column minimum and range of (n, F) (range 1 where a column is constant): ``(x - low) / range`` maps
    the columns onto [0, 1], as MATLAB's ``mat2gray`` does per band / per feature."""
    low, high = x.min(0), x.max(0)
    span = high - low
    return low, np.where(span > 0, span, 1.0)


def orthonormal_rows(a: np.ndarray) -> np.ndarray:
    """The nearest matrix with orthonormal rows (the polar factor ``U V^T`` of ``a = U S V^T``)."""
    u, _, vt = np.linalg.svd(a, full_matrices=False)
    return u @ vt


def soft_threshold(a: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """``sign(a) max(|a| - t, 0)``: the proximal operator of ``t ||.||_1`` (t may be elementwise)."""
    return np.sign(a) * np.maximum(np.abs(a) - t, 0.0)


def block_inputs(parts: Sequence[np.ndarray], channels: Sequence[int], which: Sequence[int]) -> np.ndarray:
    """Stack samples of several modalities as block inputs: ``parts[i]`` (n_i, C_{which[i]}) becomes rows of
    length ``sum(channels)`` that are zero outside modality ``which[i]``'s columns.  Returns (sum n_i, D)."""
    offsets = np.concatenate([[0], np.cumsum(channels)])
    out = np.zeros((sum(p.shape[0] for p in parts), int(offsets[-1])))
    row = 0
    for p, m in zip(parts, which):
        out[row:row + p.shape[0], offsets[m]:offsets[m + 1]] = p
        row += p.shape[0]
    return out


# --- k-means centres per class ------------------------------------------------------------------------------
def kmeans(x: np.ndarray, k: int, metric: str = "euclidean", replicates: int = 10, seed: int = 0,
           max_iter: int = 300) -> np.ndarray:
    """Cluster indices (n,) of Lloyd's k-means, ``replicates`` restarts from k-means++ seeds (the lowest total
    distance kept), until the assignment no longer changes.  ``metric="cosine"``: spherical k-means (unit-length
    rows, unit-length centroids, assignment by the largest cosine), as MATLAB's ``kmeans(..., 'distance',
    'cosine')``; an emptied cluster is moved to the sample farthest from its centroid."""
    if metric not in ("euclidean", "cosine"):
        raise ValueError(f"metric must be 'euclidean' or 'cosine', got {metric!r}")
    z = x
    if metric == "cosine":
        norm = np.linalg.norm(x, axis=1, keepdims=True)
        z = x / np.where(norm > 0, norm, 1.0)
    n = z.shape[0]
    if k >= n:
        return np.arange(n) % max(k, 1)
    rng = np.random.default_rng(seed)
    best, best_cost = np.zeros(n, dtype=np.int64), np.inf
    for _ in range(replicates):
        centres = _plusplus(z, k, metric, rng)
        idx = np.full(n, -1)
        for _ in range(max_iter):
            new_idx, dist = _assign(z, centres, metric)
            if np.array_equal(new_idx, idx):
                break
            idx = new_idx
            for j in np.flatnonzero(np.bincount(idx, minlength=k) == 0):  # an emptied cluster takes the
                far = int(np.argmax(dist))                                 # sample farthest from its centre
                idx[far], dist[far] = j, -1.0
            counts = np.bincount(idx, minlength=k)
            sums = np.zeros_like(centres)
            np.add.at(sums, idx, z)
            centres = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centres)
            if metric == "cosine":
                centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-300)
        cost = float(_assign(z, centres, metric)[1].sum())
        if cost < best_cost:
            best, best_cost = idx.copy(), cost
    return best


def _assign(z: np.ndarray, centres: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """The nearest centre of every row and the distance to it (squared Euclidean, or 1 - cosine)."""
    idx, dist = np.empty(z.shape[0], dtype=np.int64), np.empty(z.shape[0])
    c2 = (centres ** 2).sum(1)
    for s in range(0, z.shape[0], 8192):
        block = z[s:s + 8192]
        if metric == "cosine":
            d = 1.0 - block @ centres.T
        else:
            d = (block ** 2).sum(1)[:, None] + c2 - 2.0 * block @ centres.T
        idx[s:s + 8192] = d.argmin(1)
        dist[s:s + 8192] = np.maximum(d[np.arange(block.shape[0]), idx[s:s + 8192]], 0.0)
    return idx, dist


def _plusplus(z: np.ndarray, k: int, metric: str, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeds (Arthur & Vassilvitskii 2007): each next seed drawn with probability proportional to its
    distance to the nearest seed so far."""
    centres = [z[rng.integers(z.shape[0])]]
    dist = _assign(z, np.stack(centres), metric)[1]
    for _ in range(1, k):
        total = dist.sum()
        j = int(rng.choice(z.shape[0], p=dist / total)) if total > 0 else int(rng.integers(z.shape[0]))
        centres.append(z[j])
        dist = np.minimum(dist, _assign(z, z[j:j + 1], metric)[1])
    return np.stack(centres)


def class_centres(x: np.ndarray, y: np.ndarray, per_class: int | None, metric: str = "euclidean",
                  replicates: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Reduce each class to ``per_class`` k-means centres (the mean of each cluster's members, as the authors'
    ``Create_Cluster_Center``); a class with at most ``per_class`` samples keeps its samples; ``per_class=None``
    keeps every sample.  Returns (centres (m, F), labels (m,)), classes in increasing order."""
    if per_class is None:
        order = np.argsort(y, kind="stable")
        return x[order], y[order]
    centres, labels = [], []
    for c in np.unique(y):
        xc = x[y == c]
        if xc.shape[0] <= per_class:
            centres.append(xc)
        else:
            idx = kmeans(xc, per_class, metric=metric, replicates=replicates, seed=seed)
            centres.append(np.stack([xc[idx == j].mean(0) for j in np.unique(idx)]))
        labels.append(np.full(centres[-1].shape[0], c, dtype=np.int64))
    return np.concatenate(centres), np.concatenate(labels)


# --- graphs ---------------------------------------------------------------------------------------------------
def graph_products(x: np.ndarray, w: Any) -> tuple[np.ndarray, np.ndarray, float]:
    """``X W X^T``, ``X D X^T`` (D = diag of W's row sums) and ``sum(W)`` for samples ``x`` (n, D) as rows and a
    symmetric (dense or scipy sparse) graph ``w`` (n, n)."""
    deg = np.asarray(w.sum(1)).reshape(-1)
    xwx = x.T @ np.asarray(w @ x)
    xdx = (x * deg[:, None]).T @ x
    return _sym(xwx), _sym(xdx), float(deg.sum())


def label_graph_products(x: np.ndarray, labels: np.ndarray, relation: str = "same",
                         blocks: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """``X W X^T``, ``X D X^T`` and ``sum(W)`` of a label graph, from per-class sums (no n x n matrix).

    ``x`` (n, D) samples as rows, ``labels`` (n,) (-1: unlabelled, no edges).  ``relation="same"``: ``W_ij = 1``
    when i and j carry the same label (self pairs included, as the authors' ``pdist``-based graph);
    ``"different"``: when both are labelled with different labels; ``"cross_same"``: same label and different
    ``blocks`` (the off-diagonal blocks of S2FL's graph)."""
    k = int(labels.max()) + 1 if (labels >= 0).any() else 1
    y = one_hot(labels, k)
    counts = y.sum(0)
    s = x.T @ y  # (D, K) per-class sums
    if relation == "same":
        xwx, deg, total = s @ s.T, y @ counts, float((counts ** 2).sum())
    elif relation == "different":
        lab = labels >= 0
        s1 = x[lab].sum(0)
        n_l = float(lab.sum())
        xwx = np.outer(s1, s1) - s @ s.T
        deg = np.where(lab, n_l - y @ counts, 0.0)
        total = n_l ** 2 - float((counts ** 2).sum())
    elif relation == "cross_same":
        if blocks is None:
            raise ValueError("relation='cross_same' needs blocks")
        xwx, deg, total = s @ s.T, y @ counts, float((counts ** 2).sum())
        for b in np.unique(blocks):
            sel = blocks == b
            sb, cb = x[sel].T @ y[sel], y[sel].sum(0)
            xwx = xwx - sb @ sb.T
            deg[sel] -= y[sel] @ cb
            total -= float((cb ** 2).sum())
    else:
        raise ValueError(f"relation must be 'same', 'different' or 'cross_same', got {relation!r}")
    xdx = (x * deg[:, None]).T @ x
    return _sym(xwx), _sym(xdx), total


def knn_graph(x: np.ndarray, k: int, t: float | None = None) -> Any:
    """Symmetric kNN graph (scipy sparse, n x n) of the rows of ``x``: each sample linked to its ``k`` nearest
    other samples (Euclidean), weight ``exp(-||xi - xj||^2 / (2 t^2))`` (heat kernel, Deng Cai's ``constructW``)
    or 1 when ``t`` is None (binary, as Tuia's ``buildKNNGraph``), symmetrised by the maximum; no self loops."""
    from scipy import sparse
    from scipy.spatial import cKDTree

    n = x.shape[0]
    k = min(int(k), n - 1)
    if k < 1:
        return sparse.csr_matrix((n, n))
    dist, idx = cKDTree(x).query(x, k=k + 1)
    rows = np.repeat(np.arange(n), k + 1).reshape(n, k + 1)
    # drop the sample itself; where a duplicate displaced it, drop the farthest neighbour instead
    own = idx == rows
    own[~own.any(1), -1] = True
    keep = ~own
    d, cols, rows = dist[keep], idx[keep], rows[keep]
    vals = np.ones_like(d) if t is None else np.exp(-d ** 2 / (2.0 * float(t) ** 2))
    w = sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))
    return w.maximum(w.T).tocsr()


def _single_threaded_blas() -> Any:
    """A context with BLAS limited to one thread (threadpoolctl, where installed): the solvers here iterate on
    small matrices, where BLAS threads only contend (ten times slower on a busy machine)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _sym(a: np.ndarray) -> np.ndarray:
    return 0.5 * (a + a.T)


# --- solvers --------------------------------------------------------------------------------------------------
def lpp(xwx: np.ndarray, xdx: np.ndarray, dim: int, rtol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Locality preserving projections (He & Niyogi 2003) from the graph products: the ``dim`` generalised
    eigenvectors of ``X W X^T a = lambda X D X^T a`` with the largest lambda (equivalently the smallest of
    ``X L X^T a = (1 - lambda) X D X^T a``), each scaled to unit norm, as Deng Cai's ``LPP``/``LGE``.

    ``X D X^T`` may be singular (block inputs, few samples): the problem is solved in its range (the PCA step of
    ``LGE``).  Returns (A (D, dim), lambdas (dim,)); columns beyond that range's dimension are zero."""
    s, u = np.linalg.eigh(_sym(xdx))
    keep = s > rtol * max(s.max(), 0.0) if s.size else s > 0
    whiten = u[:, keep] / np.sqrt(s[keep])
    lam, v = np.linalg.eigh(_sym(whiten.T @ xwx @ whiten))
    order = np.argsort(-lam)[:dim]
    a = whiten @ v[:, order]
    a = a / np.linalg.norm(a, axis=0, keepdims=True)
    if a.shape[1] < dim:
        a = np.concatenate([a, np.zeros((a.shape[0], dim - a.shape[1]))], axis=1)
        lam = np.concatenate([lam[order], np.zeros(dim - order.size)])
        return a, lam
    return a, lam[order]


def ridge_regression(t: np.ndarray, z: np.ndarray, alpha: float) -> np.ndarray:
    """``P = T Z^T (Z Z^T + alpha I)^-1``: the minimiser of ``1/2 ||T - P Z||_F^2 + alpha/2 ||P||_F^2`` (samples
    as columns: T (K, n), Z (d, n))."""
    g = z @ z.T + alpha * np.eye(z.shape[0])
    return np.linalg.solve(g, z @ t.T).T


def l1_regression(t: np.ndarray, z: np.ndarray, alpha: float, mu: float = 1e-3, rho: float = 1.5,
                  mu_max: float = 1e6, tol: float = 1e-6, max_iter: int = 1000) -> np.ndarray:
    """``min_P 1/2 ||T - P Z||_F^2 + alpha ||P||_1`` by ADMM with the split ``Q = P`` (P: a ridge-like solve, Q:
    soft thresholding by ``alpha / mu``; mu from 1e-3, x1.5 per step up to 1e6; stop when ``||Q - P||_F <
    tol``), as CoSpace-l1's P-step.  Returns Q (exact zeros where thresholded)."""
    d = z.shape[0]
    tz, zz = t @ z.T, z @ z.T
    q = np.zeros((t.shape[0], d))
    lam = np.zeros_like(q)
    for _ in range(max_iter):
        p = np.linalg.solve(zz + mu * np.eye(d), (tz + mu * q + lam).T).T
        q = soft_threshold(p - lam / mu, alpha / mu)
        lam = lam + mu * (q - p)
        mu = min(mu * rho, mu_max)
        if np.linalg.norm(q - p) < tol:
            break
    return q


def solve_theta(t: np.ndarray, p: np.ndarray, x: np.ndarray, xlx: np.ndarray | None = None, beta: float = 0.0,
                mu: float = 1e-3, rho: float = 1.5, mu_max: float = 1e6, tol: float = 1e-6, max_iter: int = 1000
                ) -> np.ndarray:
    """``min_Theta 1/2 ||T - P Theta X||_F^2 + beta/2 tr(Theta X L X^T Theta^T)`` subject to ``Theta Theta^T =
    I`` (samples as columns: T (K, n), P (K, d), X (D, n); ``xlx`` = ``X L X^T`` (D, D) of the graph term), by
    ADMM with the splits ``H = Theta X`` and ``G = Theta`` (G on the constraint set), as CoSpace's
    ``Solving_Theta``: H by a ridge solve, Theta by a (D, D) solve, G = the polar factor of ``Theta - Lambda2 /
    mu``; mu from 1e-3, x1.5 per step up to 1e6; stop when ``||H - Theta X||_F`` and ``||G - Theta||_F`` are
    both below ``tol``.  Starts from zero, as the authors' code.  Returns G (d, D): exactly orthonormal rows."""
    d, dd = p.shape[1], x.shape[0]
    ptp, ptt = p.T @ p, p.T @ t
    xxt = x @ x.T
    graph = beta * xlx if (xlx is not None and beta) else 0.0
    theta = np.zeros((d, dd))
    g = np.zeros_like(theta)
    lam1 = np.zeros((d, x.shape[1]))
    lam2 = np.zeros_like(theta)
    eye_d, eye_dd = np.eye(d), np.eye(dd)
    for _ in range(max_iter):
        h = np.linalg.solve(ptp + mu * eye_d, ptt + mu * (theta @ x) - lam1)
        rhs = (mu * h + lam1) @ x.T + mu * g + lam2
        theta = np.linalg.solve(mu * xxt + mu * eye_dd + graph, rhs.T).T  # the system matrix is symmetric
        g = orthonormal_rows(theta - lam2 / mu)
        tx = theta @ x
        lam1 = lam1 + mu * (h - tx)
        lam2 = lam2 + mu * (g - theta)
        mu = min(mu * rho, mu_max)
        if np.linalg.norm(h - tx) < tol and np.linalg.norm(g - theta) < tol:
            break
    return g


# --- the fitted model -------------------------------------------------------------------------------------------
@dataclass
class Learned:
    """What a method's ``_learn`` returns: the projection (dim, C_m) of every training modality and, optionally,
    extra samples of the test modalities (e.g. LeMA's pseudo-labelled unlabelled centres) added to the final
    classifier's training set; ``history``: the objective per outer iteration."""

    projections: dict[str, np.ndarray]
    extra_x: dict[str, np.ndarray] | None = None
    extra_y: np.ndarray | None = None
    history: list[float] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


class SubspaceCrossmodalModel(CrossmodalModel):
    """Base of the shallow subspace methods: fit on training pixels of every training modality (and an optional
    unlabelled pool), predict from the test modalities through stored projections.

    ``dim``: the subspace dimension; ``classifier``: ``"1nn"``, ``"svm"`` or ``"rf"`` (see the module docstring;
    ``svm_C`` and ``rf_trees`` set them); ``centres_per_class``: k-means centres per class the projections are
    learned on (None: every training pixel); ``setting``: ``"leak_free"`` (every normalisation fitted on the
    training pixels / features only) or ``"paper"`` (the authors' transductive normalisations, over the training
    pixels and the unlabelled pool given to :meth:`fit`: the demos put the test pixels there); ``input_scaling``:
    ``"minmax"`` (per band onto [0, 1], the demos' ``mat2gray``) or ``"none"``.

    Subclasses write :meth:`_learn` (numpy, scaled pixels -> :class:`Learned`).
    """

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("hs", "ms"),
                 in_channels: Sequence[int] = (144, 8), test_modalities: Sequence[str] = ("ms",), dim: int = 30,
                 classifier: str = "1nn", centres_per_class: int | None = 10, setting: str = "leak_free",
                 input_scaling: str = "minmax", svm_C: float = 100.0, rf_trees: int = 100,
                 class_names: Sequence[str] | None = None, preprocess: Mapping[str, Any] | None = None) -> None:
        super().__init__(num_classes, modalities, in_channels, test_modalities, class_names=class_names,
                         preprocess=preprocess)
        if isinstance(dim, bool) or int(dim) != dim or dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        if dim > sum(self.in_channels.values()):
            raise ValueError(f"dim={dim} exceeds the {sum(self.in_channels.values())} channels of the training "
                             f"modalities together; choose dim <= {sum(self.in_channels.values())}")
        if classifier not in CLASSIFIERS:
            raise ValueError(f"classifier must be one of {CLASSIFIERS}, got {classifier!r}")
        if setting not in SETTINGS:
            raise ValueError(f"setting must be 'leak_free' (normalisations from the training pixels only) or "
                             f"'paper' (the authors' transductive ones), got {setting!r}")
        if input_scaling not in ("minmax", "none"):
            raise ValueError(f"input_scaling must be 'minmax' or 'none', got {input_scaling!r}")
        if centres_per_class is not None and (isinstance(centres_per_class, bool) or int(centres_per_class) < 1):
            raise ValueError(f"centres_per_class must be a positive integer or None, got {centres_per_class!r}")
        self.dim, self.classifier, self.setting = int(dim), classifier, setting
        self.input_scaling = input_scaling
        self.centres_per_class = None if centres_per_class is None else int(centres_per_class)
        self.history_: list[float] = []
        self.info_: dict[str, Any] = {}
        buffers = {"classes": torch.int64, "feature_low": torch.float64, "feature_range": torch.float64,
                   "train_features": torch.float64, "train_labels": torch.int64}
        for m in self.modalities:
            buffers.update({f"projection_{m}": torch.float64, f"input_low_{m}": torch.float64,
                            f"input_range_{m}": torch.float64})
        for name, dtype in buffers.items():
            self.register_buffer(name, torch.zeros(0, dtype=dtype))
        head: FittedPixelClassifier | None = None
        if classifier == "svm":
            head = SVMPixelClassifier(num_classes, modalities=("features",), in_channels=(self.dim,), C=svm_C)
        elif classifier == "rf":
            head = RandomForestPixelClassifier(num_classes, modalities=("features",), in_channels=(self.dim,),
                                               n_estimators=rf_trees)
        self.head = head

    # --- state ------------------------------------------------------------------------------------------------
    @property
    def is_fitted(self) -> bool:
        return self.classes.numel() > 0

    _set = FittedPixelClassifier._set  # replace a buffer by an array of any size, keeping dtype and device

    def projection(self, modality: str) -> torch.Tensor:
        """The learned projection (dim, C) of a training modality (empty before fit)."""
        return getattr(self, f"projection_{modality}")

    # --- fitting ----------------------------------------------------------------------------------------------
    def _arrays(self, given: Any, what: str, require_all: bool) -> dict[str, np.ndarray]:
        """``{modality: (N, C) float64}`` from a dict of arrays / tensors, checked; ``require_all``: every training
        modality, on the same pixels (the labelled set); otherwise any of them, in any number each (a pool)."""
        if not isinstance(given, Mapping):
            raise TypeError(f"{what} must be a dict {{modality: (N, C) pixels}}, got {type(given).__name__}")
        unknown = [k for k in given if k not in self.modalities]
        if unknown:
            raise ValueError(f"{what} names {unknown}; this model is trained with {', '.join(self.modalities)}")
        missing = [m for m in self.modalities if m not in given] if require_all else []
        if missing:
            raise ValueError(f"{what} lacks {', '.join(missing)}: fit needs every training modality "
                             f"({', '.join(self.modalities)}) on the same training pixels")
        out = {}
        for m in self.modalities:
            if m not in given:
                continue
            a = _as_numpy(given[m])
            if a.ndim != 2 or a.shape[1] != self.in_channels[m]:
                raise ValueError(f"{what}[{m!r}] must be (N, {self.in_channels[m]}) pixels, got shape {a.shape}")
            a = a.astype(np.float64)
            if not np.isfinite(a).all():
                raise ValueError(f"{what}[{m!r}] has NaN/Inf values; drop or fill them before fit")
            out[m] = a
        if require_all and len({a.shape[0] for a in out.values()}) > 1:
            raise ValueError(f"the modalities of {what} have different pixel counts "
                             f"{ {m: a.shape[0] for m, a in out.items()} }")
        return out

    _labels = FittedPixelClassifier._labels  # y -> (N,) int64 class indices, with the same clear errors

    def fit(self, labelled: Mapping[str, Any], y: Any, unlabelled: Mapping[str, Any] | None = None,
            seed: int = 0) -> SubspaceCrossmodalModel:
        """Learn the projections on the training pixels of every training modality (``labelled``: ``{modality:
        (N, C)}``, the same N pixels in each; ``y`` (N,) class indices 0..K-1) and, for the methods that use it,
        the unlabelled pool ``unlabelled`` (``{modality: (N_u, C)}``, pixels of the training area: never the
        test pixels in the leak-free setting); then fit the final classifier on the projected training pixels
        of the test modalities.  ``seed`` for k-means and the forests.  The SVM and forest classifiers (and
        LeMA's pseudo-labels) need scikit-learn.  Returns the model."""
        xs = self._arrays(labelled, "labelled", require_all=True)
        y = self._labels(y, next(iter(xs.values())).shape[0])
        pool = self._arrays(unlabelled, "unlabelled", require_all=False) if unlabelled is not None else {}
        self._set("classes", np.zeros(0))  # unfitted until everything succeeded
        for m in self.modalities:  # per-band input scaling
            x = xs[m] if (self.setting == "leak_free" or m not in pool) else np.concatenate([xs[m], pool[m]])
            low, span = minmax_range(x) if self.input_scaling == "minmax" else (np.zeros(0), np.zeros(0))
            self._set(f"input_low_{m}", low)
            self._set(f"input_range_{m}", span)
        xs = {m: self._scale_np(m, a) for m, a in xs.items()}
        pool = {m: self._scale_np(m, a) for m, a in pool.items()}
        with _single_threaded_blas():
            learned = self._learn(xs, y, pool, int(seed))
        for m in self.modalities:
            self._set(f"projection_{m}", learned.projections[m])
        self.history_, self.info_ = list(learned.history), dict(learned.info)
        # the final classifier: projected training pixels of the test modalities (+ the method's extra samples)
        feats, labels = self._project_np(xs), y
        if learned.extra_x is not None and learned.extra_y is not None and learned.extra_y.size:
            feats = np.concatenate([feats, self._project_np(learned.extra_x)])
            labels = np.concatenate([labels, learned.extra_y])
        ref = feats
        if self.setting == "paper" and all(m in pool for m in self.test_modalities):
            ref = np.concatenate([feats, self._project_np(pool)])
        low, span = minmax_range(ref)
        self._set("feature_low", low)
        self._set("feature_range", span)
        feats = (feats - low) / span
        if self.head is None:
            self._set("train_features", feats)
            self._set("train_labels", labels)
        else:
            self.head.fit({"features": feats}, labels, seed=seed)
        self._set("classes", np.unique(labels))
        return self

    def _scale_np(self, m: str, x: np.ndarray) -> np.ndarray:
        low = getattr(self, f"input_low_{m}")
        if not low.numel():
            return x
        return (x - low.cpu().numpy()) / getattr(self, f"input_range_{m}").cpu().numpy()

    def _project_np(self, xs: Mapping[str, np.ndarray]) -> np.ndarray:
        """Sum over the test modalities of ``x_m Theta_m^T`` (the projection of the stacked block input)."""
        return sum(xs[m] @ self.projection(m).cpu().numpy().T for m in self.test_modalities)

    def _learn(self, xs: dict[str, np.ndarray], y: np.ndarray, pool: dict[str, np.ndarray], seed: int) -> Learned:
        raise NotImplementedError

    # --- prediction ---------------------------------------------------------------------------------------------
    def features(self, x: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The normalised subspace features (B, dim) float64 of the test modalities ``x``."""
        z = 0
        for m in self.test_modalities:
            v = x[m].to(torch.float64)
            low = getattr(self, f"input_low_{m}")
            if low.numel():
                v = (v - low) / getattr(self, f"input_range_{m}")
            z = z + v @ self.projection(m).T
        return (z - self.feature_low) / self.feature_range

    def test_logits(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        if not self.is_fitted:
            raise NotFittedError(f"{type(self).__name__} is not fitted: call model.fit(labelled={{...}}, y) on "
                                 f"training pixels of {', '.join(self.modalities)} or load fitted weights "
                                 f"(model.load_state_dict)")
        dtype = next(iter(x.values())).dtype
        z = self.features(x)
        if self.head is not None:
            return self.head(features=z).to(dtype)
        return self._nearest_scores(z).to(dtype)

    def _nearest_scores(self, z: torch.Tensor) -> torch.Tensor:
        """Minus the Euclidean distance to the nearest training feature of each class; classes without training
        features score below every other (minus the largest distance, minus one)."""
        ref, lab = self.train_features, self.train_labels
        out = []
        for c in z.split(_ROWS):
            d = torch.cdist(c, ref)
            best = d.new_full((c.shape[0], self.num_classes), float("inf"))
            best.scatter_reduce_(1, lab.expand(c.shape[0], -1), d, reduce="amin")
            floor = d.max(1, keepdim=True).values + 1.0
            out.append(-torch.where(torch.isinf(best), floor, best))
        return torch.cat(out) if out else z.new_zeros(0, self.num_classes)

    # --- loading: buffers take the stored sizes ----------------------------------------------------------------
    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        resize_buffers(self, state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)
        for m in self.modalities:
            p = self._buffers[f"projection_{m}"]
            if p.numel() and tuple(p.shape) != (self.dim, self.in_channels[m]):
                error_msgs.append(f"the weights project {m} as {tuple(p.shape)}, this model expects "
                                  f"({self.dim}, {self.in_channels[m]}) (dim, channels)")
        lab = self._buffers["classes"]
        if lab.numel() and int(lab.max()) >= self.num_classes:
            error_msgs.append(f"the weights predict classes up to {int(lab.max())}, this model has "
                              f"num_classes={self.num_classes}")
