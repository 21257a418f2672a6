"""Lightning task for pansharpening: any registered model, supervised by Wald's protocol."""

from __future__ import annotations

from typing import Any

import torch

from .base import LOSSES, BaseTask, export_weights

__all__ = ["PansharpeningTask", "export_weights", "LOSSES"]


class PansharpeningTask(BaseTask):
    """Train a registered pansharpening model on ``{"ms", "pan", "gt"}`` batches.

    Args:
        model: registered name (``"pnn"``, ``"pnn.<tag>"``).
        model_kwargs: constructor arguments (e.g. ``{"bands": 8, "ratio": 4}``).
        pretrained: start from the registered weights (fine-tuning).
        loss: ``"mse"``, ``"l1"`` or ``"charbonnier"``.
        optimizer: ``"adam"`` or ``"sgd"`` (momentum ``momentum``).
        lr, weight_decay: optimiser settings.
        lr_step, lr_gamma: multiply the learning rate by ``lr_gamma`` every ``lr_step`` epochs (None: fixed).
        bit_depth: radiometric resolution of the data, for Q2n's DN-scale uint16 cast in validation.

    Validation and test log the loss, SAM, ERGAS and Q2n (toolbox conventions, no border cut on patches), averaged
    over the processes under a distributed strategy.
    """

    task = "pansharpening"

    def __init__(self, model: str = "pnn", model_kwargs: dict[str, Any] | None = None, pretrained: bool = False,
                 loss: str = "mse", optimizer: str = "adam", lr: float = 1e-3, momentum: float = 0.9,
                 weight_decay: float = 0.0, lr_step: int | None = None, lr_gamma: float = 0.5,
                 bit_depth: int = 11) -> None:
        super().__init__(model, model_kwargs, pretrained, loss, optimizer, lr, momentum, weight_decay, lr_step,
                         lr_gamma)
        self.save_hyperparameters()

    def forward(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        return self.model(ms, pan)

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        pred = self(batch["ms"], batch["pan"])
        loss = self.loss_fn(pred, batch["gt"])
        self.log("train_loss", loss, prog_bar=True, batch_size=pred.shape[0])
        return loss

    def _eval_step(self, batch: dict[str, Any], prefix: str) -> torch.Tensor:
        from ..metrics import ergas, q2n, sam

        pred = self(batch["ms"], batch["pan"]).clamp(0, 1)
        gt = batch["gt"]
        n = pred.shape[0]
        loss = self.loss_fn(pred, gt)
        self.log(f"{prefix}_loss", loss, prog_bar=True, batch_size=n, sync_dist=True)
        self.log(f"{prefix}_SAM", sam(pred, gt).mean(), prog_bar=True, batch_size=n, sync_dist=True)
        self.log(f"{prefix}_ERGAS", ergas(pred, gt, self.model.ratio).mean(), prog_bar=True, batch_size=n,
                 sync_dist=True)
        if min(pred.shape[-2:]) >= 32:
            q = q2n(pred, gt, max_value=2**self.hparams.bit_depth - 1).mean()
            self.log(f"{prefix}_Q2n", q, prog_bar=True, batch_size=n, sync_dist=True)
        return loss

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        return self._eval_step(batch, "val")

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        return self._eval_step(batch, "test")
