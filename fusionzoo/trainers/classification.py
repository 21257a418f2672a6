"""Lightning task for multimodal classification: any registered network of the task, trained with its own loss
(:meth:`~fusionzoo.models.classification.ClassificationModel.training_losses`: cross-entropy, the authors' L2 on
weights only and the model's reconstruction / cross-modal terms) on ``{<modality>: tensor, "label": long}``
batches (e.g. from :class:`~fusionzoo.datamodules.classification.ClassificationDataModule`).

The learning rate follows the authors' staircase schedule per optimiser step with a fractional period
(``lr * gamma ** floor(step / lr_step)``; MDL-RS: 0.5 every ``30 * m / 64`` steps), and validation / test log
OA, AA and kappa.  ``weight_decay`` stays 0: the L2 term is in the model's loss (it excludes biases and
BatchNorm, which optimiser weight decay would not).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ..metrics.classification import ClassificationScores
from ..registry import create_model, get_arch
from .base import BaseTask

__all__ = ["ClassificationTask", "staircase"]


def staircase(lr_step: float | None, gamma: float):
    """``step -> gamma ** floor(step / lr_step)`` (1 when ``lr_step`` is None)."""
    if lr_step is None:
        return lambda step: 1.0
    if not lr_step > 0:
        raise ValueError(f"lr_step must be > 0 optimiser steps, got {lr_step}")
    return lambda step: gamma ** math.floor(step / lr_step)


class ClassificationTask(BaseTask):
    """Train a registered classification network.

    ``modalities``: the batch keys given to the model (default: the model's); ``train_missing``: modalities
    zeroed in training batches (rarely wanted; CML training of En-de is the model's ``cml_training``);
    ``lr_step``: optimiser steps per staircase decay (may be fractional); other arguments as
    :class:`~fusionzoo.trainers.base.BaseTask`.
    """

    task = "classification"
    losses = ("model",)

    def __init__(self, model: str = "mdlrs_fc_middle", model_kwargs: dict[str, Any] | None = None,
                 pretrained: bool = False, loss: str = "model", optimizer: str = "adam", lr: float = 1e-3,
                 momentum: float = 0.9, weight_decay: float = 0.0, lr_step: float | None = None,
                 lr_gamma: float = 0.5, modalities: list[str] | None = None) -> None:
        super(BaseTask, self).__init__()  # LightningModule's: BaseTask's would build a loss function
        if loss != "model":
            raise ValueError("classification networks train with their own loss (loss='model': cross-entropy, L2 "
                             "on weights and the model's terms)")
        if optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
        if get_arch(model).cfg.task != self.task:
            raise ValueError(f"{model} is a {get_arch(model).cfg.task} model, not a {self.task} one")
        self.save_hyperparameters()
        self.model = create_model(model, pretrained=pretrained, **(model_kwargs or {}))
        if not any(p.requires_grad for p in self.model.parameters()):
            raise ValueError(f"{model} has no parameters to train by gradient (fit it with model.fit)")
        self.inputs = tuple(modalities or self.model.modalities)
        self.scores = {"val": ClassificationScores(self.model.num_classes),
                       "test": ClassificationScores(self.model.num_classes)}

    def forward(self, **inputs: torch.Tensor) -> torch.Tensor:
        return self.model(**inputs)

    def _inputs(self, batch: dict[str, Any]) -> dict[str, torch.Tensor]:
        missing = [k for k in self.inputs if k not in batch]
        if missing:
            raise KeyError(f"the batch has no {missing} (it has {sorted(batch)}); give the data module those "
                           f"modalities or set modalities=")
        return {k: batch[k] for k in self.inputs}

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        losses = self.model.training_losses(batch["label"], **self._inputs(batch))
        n = batch["label"].shape[0]
        for k, v in losses.items():
            if k != "logits":
                self.log(f"train_{k}", v, prog_bar=k == "total", batch_size=n)
        return losses["total"]

    def _eval_step(self, batch: dict[str, Any], prefix: str) -> None:
        logits = self(**self._inputs(batch))
        self.scores[prefix].update(logits, batch["label"])
        self.log(f"{prefix}_ce", torch.nn.functional.cross_entropy(logits, batch["label"]),
                 batch_size=logits.shape[0])

    def _eval_end(self, prefix: str) -> None:
        rep = self.scores[prefix].compute()
        for k in ("OA", "AA", "kappa"):
            self.log(f"{prefix}_{k}", rep[k], prog_bar=k == "OA")
        self.scores[prefix].reset()

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self._eval_step(batch, "val")

    def on_validation_epoch_end(self) -> None:
        self._eval_end("val")

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        self._eval_step(batch, "test")

    def on_test_epoch_end(self) -> None:
        self._eval_end("test")

    def configure_optimizers(self) -> Any:
        hp = self.hparams
        params = [p for p in self.model.parameters() if p.requires_grad]
        if hp.optimizer == "adam":
            opt = torch.optim.Adam(params, lr=hp.lr, weight_decay=hp.weight_decay)
        else:
            opt = torch.optim.SGD(params, lr=hp.lr, momentum=hp.momentum, weight_decay=hp.weight_decay)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, staircase(hp.lr_step, hp.lr_gamma))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}
