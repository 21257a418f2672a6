"""Classifiers fitted on training pixels (no gradient training): an RBF support vector machine
(:mod:`.svm`, ``svm_rbf``) and a random forest (:mod:`.random_forest`, ``random_forest``).

Both take pixel vectors (B, C) of their modalities, concatenated in ``modalities`` order into one feature
vector, and are fitted with scikit-learn (``model.fit(X, y)``).  Everything prediction needs is then copied
into torch buffers, so a fitted model saves with ``safetensors.torch.save_file(model.state_dict(), path)`` and
loads into a fresh, unfitted instance with ``load_state_dict`` (the buffers take the stored sizes): no pickle
anywhere, and prediction runs in torch without scikit-learn.  Scores are computed in float64 and returned in
the inputs' dtype.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import torch

from ..base import ClassificationModel

__all__ = ["FittedPixelClassifier", "NotFittedError"]


class NotFittedError(RuntimeError):
    """The classifier has not been fitted nor loaded."""


class FittedPixelClassifier(ClassificationModel):
    """Base of the classifiers fitted on training pixels: input handling of :meth:`fit`, the optional feature
    standardisation (``(x - feature_mean) / feature_scale``, learned on the training pixels and applied when
    those buffers are non-empty), buffers that take the sizes of a loaded state dict, and the error of an
    unfitted model.  Subclasses write :meth:`_fit` (scikit-learn -> buffers) and :meth:`_scores` (torch)."""

    #: buffer -> dtype; every buffer starts empty and is filled by ``fit`` or ``load_state_dict``
    _fitted_buffers: ClassVar[dict[str, torch.dtype]] = {}

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("lidar",),
                 in_channels: Sequence[int] = (21,), standardize: bool = False,
                 class_names: Sequence[str] | None = None, preprocess: Mapping[str, Any] | None = None,
                 missing: str = "zeros") -> None:
        super().__init__(num_classes, modalities, in_channels, patch_size=None, class_names=class_names,
                         preprocess=preprocess, missing=missing)
        self.standardize = bool(standardize)
        buffers = {"classes": torch.int64, "feature_mean": torch.float64, "feature_scale": torch.float64,
                   **self._fitted_buffers}
        for name, dtype in buffers.items():
            self.register_buffer(name, torch.zeros(0, dtype=dtype))

    @property
    def num_features(self) -> int:
        """The length of the concatenated feature vector."""
        return sum(self.in_channels.values())

    @property
    def is_fitted(self) -> bool:
        return self.classes.numel() > 0

    # --- fitting --------------------------------------------------------------------------------------------
    def _feature_matrix(self, X: Any) -> np.ndarray:
        """(N, F) float64 from a dict of (N, C_m) arrays (every modality, concatenated in ``modalities`` order) or
        one (N, F) array."""
        if isinstance(X, Mapping):
            unknown = [k for k in X if k not in self.modalities]
            missing = [m for m in self.modalities if m not in X]
            if unknown or missing:
                raise ValueError(f"fit takes the modalities {', '.join(self.modalities)}; "
                                 + (f"unknown {unknown}" if unknown else f"missing {missing}"))
            parts = []
            for m in self.modalities:
                a = _as_numpy(X[m])
                if a.ndim != 2 or a.shape[1] != self.in_channels[m]:
                    raise ValueError(f"{m} must be (N, {self.in_channels[m]}) training pixels, got shape {a.shape}")
                parts.append(a)
            if len({a.shape[0] for a in parts}) > 1:
                raise ValueError(f"the modalities have different pixel counts {[a.shape[0] for a in parts]}")
            x = np.concatenate(parts, axis=1)
        else:
            x = _as_numpy(X)
            if x.ndim != 2 or x.shape[1] != self.num_features:
                raise ValueError(f"X must be (N, {self.num_features}) training pixels (the modalities "
                                 f"{', '.join(self.modalities)} concatenated) or a dict of them, got shape {x.shape}")
        x = x.astype(np.float64)
        if not np.isfinite(x).all():
            raise ValueError("the training pixels have NaN/Inf values; drop or fill them before fit")
        return x

    def _labels(self, y: Any, n: int) -> np.ndarray:
        y = _as_numpy(y).reshape(-1)
        if y.shape[0] != n:
            raise ValueError(f"y has {y.shape[0]} labels for {n} training pixels")
        if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
            raise ValueError("y must hold integer class indices 0..K-1")
        y = y.astype(np.int64)
        if y.min() < 0 or y.max() >= self.num_classes:
            raise ValueError(f"y must hold class indices 0..{self.num_classes - 1}, got values {y.min()}..{y.max()} "
                             f"(subtract 1 from 1-based labels; drop the unlabelled pixels)")
        if np.unique(y).size < 2:
            raise ValueError("y must contain at least two classes")
        return y

    def fit(self, X: Any, y: Any, seed: int = 0) -> FittedPixelClassifier:
        """Fit on training pixels: ``X`` a dict ``{modality: (N, C_m)}`` (or one (N, F) array of them
        concatenated), ``y`` (N,) class indices 0..K-1 (classes absent from ``y`` are never predicted);
        ``seed`` for the randomised parts.  Needs scikit-learn.  Returns the model."""
        x = self._feature_matrix(X)
        y = self._labels(y, x.shape[0])
        self._set("classes", np.zeros(0))  # unfitted until _fit succeeds
        if self.standardize:
            mean, scale = x.mean(0), x.std(0)
            scale = np.where(scale > 0, scale, 1.0)
            x = (x - mean) / scale
            self._set("feature_mean", mean)
            self._set("feature_scale", scale)
        else:
            self._set("feature_mean", np.zeros(0))
            self._set("feature_scale", np.zeros(0))
        try:
            import sklearn  # noqa: F401
        except ImportError:
            raise ImportError(f"{type(self).__name__}.fit needs scikit-learn: pip install scikit-learn") from None
        classes = self._fit(x, y, int(seed))
        self._set("classes", np.asarray(classes, dtype=np.int64))
        return self

    def _set(self, name: str, value: Any) -> None:
        """Replace buffer ``name`` by ``value`` (any size), keeping its dtype and device."""
        old = self._buffers[name]
        self._buffers[name] = torch.as_tensor(np.asarray(value)).to(dtype=old.dtype, device=old.device).clone()

    def transform_features(self, z: torch.Tensor) -> torch.Tensor:
        """The standardisation learned in :meth:`fit` (none when its buffers are empty)."""
        if self.feature_mean.numel():
            return (z - self.feature_mean) / self.feature_scale
        return z

    # --- prediction -----------------------------------------------------------------------------------------
    def outputs(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        if not self.is_fitted:
            raise NotFittedError(f"{type(self).__name__} is not fitted: call model.fit(X, y) on training pixels or "
                                 f"load fitted weights (model.load_state_dict)")
        z = torch.cat([x[m] for m in self.modalities], dim=1)
        out = self._scores(self.transform_features(z.to(torch.float64)))
        out["logits"] = out["logits"].to(z.dtype)
        return out

    def _class_columns(self, scores: torch.Tensor, fill: float) -> torch.Tensor:
        """(B, n_fitted_classes) -> (B, K): the fitted classes' columns in place, ``fill`` elsewhere."""
        full = scores.new_full((scores.shape[0], self.num_classes), fill)
        full[:, self.classes] = scores
        return full

    # --- what subclasses write --------------------------------------------------------------------------------
    def _fit(self, x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
        """Fit on the (standardised) features, fill the buffers, return the classes seen (sorted)."""
        raise NotImplementedError

    def _scores(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        """``{"logits": (B, K) float64, ...}`` from the (standardised) float64 features."""
        raise NotImplementedError

    def _check_loaded(self) -> list[str]:
        """Consistency problems of the loaded buffers with this model (one line each)."""
        problems = []
        if self.classes.numel() and (int(self.classes.min()) < 0 or int(self.classes.max()) >= self.num_classes):
            problems.append(f"the weights predict classes up to {int(self.classes.max())}, this model has "
                            f"num_classes={self.num_classes}")
        if self.feature_mean.numel() not in (0, self.num_features):
            problems.append(f"the weights were fitted on {self.feature_mean.numel()} features, this model takes "
                            f"{self.num_features} ({dict(self.in_channels)})")
        return problems

    # --- loading: buffers take the stored sizes ----------------------------------------------------------------
    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        resize_buffers(self, state_dict, prefix)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)
        error_msgs.extend(self._check_loaded())


def resize_buffers(module: torch.nn.Module, state_dict: Mapping[str, torch.Tensor], prefix: str) -> None:
    """Give ``module``'s own buffers the sizes they have in ``state_dict`` (fitted models: their state's size
    depends on the data they were fitted on), so that a fresh instance loads any fitted state."""
    for name, buf in list(module._buffers.items()):
        key = prefix + name
        if buf is not None and key in state_dict and state_dict[key].shape != buf.shape:
            module._buffers[name] = torch.zeros(state_dict[key].shape, dtype=buf.dtype, device=buf.device)


def _as_numpy(a: Any) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a)


from .nearest_neighbour import NearestNeighbourClassifier, nearest_neighbour  # after the base: they subclass it
from .random_forest import RandomForestPixelClassifier, random_forest
from .svm import SVMPixelClassifier, svm_rbf

__all__ += ["NearestNeighbourClassifier", "RandomForestPixelClassifier", "SVMPixelClassifier", "nearest_neighbour",
            "random_forest", "svm_rbf"]
