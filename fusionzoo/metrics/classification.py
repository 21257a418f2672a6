"""Classification accuracy: confusion matrix, overall accuracy (OA), average accuracy (AA), Cohen's kappa and
per-class accuracy (producer's accuracy, i.e. recall), as the remote-sensing literature reports them.

Labels are integer class indices ``0 .. num_classes - 1``; ``ignore_index`` (e.g. the unlabelled class) is
dropped before counting.  The confusion matrix ``cm[i, j]`` counts the samples of true class ``i`` predicted
as ``j``.  AA averages the per-class accuracies of the classes that have test samples; kappa is
``(p_o - p_e) / (1 - p_e)`` with ``p_e = sum_k rows_k cols_k / n**2``.
"""

from __future__ import annotations

import torch

__all__ = ["confusion_matrix", "overall_accuracy", "average_accuracy", "per_class_accuracy", "kappa",
           "classification_report", "ClassificationScores"]


def confusion_matrix(pred: torch.Tensor, target: torch.Tensor, num_classes: int,
                     ignore_index: int | None = None) -> torch.Tensor:
    """(num_classes, num_classes) int64 counts, rows the true class, columns the prediction.  ``pred`` may be
    class indices or scores with the class along dimension 1."""
    if pred.dim() == target.dim() + 1:
        pred = pred.argmax(1)
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape, got {tuple(pred.shape)} and "
                         f"{tuple(target.shape)}")
    p, t = pred.reshape(-1).long(), target.reshape(-1).long()
    if ignore_index is not None:
        keep = t != ignore_index
        p, t = p[keep], t[keep]
    bad = (t < 0) | (t >= num_classes) | (p < 0) | (p >= num_classes)
    if bad.any():
        raise ValueError(f"labels must lie in 0..{num_classes - 1} (set ignore_index for the unlabelled value), "
                         f"got values {sorted(set(torch.cat([t[bad], p[bad]]).tolist()))[:5]}")
    return torch.bincount(t * num_classes + p, minlength=num_classes**2).reshape(num_classes, num_classes)


def overall_accuracy(cm: torch.Tensor) -> float:
    """Fraction of the samples on the diagonal."""
    n = cm.sum()
    return float(cm.diagonal().sum() / n) if n else float("nan")


def per_class_accuracy(cm: torch.Tensor) -> torch.Tensor:
    """Per true class, the fraction predicted right (NaN for classes without samples)."""
    rows = cm.sum(1).double()
    return torch.where(rows > 0, cm.diagonal().double() / rows.clamp_min(1), torch.full_like(rows, float("nan")))


def average_accuracy(cm: torch.Tensor) -> float:
    """Mean of the per-class accuracies over the classes that have samples."""
    acc = per_class_accuracy(cm)
    acc = acc[~torch.isnan(acc)]
    return float(acc.mean()) if acc.numel() else float("nan")


def kappa(cm: torch.Tensor) -> float:
    """Cohen's kappa of the confusion matrix."""
    c = cm.double()
    n = c.sum()
    if n == 0:
        return float("nan")
    po = c.diagonal().sum() / n
    pe = (c.sum(1) * c.sum(0)).sum() / n**2
    return float((po - pe) / (1 - pe)) if pe != 1 else float("nan")


def classification_report(pred: torch.Tensor, target: torch.Tensor, num_classes: int,
                          ignore_index: int | None = None) -> dict:
    """``{"OA", "AA", "kappa", "per_class", "confusion_matrix"}`` (fractions in [0, 1])."""
    cm = confusion_matrix(pred, target, num_classes, ignore_index)
    return {"OA": overall_accuracy(cm), "AA": average_accuracy(cm), "kappa": kappa(cm),
            "per_class": per_class_accuracy(cm).tolist(), "confusion_matrix": cm.tolist()}


class ClassificationScores:
    """Accumulates a confusion matrix over ``update(pred, target)`` calls; ``compute()`` gives the report
    of :func:`classification_report` (a running counterpart of torchmetrics' multiclass metrics, which
    average differently when a class has no samples)."""

    def __init__(self, num_classes: int, ignore_index: int | None = None) -> None:
        self.num_classes, self.ignore_index = int(num_classes), ignore_index
        self.reset()

    def reset(self) -> None:
        self.cm = torch.zeros(self.num_classes, self.num_classes, dtype=torch.long)

    def update(self, pred: torch.Tensor, target: torch.Tensor) -> None:
        self.cm += confusion_matrix(pred.detach().cpu(), target.detach().cpu(), self.num_classes, self.ignore_index)

    def compute(self) -> dict:
        cm = self.cm
        return {"OA": overall_accuracy(cm), "AA": average_accuracy(cm), "kappa": kappa(cm),
                "per_class": per_class_accuracy(cm).tolist(), "confusion_matrix": cm.tolist()}
