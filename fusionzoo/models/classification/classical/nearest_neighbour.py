"""1-nearest-neighbour classifier on pixel vectors (``nearest_neighbour``).

T. Cover, P. Hart, "Nearest neighbor pattern classification", IEEE Trans. Inf. Theory 13(1):21-27, 1967.  The
classifier of the S2FL / CoSpace demos (Euclidean 1-NN on the learned features); here on raw (optionally
standardised) features, e.g. as the test-modality-only baseline of the crossmodal methods.

Fitting stores the training pixels and their labels as buffers (``train_features`` (N, F), ``train_labels``
(N,)); the score of class k is minus the Euclidean distance to the nearest training pixel of class k (``-inf``
for classes without training pixels), so the argmax is the 1-NN label.  No parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import torch

from ....builder import build_model
from ....registry import ArchConfig, register_model
from . import FittedPixelClassifier

__all__ = ["NearestNeighbourClassifier", "nearest_neighbour"]

_ROWS = 4096  # test pixels compared with the whole training set at once


class NearestNeighbourClassifier(FittedPixelClassifier):
    """Euclidean 1-NN on the concatenated pixel vectors of ``modalities``; fit with :meth:`fit`.
    ``standardize`` (default False, as the demos): z-score the features with the training statistics first."""

    _fitted_buffers: ClassVar[dict[str, torch.dtype]] = {"train_features": torch.float64,
                                                         "train_labels": torch.int64}

    def __init__(self, num_classes: int = 15, modalities: Sequence[str] = ("lidar",),
                 in_channels: Sequence[int] = (21,), standardize: bool = False,
                 class_names: Sequence[str] | None = None, preprocess: Mapping[str, Any] | None = None,
                 missing: str = "zeros") -> None:
        super().__init__(num_classes, modalities, in_channels, standardize=standardize, class_names=class_names,
                         preprocess=preprocess, missing=missing)

    def _fit(self, x: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
        self._set("train_features", x)
        self._set("train_labels", y)
        return np.unique(y)

    def _scores(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        out = []
        for s in range(0, z.shape[0], _ROWS):
            d = torch.cdist(z[s:s + _ROWS], self.train_features)  # (b, N)
            best = d.new_full((d.shape[0], self.num_classes), float("inf"))
            best.scatter_reduce_(1, self.train_labels.expand(d.shape[0], -1), d, reduce="amin")
            out.append(-best)
        return {"logits": torch.cat(out)}


default_cfgs = {
    "nearest_neighbour": ArchConfig(
        task="classification",
        inputs=("lidar",),
        paper="T. Cover, P. Hart, 'Nearest neighbor pattern classification', IEEE Trans. Information Theory "
              "13(1):21-27, 1967",
        summary="Euclidean 1-nearest-neighbour on pixel vectors (the classifier of the S2FL / CoSpace demos), "
                "the training pixels stored as tensors",
        url="https://doi.org/10.1109/TIT.1967.1053964",
        card="nearest_neighbour.md",
    ),
}


@register_model
def nearest_neighbour(pretrained: bool = False, **kwargs) -> NearestNeighbourClassifier:
    """1-NN classifier fitted on training pixels (``model.fit(X, y)``)."""
    return build_model(NearestNeighbourClassifier, "nearest_neighbour", pretrained, **kwargs)
