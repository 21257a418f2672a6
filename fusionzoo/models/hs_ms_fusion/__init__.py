"""HS-MS fusion and HS super-resolution models: ``model(hs=..., ms=...)`` (fusion) or ``model(hs=...)``
(single-image super-resolution); see :mod:`.base`.  Networks one family file each; the classical and
self-fitting baselines under :mod:`.classical`."""

from . import classical, cucanet, fcnn3d  # noqa: F401
from .base import HSMSFusionModel, check_hs_ms_inputs

__all__ = ["HSMSFusionModel", "check_hs_ms_inputs"]
