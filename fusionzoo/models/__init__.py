"""Model families, one file each (modules, checkpoint mapping, configs, entry points).

Importing this package registers every model.
"""

from . import exp, pnn  # noqa: F401
from . import apnn, bdpn, dicnn, drpnn, fusionnet, msdcnn, pannet  # noqa: F401
from . import cs  # noqa: F401
from . import mra  # noqa: F401
from .base import PansharpeningModel, check_pansharpening_inputs

__all__ = ["PansharpeningModel", "check_pansharpening_inputs"]
