"""Models, one subpackage per task (as torchvision's ``models.detection``), one file per model family inside it
(modules, checkpoint mapping, configs, entry points) and the parameter-free methods under ``classical/``.

Importing this package registers every model.
"""

from . import classification, crossmodal, hs_ms_fusion, pansharpening  # noqa: F401
from .pansharpening.base import PansharpeningModel, check_pansharpening_inputs

__all__ = ["PansharpeningModel", "check_pansharpening_inputs"]
