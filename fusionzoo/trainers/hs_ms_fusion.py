"""Lightning task for HS-MS fusion and HS super-resolution: any registered learned model of the task,
supervised on ``{"hs", "ms", "gt"}`` batches (e.g. from :class:`~fusionzoo.datamodules.HSPatchesDataModule`)."""

from __future__ import annotations

from typing import Any

import torch

from ..registry import get_arch
from .base import BaseTask

__all__ = ["HSMSFusionTask"]


class HSMSFusionTask(BaseTask):
    """Train a registered HS-MS fusion / super-resolution model; the model gets the inputs it declares (``hs``, and
    ``ms`` for fusion models).  Arguments as :class:`~fusionzoo.trainers.base.BaseTask`; validation and test log
    the loss, PSNR (peak 1), SAM and ERGAS (with the model's ratio)."""

    task = "hs_ms_fusion"

    def __init__(self, model: str = "fcnn3d", model_kwargs: dict[str, Any] | None = None, pretrained: bool = False,
                 loss: str = "mse", optimizer: str = "adam", lr: float = 1e-4, momentum: float = 0.9,
                 weight_decay: float = 0.0, lr_step: int | None = None, lr_gamma: float = 0.5) -> None:
        super().__init__(model, model_kwargs, pretrained, loss, optimizer, lr, momentum, weight_decay, lr_step,
                         lr_gamma)
        self.save_hyperparameters()
        self.inputs = get_arch(model).cfg.inputs

    def forward(self, **inputs: torch.Tensor) -> torch.Tensor:
        return self.model(**inputs)

    def _pred(self, batch: dict[str, Any]) -> torch.Tensor:
        return self(**{k: batch[k] for k in self.inputs})

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        pred = self._pred(batch)
        loss = self.loss_fn(pred, batch["gt"])
        self.log("train_loss", loss, prog_bar=True, batch_size=pred.shape[0])
        return loss

    def _eval_step(self, batch: dict[str, Any], prefix: str) -> torch.Tensor:
        from ..metrics import ergas, psnr, sam

        pred, gt = self._pred(batch).clamp_min(0), batch["gt"]
        n = pred.shape[0]
        loss = self.loss_fn(pred, gt)
        ratio = gt.shape[-1] // batch["hs"].shape[-1]
        self.log(f"{prefix}_loss", loss, prog_bar=True, batch_size=n, sync_dist=True)
        self.log(f"{prefix}_PSNR", psnr(pred, gt, data_range=1.0).mean(), prog_bar=True, batch_size=n, sync_dist=True)
        self.log(f"{prefix}_SAM", sam(pred, gt).mean(), batch_size=n, sync_dist=True)
        self.log(f"{prefix}_ERGAS", ergas(pred, gt, ratio).mean(), batch_size=n, sync_dist=True)
        return loss

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        return self._eval_step(batch, "val")

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        return self._eval_step(batch, "test")
