"""The forward contract of multimodal classification.

``model(hs=..., lidar=...)`` (any modalities the model declares, by keyword) -> class scores (B, K).  Each
modality is either a pixel vector (B, C) (``patch_size=None``) or a patch (B, C, k, k) centred on the pixel
being classified (``patch_size=k``).  Inputs are floating point, already prepared as the weights expect
(features such as the morphological profiles of a DSM computed on the whole raster, then the normalisation the
weights state: :meth:`ClassificationModel.prepare` does both for whole rasters).

**Missing modalities (CML).**  A declared modality left out of the call is zero-filled (the MDL-RS "CML"
setting: the model was trained with every modality and one is absent at test time); at least one must be
given.  ``missing="error"`` makes a missing modality an error instead.

**BatchNorm at test time.**  ``bn_mode="eval"`` (default) uses the running statistics, as every reported
number of this project does; ``bn_mode="batch"`` normalises each test batch by its own statistics without
updating the running ones, as the authors' TF1 scripts do in CML (the whole test set as one batch, i.e.
transductive statistics).  :func:`set_bn_mode` switches a built model.

**Training loss.**  :meth:`ClassificationModel.training_losses` returns the cross-entropy, the L2 penalty
``l2_weight * sum(0.5 * ||W||^2)`` over the weight matrices and kernels only (no biases, no BatchNorm: TF's
``tf.nn.l2_loss`` as the authors apply it) and the model's own terms (reconstruction, cross-modal
consistency: :meth:`ClassificationModel.aux_losses`), and their sum ``"total"``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...weights import BandMismatchError

__all__ = ["ClassificationModel", "BatchNorm1d", "BatchNorm2d", "set_bn_mode", "BN_MODES", "l2_penalty"]

BN_MODES = ("eval", "batch")


class _TestBatchStats:
    """Mixin of the BatchNorm layers: in eval mode with ``batch_stats`` set, normalise by the batch's own
    statistics and leave the running ones untouched (the authors' CML test behaviour)."""

    batch_stats: bool = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        if not self.training and self.batch_stats:
            return F.batch_norm(x, None, None, self.weight, self.bias, True, 0.0, self.eps)
        return super().forward(x)  # type: ignore[misc]


class BatchNorm1d(_TestBatchStats, nn.BatchNorm1d):
    """``nn.BatchNorm1d`` with TF1's defaults (momentum 0.9 in TF = 0.1 here, eps 1e-3) and :func:`set_bn_mode`."""

    def __init__(self, num_features: int, eps: float = 1e-3, momentum: float = 0.1) -> None:
        super().__init__(num_features, eps=eps, momentum=momentum)


class BatchNorm2d(_TestBatchStats, nn.BatchNorm2d):
    """``nn.BatchNorm2d`` with TF1's defaults and :func:`set_bn_mode`."""

    def __init__(self, num_features: int, eps: float = 1e-3, momentum: float = 0.1) -> None:
        super().__init__(num_features, eps=eps, momentum=momentum)


def set_bn_mode(module: nn.Module, mode: str) -> nn.Module:
    """``"eval"``: running statistics at test time (default); ``"batch"``: each test batch's own statistics."""
    if mode not in BN_MODES:
        raise ValueError(f"bn_mode must be 'eval' (running statistics) or 'batch' (the test batch's own, as the "
                         f"authors' CML scripts), got {mode!r}")
    for m in module.modules():
        if isinstance(m, _TestBatchStats):
            m.batch_stats = mode == "batch"
    return module


def l2_penalty(module: nn.Module) -> torch.Tensor:
    """``sum(0.5 * ||W||^2)`` over the weights of every linear and (transposed) convolution layer: no biases, no
    BatchNorm parameters (TF's ``tf.nn.l2_loss`` on the weight variables)."""
    terms = [0.5 * m.weight.pow(2).sum() for m in module.modules()
             if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d))]
    if not terms:
        return torch.zeros(())
    return torch.stack(terms).sum()


class ClassificationModel(nn.Module):
    """Base of every classification model: checks the contract, zero-fills missing modalities, calls
    :meth:`logits`.

    ``num_classes``: K; ``modalities``: the input names in order (e.g. ``("hs", "lidar")``);
    ``in_channels``: the channels of each (same order); ``patch_size``: ``None`` for pixel vectors (B, C), or k
    for (B, C, k, k) patches; ``l2_weight``: the L2 factor of :meth:`training_losses`; ``bn_mode``: see
    :func:`set_bn_mode`; ``missing``: ``"zeros"`` (CML) or ``"error"``; ``class_names``: for maps and cards;
    ``preprocess``: per modality, the JSON-able steps that turn a whole raster into the model's input
    (:func:`fusionzoo.features.apply_preprocess`; stored with the weights).
    """

    task = "classification"
    #: constructor arguments that change the inputs or outputs; when one is given, the builder does not take
    #: :attr:`data_kwargs` from the default weights (they describe the weights' data)
    shape_kwargs = ("num_classes", "modalities", "in_channels", "patch_size")
    data_kwargs = ("class_names", "preprocess")

    def __init__(self, num_classes: int, modalities: Sequence[str], in_channels: Sequence[int],
                 patch_size: int | None = None, l2_weight: float = 0.0, bn_mode: str = "eval",
                 missing: str = "zeros", class_names: Sequence[str] | None = None,
                 preprocess: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
        modalities, in_channels = tuple(modalities), tuple(int(c) for c in in_channels)
        if not modalities or len(modalities) != len(in_channels):
            raise ValueError(f"give one channel count per modality: modalities={modalities}, "
                             f"in_channels={in_channels}")
        if len(set(modalities)) != len(modalities):
            raise ValueError(f"modalities must be distinct, got {modalities}")
        if any(c < 1 for c in in_channels):
            raise ValueError(f"in_channels must be positive, got {in_channels}")
        if patch_size is not None and (isinstance(patch_size, bool) or int(patch_size) < 1):
            raise ValueError(f"patch_size must be a positive integer (or None for pixel vectors), got {patch_size}")
        if missing not in ("zeros", "error"):
            raise ValueError(f"missing must be 'zeros' (CML: zero-fill an absent modality) or 'error', got {missing!r}")
        if class_names is not None and len(class_names) != num_classes:
            raise ValueError(f"class_names has {len(class_names)} names for {num_classes} classes")
        self.num_classes = num_classes
        self.modalities = modalities
        self.in_channels = dict(zip(modalities, in_channels))
        self.patch_size = None if patch_size is None else int(patch_size)
        self.l2_weight = float(l2_weight)
        self.missing = missing
        self.class_names = tuple(class_names) if class_names is not None else None
        self.preprocess = {k: list(v) for k, v in (preprocess or {}).items()}
        unknown = set(self.preprocess) - set(modalities)
        if unknown:
            raise ValueError(f"preprocess names modalities {sorted(unknown)} the model does not take {modalities}")
        self._bn_mode = bn_mode
        self._pending_bn_mode = bn_mode  # applied after the subclass built its layers (first forward)

    # --- the contract ---------------------------------------------------------------------------------------
    @property
    def inputs(self) -> tuple[str, ...]:
        return self.modalities

    @property
    def bn_mode(self) -> str:
        return self._bn_mode

    @bn_mode.setter
    def bn_mode(self, mode: str) -> None:
        set_bn_mode(self, mode)
        self._bn_mode = mode

    def _check(self, name: str, t: Any) -> torch.Tensor:
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        if not t.is_floating_point():
            raise TypeError(f"{name} must be floating point (prepared as the weights expect), got {t.dtype}; "
                            f"scale it and call .float()")
        c = self.in_channels[name]
        k = self.patch_size
        want = "(B, C)" if k is None else f"(B, C, {k}, {k})"
        if (k is None and t.dim() != 2) or (k is not None and (t.dim() != 4 or tuple(t.shape[-2:]) != (k, k))):
            raise ValueError(f"{name} must be {want} {'pixel vectors' if k is None else 'patches'}, got shape "
                             f"{tuple(t.shape)}" + ("; add a batch dimension with [None]" if t.dim() in (1, 3) else ""))
        if t.shape[1] != c:
            raise BandMismatchError(f"this model expects {c} {name} channels, got {t.shape[1]}; give the bands / "
                                    f"features it was made for (see its weights' metadata)")
        return t

    def check_inputs(self, inputs: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        """Validate the keyword inputs and zero-fill the declared modalities that are missing (CML)."""
        unknown = [k for k in inputs if k not in self.modalities]
        if unknown:
            raise TypeError(f"this model takes {', '.join(self.modalities)}, not {', '.join(unknown)}")
        given = {k: self._check(k, v) for k, v in inputs.items() if v is not None}
        if not given:
            raise ValueError(f"give at least one of the modalities {', '.join(self.modalities)}")
        sizes = {t.shape[0] for t in given.values()}
        if len(sizes) > 1:
            raise ValueError(f"the modalities have different batch sizes {sorted(sizes)}")
        ref = next(iter(given.values()))
        out = {}
        for name in self.modalities:
            if name in given:
                out[name] = given[name]
            elif self.missing == "error":
                raise ValueError(f"modality {name!r} is missing; give it, or build the model with missing='zeros' "
                                 f"to zero-fill it (the MDL-RS CML setting)")
            else:
                shape = (ref.shape[0], self.in_channels[name], *ref.shape[2:])
                out[name] = ref.new_zeros(shape)
        return out

    def _positional(self, args: tuple, kwargs: dict) -> dict:
        if len(args) > len(self.modalities):
            raise TypeError(f"this model takes at most {len(self.modalities)} inputs ({', '.join(self.modalities)})")
        for name, a in zip(self.modalities, args):
            if name in kwargs:
                raise TypeError(f"{name} given twice")
            kwargs[name] = a
        return kwargs

    def _sync_bn_mode(self) -> None:
        if self._pending_bn_mode is not None:
            self.bn_mode, self._pending_bn_mode = self._pending_bn_mode, None

    def forward(self, *args: torch.Tensor, **inputs: torch.Tensor) -> torch.Tensor:
        """Class scores (B, K) of the pixels (or patch centres) given by keyword (or positionally, in
        ``modalities`` order)."""
        self._sync_bn_mode()
        x = self.check_inputs(self._positional(args, inputs))
        return self.outputs(x)["logits"]

    @torch.no_grad()
    def predict(self, *args: torch.Tensor, **inputs: torch.Tensor) -> torch.Tensor:
        """Class indices (B,) 0..K-1 (the argmax of :meth:`forward`'s scores)."""
        return self(*args, **inputs).argmax(1)

    # --- what subclasses write ------------------------------------------------------------------------------
    def outputs(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        """``{"logits": (B, K), ...}`` plus whatever :meth:`aux_losses` needs (reconstructions, branch logits)."""
        raise NotImplementedError

    def aux_losses(self, out: dict[str, Any], x: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The model's own loss terms beyond cross-entropy and L2 (already weighted); none by default."""
        return {}

    def training_batch(self, x: dict[str, torch.Tensor], target: torch.Tensor
                       ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """The batch the model trains on (e.g. MDL-RS En-de's tripled CML set); by default the batch itself."""
        return x, target

    # --- training -------------------------------------------------------------------------------------------
    def training_losses(self, target: torch.Tensor, *args: torch.Tensor, **inputs: torch.Tensor
                        ) -> dict[str, torch.Tensor]:
        """``{"ce", "l2", <aux terms>, "total", "logits"}`` of one batch (``target``: class indices 0..K-1)."""
        self._sync_bn_mode()
        x = self.check_inputs(self._positional(args, inputs))
        x, target = self.training_batch(x, target)
        out = self.outputs(x)
        losses = {"ce": F.cross_entropy(out["logits"], target.long())}
        l2 = l2_penalty(self).to(out["logits"])
        losses["l2"] = self.l2_weight * l2
        losses.update(self.aux_losses(out, x))
        losses["total"] = torch.stack([v for v in losses.values()]).sum()
        losses["logits"] = out["logits"]
        return losses

    # --- whole rasters ----------------------------------------------------------------------------------------
    def prepare(self, rasters: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Whole co-registered rasters (C, H, W) -> the model's input rasters, by the stored ``preprocess``
        steps (features such as morphological profiles first, on the whole raster, then the normalisation)."""
        from ...features import apply_preprocess

        return {k: apply_preprocess(self.preprocess.get(k, []), np.asarray(v), what=k) for k, v in rasters.items()}
