"""Crossmodal learning models: trained with several modalities, used with fewer (``model(ms=...)``); see
:mod:`.base`.  Networks one family file each (X-ModalNet, Multimodal GANs); the shallow subspace methods
(manifold alignment, CoSpace, LeMA, LeCMR) fitted on the training pixels."""

from . import cospace, lecmr, lema, manifold_alignment, multimodal_gan, xmodalnet  # noqa: F401
from .base import CrossmodalModel

__all__ = ["CrossmodalModel"]
