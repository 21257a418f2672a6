"""Data modules for pansharpening."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from torch import Tensor
from torchgeo.datamodules import NonGeoDataModule

from ..datasets.wald import WaldPatches

__all__ = ["WaldPatchesDataModule"]


class WaldPatchesDataModule(NonGeoDataModule):
    """Train / val / test :class:`~fusionzoo.datasets.WaldPatches` from a list of real scenes.

    Arguments other than ``batch_size`` and ``num_workers`` go to the dataset (see its documentation).  Samples are already on the
    [0, 1] scale, so no batch normalisation is applied (torchgeo's default divides by 255).
    """

    def __init__(self, root: str | Path = "data", scenes: Sequence[str] = (), batch_size: int = 32,
                 num_workers: int = 0, patch_size: int = 64, stride: int = 32, block: int = 128,
                 fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0, augment: bool = False,
                 gain_jitter: float = 0.0) -> None:
        super().__init__(WaldPatches, batch_size, num_workers, root=root, scenes=list(scenes),
                         patch_size=patch_size, stride=stride, block=block, fractions=tuple(fractions), seed=seed,
                         augment=augment, gain_jitter=gain_jitter)

    def on_after_batch_transfer(self, batch: dict[str, Tensor], dataloader_idx: int) -> dict[str, Tensor]:
        return batch
