"""Multimodal classification models: ``model(hs=..., lidar=...)`` -> class scores (B, K); see :mod:`.base`.
Networks one family file each (EndNet, MDL-RS, CCR-Net); the classifiers fitted on training pixels (SVM, random
forest) under :mod:`.classical`."""

from . import ccrnet, classical, endnet, mdlrs  # noqa: F401
from .base import BatchNorm1d, BatchNorm2d, ClassificationModel, l2_penalty, set_bn_mode

__all__ = ["ClassificationModel", "BatchNorm1d", "BatchNorm2d", "set_bn_mode", "l2_penalty"]
