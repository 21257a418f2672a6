"""Lightning task for pansharpening: any registered model, supervised by Wald's protocol."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
import torch.nn.functional as F

from ..registry import create_model

__all__ = ["PansharpeningTask", "export_weights", "LOSSES"]


def charbonnier(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    return torch.sqrt((pred - target) ** 2 + eps**2).mean()


LOSSES = {"mse": F.mse_loss, "l1": F.l1_loss, "charbonnier": charbonnier}


class PansharpeningTask(pl.LightningModule):
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

    Validation and test log the loss, SAM, ERGAS and Q2n (toolbox conventions, no border cut on patches).
    """

    def __init__(self, model: str = "pnn", model_kwargs: dict[str, Any] | None = None, pretrained: bool = False,
                 loss: str = "mse", optimizer: str = "adam", lr: float = 1e-3, momentum: float = 0.9,
                 weight_decay: float = 0.0, lr_step: int | None = None, lr_gamma: float = 0.5,
                 bit_depth: int = 11) -> None:
        super().__init__()
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {loss!r}")
        if optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
        self.save_hyperparameters()
        self.model = create_model(model, pretrained=pretrained, **(model_kwargs or {}))
        if getattr(self.model, "task", None) != "pansharpening":
            raise ValueError(f"{model} is not a pansharpening model")
        if not any(True for _ in self.model.parameters()):
            raise ValueError(f"{model} has no parameters to train (a classical method)")
        self.loss_fn = LOSSES[loss]

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
        self.log(f"{prefix}_loss", loss, prog_bar=True, batch_size=n)
        self.log(f"{prefix}_SAM", sam(pred, gt).mean(), prog_bar=True, batch_size=n)
        self.log(f"{prefix}_ERGAS", ergas(pred, gt, self.model.ratio).mean(), prog_bar=True, batch_size=n)
        if min(pred.shape[-2:]) >= 32:
            q = q2n(pred, gt, max_value=2**self.hparams.bit_depth - 1).mean()
            self.log(f"{prefix}_Q2n", q, prog_bar=True, batch_size=n)
        return loss

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        return self._eval_step(batch, "val")

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        return self._eval_step(batch, "test")

    def configure_optimizers(self) -> Any:
        hp = self.hparams
        if hp.optimizer == "adam":
            opt = torch.optim.Adam(self.model.parameters(), lr=hp.lr, weight_decay=hp.weight_decay)
        else:
            opt = torch.optim.SGD(self.model.parameters(), lr=hp.lr, momentum=hp.momentum,
                                  weight_decay=hp.weight_decay)
        if hp.lr_step:
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=hp.lr_step, gamma=hp.lr_gamma)
            return {"optimizer": opt, "lr_scheduler": sched}
        return opt


def export_weights(checkpoint: str | os.PathLike, out: str | os.PathLike) -> Path:
    """Write the model weights of a Lightning checkpoint as ``model.safetensors`` (``out``: file or folder).

    The checkpoint is read with ``weights_only=True`` (no arbitrary code runs).
    """
    from safetensors.torch import save_file

    ckpt = torch.load(checkpoint, map_location="cpu", weights_only=True)
    sd = {k.removeprefix("model."): v.contiguous() for k, v in ckpt["state_dict"].items() if k.startswith("model.")}
    if not sd:
        raise ValueError(f"{checkpoint}: no 'model.*' weights in its state_dict")
    out = Path(out)
    if out.suffix != ".safetensors":
        out = out / "model.safetensors"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    save_file(sd, str(tmp))
    os.replace(tmp, out)
    return out
