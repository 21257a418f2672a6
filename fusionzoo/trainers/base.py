"""The Lightning task every trainer builds on (torchgeo's ``BaseTask``): a registered model, its loss, the
optimiser and the learning-rate schedule, and exporting the trained weights."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import lightning.pytorch as pl
import torch
import torch.nn.functional as F

from ..registry import create_model, get_arch

__all__ = ["BaseTask", "LOSSES", "charbonnier", "export_weights"]


def charbonnier(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    return torch.sqrt((pred - target) ** 2 + eps**2).mean()


LOSSES: dict[str, Callable[..., torch.Tensor]] = {"mse": F.mse_loss, "l1": F.l1_loss, "charbonnier": charbonnier,
                                                  "cross_entropy": F.cross_entropy}


class BaseTask(pl.LightningModule):
    """A registered model of task :attr:`task` trained with one loss, Adam or SGD and an optional step schedule.

    Subclasses set :attr:`task` and :attr:`losses` and write the steps; the constructor arguments common to every
    task are handled here (``model``, ``model_kwargs``, ``pretrained``, ``loss``, ``optimizer``, ``lr``,
    ``momentum``, ``weight_decay``, ``lr_step``, ``lr_gamma``).
    """

    task: str = ""
    losses: tuple[str, ...] = ("mse", "l1", "charbonnier")

    def __init__(self, model: str, model_kwargs: dict[str, Any] | None = None, pretrained: bool = False,
                 loss: str = "mse", optimizer: str = "adam", lr: float = 1e-3, momentum: float = 0.9,
                 weight_decay: float = 0.0, lr_step: int | None = None, lr_gamma: float = 0.5) -> None:
        super().__init__()
        if loss not in self.losses:
            raise ValueError(f"loss must be one of {sorted(self.losses)}, got {loss!r}")
        if optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
        if get_arch(model).cfg.task != self.task:
            raise ValueError(f"{model} is a {get_arch(model).cfg.task} model, not a {self.task} one")
        self.model = create_model(model, pretrained=pretrained, **(model_kwargs or {}))
        if not any(True for _ in self.model.parameters()):
            raise ValueError(f"{model} has no parameters to train (a classical method)")
        self.loss_fn = LOSSES[loss]

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
