"""The Lightning task every trainer builds on (torchgeo's ``BaseTask``): a registered model, its loss, the
optimiser and the learning-rate schedule, and what exporting the trained weights needs (stored in each checkpoint
under ``"fusionzoo"``: architecture, constructor arguments, the weights training started from, the training data,
steps and last validation scores; see :mod:`fusionzoo.trainers.export`).

Every task runs unchanged under Lightning's distributed strategies (``Trainer(strategy="ddp", devices=N,
num_nodes=M)``): the model has no batch-statistics layers that would need syncing, and the data modules
leave the sampler to Lightning, which gives each process its share of the patches."""

from __future__ import annotations

from typing import Any, Callable

import lightning.pytorch as pl
import torch
import torch.nn.functional as F

from ..registry import create_model, get_arch
from .export import CKPT_KEY, export_weights

__all__ = ["BaseTask", "LOSSES", "charbonnier", "export_weights", "base_weights"]


def base_weights(model: torch.nn.Module, name: str, pretrained: bool, model_kwargs: dict[str, Any] | None
                 ) -> dict[str, str] | None:
    """The weights a model starts from, ``{"name", "sha256"}`` (None when it starts from a random initialisation):
    the published ones of ``name`` or the user's own file given as ``model_kwargs["checkpoint"]``."""
    from ..weights import sha256sum

    w = getattr(model, "pretrained_cfg", None)
    ckpt = (model_kwargs or {}).get("checkpoint")
    if ckpt is not None:
        from ..builder import checkpoint_file

        path = checkpoint_file(ckpt)
        arch = get_arch(name).arch
        return {"name": f"{arch}.{w.tag}" if w is not None else f"{arch} ({path.parent.name}/{path.name})",
                "sha256": sha256sum(path)}
    if not pretrained:
        return None
    if w is None:  # adapted to another band count: the record no longer describes the model, its file still counts
        from ..registry import get_weights

        w = get_weights(name)
    return {"name": f"{get_arch(name).arch}.{w.tag}", "sha256": w.sha256}


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
        self.base_weights = base_weights(self.model, model, pretrained, model_kwargs)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Store what :func:`~fusionzoo.trainers.export.export_weights` records (plain JSON types only)."""
        hp = self.hparams
        trainer = self._trainer
        dm = getattr(trainer, "datamodule", None) if trainer is not None else None
        describe = getattr(dm, "describe_data", None)
        metrics = trainer.callback_metrics if trainer is not None else {}
        checkpoint[CKPT_KEY] = {
            "arch": get_arch(hp.model).arch, "task": self.task, "model_kwargs": dict(hp.get("model_kwargs") or {}),
            "base": getattr(self, "base_weights", None), "data": describe() if callable(describe) else None,
            "steps": int(self.global_step), "bit_depth": hp.get("bit_depth"),
            "val": {k: round(float(v), 6) for k, v in metrics.items() if k.startswith("val_") and v.numel() == 1},
        }

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
