"""Lightning tasks, one file per task on a shared :class:`~fusionzoo.trainers.base.BaseTask`."""

from .base import BaseTask, export_weights
from .classification import ClassificationTask
from .hs_ms_fusion import HSMSFusionTask
from .pansharpening import PansharpeningTask

__all__ = ["BaseTask", "PansharpeningTask", "HSMSFusionTask", "ClassificationTask", "export_weights"]
