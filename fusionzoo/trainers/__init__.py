"""Lightning tasks, one file per task on a shared :class:`~fusionzoo.trainers.base.BaseTask`."""

from .base import BaseTask, export_weights
from .pansharpening import PansharpeningTask

__all__ = ["BaseTask", "PansharpeningTask", "export_weights"]
