"""Semi-supervised manifold alignment with labels (Wang & Mahadevan; Tuia et al.), the baseline of Hong's
crossmodal papers.

C. Wang, S. Mahadevan, "Heterogeneous Domain Adaptation Using Manifold Alignment", IJCAI 2011, pp. 1541-1546;
D. Tuia, M. Volpi, M. Trolliet, G. Camps-Valls, "Semisupervised Manifold Alignment of Multimodal Remote Sensing
Images", IEEE TGRS 52(12):7708-7720, 2014 (SSMA; linear case of KEMA, Tuia & Camps-Valls, PLoS ONE 2016).

Every modality (domain) m gets a linear projection ``f_m`` (C_m -> d) into one latent space that keeps each
modality's own geometry, pulls samples with the same label together and pushes samples with different labels
apart; no pixel correspondence is needed (only labels).  With Z the block-diagonal data matrix (D, n) of all
samples (labelled and unlabelled, every modality), L the Laplacian of the within-modality kNN graphs, L_s / L_d
those of the same-label / different-label graphs over the labelled samples of all modalities::

    Z ((1 - mu) L + mu L_s) Z^T v = lambda Z L_d Z^T v,   the d smallest lambda

(Wang & Mahadevan weigh the geometry by mu instead; the eigenvectors are the same up to the choice of mu).  The
projections are the rows of ``[v_1 ... v_d]`` of each modality.  Test: the test modality's pixels projected and
classified (1-NN by default) against its projected training pixels.  Closed form: no iterations.
See ``model_cards/manifold_alignment.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...builder import build_model
from ...registry import ArchConfig, register_model
from ..classification.weights_records import available_weights
from .subspace import (Learned, SubspaceCrossmodalModel, block_inputs, class_centres, graph_products, knn_graph,
                       label_graph_products)

__all__ = ["ManifoldAlignment", "manifold_alignment", "alignment_matrices"]


def alignment_matrices(rows: np.ndarray, labels: np.ndarray, blocks: np.ndarray, mu: float, knn: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """``A = Z((1 - mu) L + mu L_s)Z^T`` and ``B = Z L_d Z^T`` (D, D) of block-input samples ``rows`` (n, D)
    (``labels`` -1 for unlabelled samples; ``blocks`` the modality of each row).  The same- and different-label
    graphs are scaled so that each sums to the geometry graph's total, as Tuia's ``KMA``."""
    geo_w = geo_d = 0.0
    geo_total = 0.0
    for b in np.unique(blocks):
        sel = blocks == b
        w, d, t = graph_products(rows[sel], knn_graph(rows[sel], knn))
        geo_w, geo_d, geo_total = geo_w + w, geo_d + d, geo_total + t
    s_w, s_d, s_total = label_graph_products(rows, labels, "same")
    d_w, d_d, d_total = label_graph_products(rows, labels, "different")
    geo = geo_d - geo_w
    same = (s_d - s_w) * (geo_total / s_total if s_total else 0.0)
    diff = (d_d - d_w) * (geo_total / d_total if d_total else 0.0)
    return (1.0 - mu) * geo + mu * same, diff


class ManifoldAlignment(SubspaceCrossmodalModel):
    """Semi-supervised manifold alignment with labels (linear).

    ``mu``: the weight of the same-label term against the geometry (0.5, Tuia's default); ``knn``: neighbours of
    the binary within-modality kNN graphs (9, Tuia's default); ``reg``: a ridge on the left-hand matrix, relative
    to its mean eigenvalue, that keeps the generalised eigenproblem well posed; ``max_unlabelled``: the
    unlabelled pool given to :meth:`fit` (each modality it holds) joins that modality's geometry graph, at most
    this many of its pixels (a random subset drawn with ``seed``; None: every pixel).  ``centres_per_class``
    defaults to None (every labelled pixel).  Other arguments: :class:`~.subspace.SubspaceCrossmodalModel`.
    """

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("hs", "ms"),
                 in_channels: Sequence[int] = (144, 8), test_modalities: Sequence[str] = ("ms",), dim: int = 30,
                 mu: float = 0.5, knn: int = 9, reg: float = 1e-6, classifier: str = "1nn",
                 centres_per_class: int | None = None, max_unlabelled: int | None = 2000,
                 setting: str = "leak_free", input_scaling: str = "minmax", **kwargs: Any) -> None:
        super().__init__(num_classes, modalities, in_channels, test_modalities, dim=dim, classifier=classifier,
                         centres_per_class=centres_per_class, setting=setting, input_scaling=input_scaling,
                         **kwargs)
        if not 0.0 <= mu <= 1.0:
            raise ValueError(f"mu must be in [0, 1], got {mu}")
        if int(knn) < 1:
            raise ValueError(f"knn must be >= 1, got {knn}")
        self.mu, self.knn, self.reg = float(mu), int(knn), float(reg)
        self.max_unlabelled = None if max_unlabelled is None else int(max_unlabelled)

    def _learn(self, xs: dict[str, np.ndarray], y: np.ndarray, pool: dict[str, np.ndarray], seed: int) -> Learned:
        from scipy.linalg import eigh

        mods = self.modalities
        chans = [self.in_channels[m] for m in mods]
        stacked, labels = class_centres(np.concatenate([xs[m] for m in mods], axis=1), y, self.centres_per_class,
                                        seed=seed)
        parts = list(np.split(stacked, np.cumsum(chans)[:-1], axis=1))
        which = list(range(len(mods)))
        lab = [labels] * len(mods)
        rng = np.random.default_rng(seed)
        for i, m in enumerate(mods):  # the unlabelled pool joins each modality's geometry
            if m not in pool:
                continue
            u = pool[m]
            if self.max_unlabelled is not None and u.shape[0] > self.max_unlabelled:
                u = u[np.sort(rng.choice(u.shape[0], self.max_unlabelled, replace=False))]
            parts.append(u)
            which.append(i)
            lab.append(np.full(u.shape[0], -1, dtype=np.int64))
        rows = block_inputs(parts, chans, which)
        blocks = np.concatenate([np.full(p.shape[0], w) for p, w in zip(parts, which)])
        a, b = alignment_matrices(rows, np.concatenate(lab), blocks, self.mu, self.knn)
        a = a + self.reg * max(np.trace(a) / a.shape[0], 1e-12) * np.eye(a.shape[0])
        # the d smallest of A v = lambda B v = the d largest of B v = eta A v (A positive definite)
        eta, v = eigh(b, a)
        v = v[:, np.argsort(-eta)[:self.dim]]
        offsets = np.concatenate([[0], np.cumsum(chans)])
        projections = {m: v[offsets[i]:offsets[i + 1]].T for i, m in enumerate(mods)}
        return Learned(projections, info={"eigenvalues": 1.0 / np.sort(eta)[::-1][:self.dim], "a": a, "b": b,
                                          "samples": rows.shape[0]})


# --- configs --------------------------------------------------------------------------------------------------
default_cfgs = {
    "manifold_alignment": ArchConfig(
        task="crossmodal",
        inputs=("ms",),
        paper="C. Wang, S. Mahadevan, 'Heterogeneous Domain Adaptation Using Manifold Alignment', IJCAI 2011; "
              "D. Tuia, M. Volpi, M. Trolliet, G. Camps-Valls, 'Semisupervised Manifold Alignment of Multimodal "
              "Remote Sensing Images', IEEE TGRS 52(12):7708-7720, 2014",
        summary="semi-supervised manifold alignment with labels: one linear projection per modality from a "
                "generalised eigenproblem (within-modality kNN geometry, same-label pull, different-label push); "
                "trained on HS + MS, MS-only at test time, 1-NN on the projected MS",
        url="https://www.ijcai.org/Proceedings/11/Papers/259.pdf",
        card="manifold_alignment.md",
        weights=available_weights("manifold_alignment", ("houston2013", "houston2018crop"), task="crossmodal"),
    ),
}


# --- entry points ---------------------------------------------------------------------------------------------
@register_model
def manifold_alignment(pretrained: bool = False, **kwargs) -> ManifoldAlignment:
    """Semi-supervised manifold alignment with labels (Wang & Mahadevan 2011; Tuia et al. 2014); call ``fit``."""
    return build_model(ManifoldAlignment, "manifold_alignment", pretrained, **kwargs)
