"""fusionzoo: a PyTorch model zoo for multimodal remote-sensing data fusion."""

from __future__ import annotations

__version__ = "0.1.0"

from . import models  # noqa: F401,E402  (registers every model)
from .registry import create_model, get_arch, get_weights, list_models, register_model  # noqa: E402
from .weights import Weights  # noqa: E402

__all__ = ["create_model", "list_models", "register_model", "get_arch", "get_weights", "Weights", "__version__"]
