"""Lightning tasks: one per task family, usable with any registered model of that task."""

from .pansharpening import PansharpeningTask, export_weights

__all__ = ["PansharpeningTask", "export_weights"]
