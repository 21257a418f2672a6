"""Image operators shared by methods, metrics and datasets (batched torch, CPU or GPU)."""

from .interp import interp23tap, interp23tap_kernel

__all__ = ["interp23tap", "interp23tap_kernel"]
