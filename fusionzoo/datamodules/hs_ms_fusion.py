"""Data module for HS-MS fusion training: HS scenes turned into (LR-HS, HR-MS, reference) patches by a
degradation, with a spatially disjoint, seeded block split (see :mod:`fusionzoo.datasets.hs_ms_fusion.patches`)."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from torch import Tensor
from torchgeo.datamodules import NonGeoDataModule

from ..datasets.hs_ms_fusion._common import Degrade
from ..datasets.hs_ms_fusion.patches import HSPatches, load_cubes

__all__ = ["HSPatchesDataModule"]


class HSPatchesDataModule(NonGeoDataModule):
    """Train / val / test :class:`~fusionzoo.datasets.hs_ms_fusion.HSPatches` from HS scenes.

    Args:
        source: the HS scenes: a dataset of :mod:`fusionzoo.datasets.hs_ms_fusion` (e.g. ``CAVE(root,
            scenes=[...])``, read without its own degradation), any dataset with ``gt`` samples, tensors, or a
            list of those.  The cubes are read once, in the first :meth:`setup`, and shared by the splits.
        degrade: a callable ``degrade(hs) -> dict(hs=, ms=, gt=)`` or a preset name of
            :func:`fusionzoo.degradation.simulate.make_pair`.
        batch_size, num_workers: of the data loaders.
        patch_size, stride, block, fractions, seed: the patches and the block split (see :class:`HSPatches`).
        augment: flips and rotations of the training patches.
        transforms: a function applied to each sample dict.

    Samples are already on the datasets' scale, so no batch normalisation is applied (torchgeo's default
    divides by 255).
    """

    def __init__(self, source: Any, degrade: Degrade | str, batch_size: int = 16, num_workers: int = 0,
                 patch_size: int = 64, stride: int | None = None, block: int = 128,
                 fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0, augment: bool = True,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        if degrade is None:
            raise ValueError("HSPatchesDataModule needs degrade=: a callable degrade(hs) -> dict(hs=, ms=, gt=) or a "
                             "preset name of fusionzoo.degradation.simulate.make_pair")
        super().__init__(HSPatches, batch_size, num_workers, degrade=degrade, patch_size=patch_size,
                         stride=stride, block=block, fractions=tuple(fractions), seed=seed, transforms=transforms)
        self.source, self.augment = source, augment
        self._cubes: list | None = None

    def _scenes(self) -> list:
        if self._cubes is None:
            self._cubes = load_cubes(self.source)
        return self._cubes

    def setup(self, stage: str) -> None:
        if stage == "fit":
            self.train_dataset = HSPatches(self._scenes(), split="train", augment=self.augment, **self.kwargs)
        if stage in ("fit", "validate"):
            self.val_dataset = HSPatches(self._scenes(), split="val", **self.kwargs)
        if stage == "test":
            self.test_dataset = HSPatches(self._scenes(), split="test", **self.kwargs)

    def on_after_batch_transfer(self, batch: dict[str, Tensor], dataloader_idx: int) -> dict[str, Tensor]:
        return batch
