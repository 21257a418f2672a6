"""The forward contract of crossmodal learning: trained with several modalities, used with fewer.

A crossmodal model declares its **training modalities** (``modalities``, e.g. ``("hs", "ms")``) and its **test
modalities** (``test_modalities``, e.g. ``("ms",)``).  Where it is used it takes only the latter:
``model(ms=...)`` -> class scores (B, K) (pixel vectors (B, C) or patches (B, C, k, k), as
:class:`~fusionzoo.models.classification.ClassificationModel`); giving a training-only modality is an error,
since the point of these methods is that it is absent.

Training sees every training modality, and semi-supervised methods also unlabelled samples:

* networks: :meth:`CrossmodalModel.training_losses` ``(target, labelled={...}, unlabelled={...} or None)`` ->
  ``{"total", ...}`` (the terms the method adds: adversarial, mutual learning, label propagation, ...);
* shallow methods (fitted, not trained by gradient): ``fit(labelled={...}, y, unlabelled={...} or None,
  seed=0)``; everything prediction needs is kept in buffers, so they save and load with safetensors.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import torch

from ..classification.base import ClassificationModel

__all__ = ["CrossmodalModel"]


class CrossmodalModel(ClassificationModel):
    """Base of the crossmodal models.

    ``modalities`` / ``in_channels``: the training modalities and their channels; ``test_modalities``: those
    available at test time (a non-empty proper subset... or the same set for a multimodal reference);
    other arguments as :class:`~fusionzoo.models.classification.ClassificationModel`.  Subclasses write
    :meth:`test_logits` (scores from the test modalities) and the training side.
    """

    task = "crossmodal"

    def __init__(self, num_classes: int, modalities: Sequence[str], in_channels: Sequence[int],
                 test_modalities: Sequence[str], patch_size: int | None = None, **kwargs: Any) -> None:
        super().__init__(num_classes, modalities, in_channels, patch_size=patch_size, missing="error", **kwargs)
        test_modalities = tuple(test_modalities)
        if not test_modalities or not set(test_modalities) <= set(self.modalities):
            raise ValueError(f"test_modalities {test_modalities} must be a non-empty subset of the training "
                             f"modalities {self.modalities}")
        self.test_modalities = test_modalities

    @property
    def inputs(self) -> tuple[str, ...]:
        """What the model takes where it is used: the test modalities."""
        return self.test_modalities

    def check_test_inputs(self, inputs: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        extra = [k for k in inputs if k not in self.test_modalities]
        if extra:
            raise TypeError(f"this model is used with {', '.join(self.test_modalities)} only (it was trained with "
                            f"{', '.join(self.modalities)}); {', '.join(extra)} is not an input at test time")
        missing = [k for k in self.test_modalities if inputs.get(k) is None]
        if missing:
            raise ValueError(f"give the test modalities {', '.join(missing)}")
        x = {k: self._check(k, inputs[k]) for k in self.test_modalities}
        if len({t.shape[0] for t in x.values()}) > 1:
            raise ValueError("the test modalities have different batch sizes")
        return x

    def forward(self, *args: torch.Tensor, **inputs: torch.Tensor) -> torch.Tensor:
        """Class scores (B, K) from the test modalities (by keyword, or positionally in ``test_modalities``
        order)."""
        self._sync_bn_mode()
        if len(args) > len(self.test_modalities):
            raise TypeError(f"this model takes {len(self.test_modalities)} input(s) "
                            f"({', '.join(self.test_modalities)})")
        for name, a in zip(self.test_modalities, args):
            inputs[name] = a
        return self.test_logits(self.check_test_inputs(inputs))

    def test_logits(self, x: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    def outputs(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        return {"logits": self.test_logits({k: x[k] for k in self.test_modalities})}
