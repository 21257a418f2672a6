"""RBF support vector machine on pixel vectors (``svm_rbf``).

C. Cortes, V. Vapnik, "Support-vector networks", Machine Learning 20:273-297, 1995; the multi-class scheme
and solver of libsvm (C.-C. Chang, C.-J. Lin, "LIBSVM: a library for support vector machines", ACM TIST 2(3),
2011), through scikit-learn's ``SVC``.

Fitting: ``SVC(kernel="rbf", C, gamma, decision_function_shape="ovo")`` on the (optionally standardised)
training pixels.  Prediction in torch from the stored support vectors, dual coefficients, intercepts, per-class
support counts and gamma, exactly as libsvm predicts: for each pair of classes (i, j), i < j, the decision value
``d_ij = sum_{s in SV_i} a^j_s K(s, x) + sum_{s in SV_j} a^i_s K(s, x) + b_ij`` with ``K(s, x) = exp(-gamma
||s - x||^2)``; ``d_ij > 0`` is a vote for i, otherwise for j.  The score of class k is its vote count plus
``(n - 1 - k') / n`` (k' its rank among the n fitted classes): below one vote, so the scores' argmax is the
class with the most votes and, on a tie, the lowest class index, as libsvm (and ``SVC.predict``) break ties.
Classes absent from the training labels score -1.  No parameters: everything is buffers.
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

__all__ = ["SVMPixelClassifier", "svm_rbf"]

#: rows of the kernel matrix computed at once (memory: rows x support vectors doubles)
_ROWS = 4096


class SVMPixelClassifier(FittedPixelClassifier):
    """RBF SVM on the concatenated pixel vectors of ``modalities``; fit with :meth:`fit`.

    ``C``: the soft-margin penalty (default 100, the value of the project's LiDAR-feature sanity anchor);
    ``gamma``: ``"scale"`` (``1 / (F * var(X))`` over the standardised training features, scikit-learn's
    default), ``"auto"`` (``1 / F``) or a number; ``standardize``: learn per-feature mean and standard deviation
    on the training pixels and apply them to every input (default True: the modalities' scales differ);
    ``tol``: libsvm's stopping tolerance.  Scores: see the module docstring; ``outputs`` also gives ``"votes"``
    (B, K) and ``"decision"`` (B, n(n-1)/2), the one-vs-one decision values in libsvm's pair order.
    """

    _fitted_buffers: ClassVar[dict[str, torch.dtype]] = {
        "support_vectors": torch.float64, "dual_coef": torch.float64, "intercept": torch.float64,
        "n_support": torch.int64, "gamma": torch.float64}

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("lidar",),
                 in_channels: Sequence[int] = (21,), C: float = 100.0, gamma: str | float = "scale",
                 standardize: bool = True, tol: float = 1e-3, class_names: Sequence[str] | None = None,
                 preprocess: Mapping[str, Any] | None = None, missing: str = "zeros") -> None:
        super().__init__(num_classes, modalities, in_channels, standardize=standardize, class_names=class_names,
                         preprocess=preprocess, missing=missing)
        if not float(C) > 0:
            raise ValueError(f"C must be positive, got {C!r}")
        if not (gamma in ("scale", "auto") if isinstance(gamma, str) else float(gamma) > 0):
            raise ValueError(f"gamma must be 'scale', 'auto' or a positive number, got {gamma!r}")
        self.C, self.gamma_setting, self.tol = float(C), gamma, float(tol)

    def _gamma_value(self, x: np.ndarray) -> float:
        if self.gamma_setting == "scale":
            var = float(x.var())
            return 1.0 / (x.shape[1] * var) if var > 0 else 1.0  # scikit-learn's rule
        if self.gamma_setting == "auto":
            return 1.0 / x.shape[1]
        return float(self.gamma_setting)

    def _fit(self, x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
        from sklearn.svm import SVC

        gamma = self._gamma_value(x)
        clf = SVC(kernel="rbf", C=self.C, gamma=gamma, tol=self.tol, decision_function_shape="ovo",
                  random_state=seed).fit(x, y)
        self._set("support_vectors", clf.support_vectors_)
        self._set("dual_coef", clf.dual_coef_)
        self._set("intercept", clf.intercept_)
        self._set("n_support", clf.n_support_)
        self._set("gamma", [gamma])
        return clf.classes_

    def _pairs(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """libsvm's pairs (i, j), i < j, in order, and the (n_SV, n_pairs) coefficients of each decision."""
        n = self.n_support.numel()
        start = [0, *np.cumsum(self.n_support.tolist()).tolist()]
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        coef = self.dual_coef.new_zeros(self.support_vectors.shape[0], len(pairs))
        for p, (i, j) in enumerate(pairs):
            coef[start[i]:start[i + 1], p] = self.dual_coef[j - 1, start[i]:start[i + 1]]
            coef[start[j]:start[j + 1], p] = self.dual_coef[i, start[j]:start[j + 1]]
        pi = torch.tensor([i for i, _ in pairs], dtype=torch.int64, device=coef.device)
        pj = torch.tensor([j for _, j in pairs], dtype=torch.int64, device=coef.device)
        return pi, pj, coef

    def _scores(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        sv, n = self.support_vectors, self.n_support.numel()
        pi, pj, coef = self._pairs()
        sv2 = (sv * sv).sum(1)
        dec = torch.cat([torch.exp(-self.gamma * ((c * c).sum(1, keepdim=True) + sv2 - 2 * c @ sv.T).clamp_min(0))
                         @ coef for c in z.split(_ROWS)]) + self.intercept
        win = torch.where(dec > 0, pi, pj)
        votes = torch.zeros(z.shape[0], n, dtype=z.dtype, device=z.device).scatter_add_(
            1, win, torch.ones_like(dec))
        rank_bonus = (n - 1 - torch.arange(n, dtype=z.dtype, device=z.device)) / n
        return {"logits": self._class_columns(votes + rank_bonus, -1.0),
                "votes": self._class_columns(votes, 0.0), "decision": dec}

    def _check_loaded(self) -> list[str]:
        problems = super()._check_loaded()
        sv = self.support_vectors
        if sv.numel() and (sv.dim() != 2 or sv.shape[1] != self.num_features):
            problems.append(f"the weights hold support vectors of {sv.shape[-1]} features, this model takes "
                            f"{self.num_features} ({dict(self.in_channels)})")
        return problems


# --- configs ---------------------------------------------------------------------------------------------------
default_cfgs = {
    "svm_rbf": ArchConfig(
        task="classification",
        inputs=("lidar",),
        paper="C. Cortes, V. Vapnik, 'Support-vector networks', Machine Learning 20:273-297, 1995; C.-C. Chang, "
              "C.-J. Lin, 'LIBSVM: a library for support vector machines', ACM TIST 2(3):27, 2011",
        summary="RBF support vector machine on pixel vectors (the modalities concatenated, e.g. 21 LiDAR "
                "morphological-profile features), fitted with scikit-learn (libsvm one-vs-one); prediction in "
                "torch from buffers (support vectors, dual coefficients, intercepts, gamma)",
        url="https://doi.org/10.1007/BF00994018",
        card="svm_rbf.md",
        weights=available_weights("svm_rbf", ("houston2013_lidar",)),
    ),
}


# --- entry points ----------------------------------------------------------------------------------------------
@register_model
def svm_rbf(pretrained: bool = False, **kwargs) -> SVMPixelClassifier:
    """RBF SVM (Cortes & Vapnik 1995; libsvm one-vs-one) on pixel vectors; call ``fit`` or load weights."""
    return build_model(SVMPixelClassifier, "svm_rbf", pretrained, **kwargs)
