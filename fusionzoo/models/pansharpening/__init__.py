"""Pansharpening models: ``model(ms=..., pan=...)`` (see :mod:`.base`).  Networks one family file each;
the classical methods of the toolbox under :mod:`.classical`."""

from . import (  # noqa: F401
    apnn,
    bdpn,
    classical,  # noqa: F401
    dicnn,
    drpnn,
    fusionnet,
    msdcnn,
    pannet,
    pnn,
    rsifnn,
)
from .base import PansharpeningModel, check_pansharpening_inputs

__all__ = ["PansharpeningModel", "check_pansharpening_inputs"]
