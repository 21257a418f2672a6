"""Model families, one file each (modules, checkpoint mapping, configs, entry points).

Importing this package registers every model.
"""

from . import exp, pnn  # noqa: F401
from .base import PansharpeningModel, check_pansharpening_inputs

__all__ = ["PansharpeningModel", "check_pansharpening_inputs"]
