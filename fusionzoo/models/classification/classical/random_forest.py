"""Random forest on pixel vectors (``random_forest``).

L. Breiman, "Random forests", Machine Learning 45:5-32, 2001, through scikit-learn's
``RandomForestClassifier`` (CART trees, Gini impurity, bootstrap samples, ``sqrt(F)`` features tried per split).

Fitting: ``RandomForestClassifier(n_estimators, random_state=seed, ...)`` on the training pixels.  Every tree is
then packed into flat buffers: ``tree_offsets`` (T + 1) gives each tree's first node; per node (all trees
concatenated, child indices already global, -1 at the leaves) ``children_left``, ``children_right``,
``feature``, ``threshold`` and ``leaf_index``, the row of ``leaf_proba`` (n_leaves, n_classes) holding the
leaf's class probabilities (its training class fractions: scikit-learn's tree ``predict_proba``).
Prediction in torch: each pixel walks every tree (left when ``x[feature] <= threshold``, the feature value
rounded to float32 first, as scikit-learn's trees read their input) and the scores are the mean of the leaves'
class probabilities (``predict_proba``; 0 for classes absent from the training labels).  No parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import torch

from ....builder import build_model
from ....registry import ArchConfig, register_model
from . import FittedPixelClassifier
from ..weights_records import available_weights

__all__ = ["RandomForestPixelClassifier", "random_forest"]

#: pixels walked through the forest at once (memory: rows x trees x classes doubles)
_ROWS = 2048


class RandomForestPixelClassifier(FittedPixelClassifier):
    """Random forest on the concatenated pixel vectors of ``modalities``; fit with :meth:`fit`.

    ``n_estimators`` (200), ``max_features`` (``"sqrt"``), ``max_depth`` (None: grown until pure),
    ``min_samples_leaf`` (1), ``criterion`` (``"gini"``), ``bootstrap`` (True): scikit-learn's meaning;
    ``n_jobs``: threads used by ``fit``; ``standardize`` (default False: trees do not depend on the features'
    scale).  Scores: the mean class probabilities of the trees.
    """

    _fitted_buffers: ClassVar[dict[str, torch.dtype]] = {
        "tree_offsets": torch.int64, "children_left": torch.int64, "children_right": torch.int64,
        "feature": torch.int64, "threshold": torch.float64, "leaf_index": torch.int64, "leaf_proba": torch.float64,
        "depth": torch.int64}

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("lidar",),
                 in_channels: Sequence[int] = (21,), n_estimators: int = 200, max_features: str | float | None = "sqrt",
                 max_depth: int | None = None, min_samples_leaf: int = 1, criterion: str = "gini",
                 bootstrap: bool = True, n_jobs: int | None = None, standardize: bool = False,
                 class_names: Sequence[str] | None = None, preprocess: Mapping[str, Any] | None = None,
                 missing: str = "zeros") -> None:
        super().__init__(num_classes, modalities, in_channels, standardize=standardize, class_names=class_names,
                         preprocess=preprocess, missing=missing)
        if isinstance(n_estimators, bool) or int(n_estimators) != n_estimators or n_estimators < 1:
            raise ValueError(f"n_estimators must be a positive integer, got {n_estimators!r}")
        self.n_estimators, self.max_features, self.max_depth = int(n_estimators), max_features, max_depth
        self.min_samples_leaf, self.criterion, self.bootstrap = min_samples_leaf, criterion, bool(bootstrap)
        self.n_jobs = n_jobs

    def _fit(self, x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
        from sklearn.ensemble import RandomForestClassifier

        rf = RandomForestClassifier(n_estimators=self.n_estimators, criterion=self.criterion,
                                    max_depth=self.max_depth, min_samples_leaf=self.min_samples_leaf,
                                    max_features=self.max_features, bootstrap=self.bootstrap, n_jobs=self.n_jobs,
                                    random_state=seed).fit(x, y)
        offsets, left, right, feature, threshold, leaf_index, proba = [0], [], [], [], [], [], []
        n_leaves = 0
        for est in rf.estimators_:
            t = est.tree_
            base = offsets[-1]
            leaf = t.children_left < 0
            left.append(np.where(leaf, -1, t.children_left + base))
            right.append(np.where(leaf, -1, t.children_right + base))
            feature.append(np.where(leaf, -1, t.feature))
            threshold.append(np.where(leaf, 0.0, t.threshold))
            idx = np.full(t.node_count, -1, dtype=np.int64)
            idx[leaf] = n_leaves + np.arange(leaf.sum())
            leaf_index.append(idx)
            value = t.value[leaf, 0, :].astype(np.float64)
            total = value.sum(1, keepdims=True)
            proba.append(value / np.where(total > 0, total, 1.0))  # the tree's predict_proba normalisation
            n_leaves += int(leaf.sum())
            offsets.append(base + t.node_count)
        for name, parts in (("children_left", left), ("children_right", right), ("feature", feature),
                            ("threshold", threshold), ("leaf_index", leaf_index), ("leaf_proba", proba)):
            self._set(name, np.concatenate(parts))
        self._set("tree_offsets", offsets)
        self._set("depth", [max(est.tree_.max_depth for est in rf.estimators_)])
        return rf.classes_

    def _scores(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        z = z.to(torch.float32).to(torch.float64)  # scikit-learn's trees compare float32 inputs
        nodes = torch.arange(self.feature.numel(), device=z.device)
        leaf = self.children_left < 0
        left = torch.where(leaf, nodes, self.children_left)  # a leaf points to itself
        right = torch.where(leaf, nodes, self.children_right)
        feature, threshold = self.feature.clamp_min(0), self.threshold
        roots = self.tree_offsets[:-1]
        n_trees = roots.numel()
        chunks = []
        for c in z.split(_ROWS):
            node = roots.expand(c.shape[0], n_trees)
            for _ in range(int(self.depth)):
                node = torch.where(c.gather(1, feature[node]) <= threshold[node], left[node], right[node])
            chunks.append(self.leaf_proba[self.leaf_index[node]].sum(1) / n_trees)
        proba = torch.cat(chunks) if chunks else z.new_zeros(0, self.leaf_proba.shape[-1])
        return {"logits": self._class_columns(proba, 0.0)}

    def _check_loaded(self) -> list[str]:
        problems = super()._check_loaded()
        if self.feature.numel() and int(self.feature.max()) >= self.num_features:
            problems.append(f"the weights split on feature {int(self.feature.max())}, this model takes "
                            f"{self.num_features} features ({dict(self.in_channels)})")
        if self.tree_offsets.numel() and int(self.tree_offsets[-1]) != self.feature.numel():
            problems.append("the weights' tree_offsets do not match their node count (a corrupted file?)")
        return problems


# --- configs ---------------------------------------------------------------------------------------------------
default_cfgs = {
    "random_forest": ArchConfig(
        task="classification",
        inputs=("lidar",),
        paper="L. Breiman, 'Random forests', Machine Learning 45:5-32, 2001",
        summary="random forest (200 CART trees by default, Gini, bootstrap, sqrt(F) features per split) on pixel "
                "vectors, fitted with scikit-learn; prediction in torch from the trees packed into flat buffers "
                "(mean of the leaves' class probabilities)",
        url="https://doi.org/10.1023/A:1010933404324",
        card="random_forest.md",
        weights=available_weights("random_forest", ("houston2013_lidar",)),
    ),
}


# --- entry points ----------------------------------------------------------------------------------------------
@register_model
def random_forest(pretrained: bool = False, **kwargs) -> RandomForestPixelClassifier:
    """Random forest (Breiman 2001) on pixel vectors; call ``fit`` or load weights."""
    return build_model(RandomForestPixelClassifier, "random_forest", pretrained, **kwargs)
