"""Data modules for pansharpening."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from torch import Tensor
from torchgeo.datamodules import NonGeoDataModule

from ..datasets.pansharpening.pancollection import PanCollection
from ..datasets.pansharpening.wald_patches import WaldPatches

__all__ = ["WaldPatchesDataModule", "PanCollectionDataModule"]


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


class PanCollectionDataModule(NonGeoDataModule):
    """:class:`~fusionzoo.datasets.PanCollection` of one sensor: ``train_<sensor>.h5`` for training,
    ``valid_<sensor>.h5`` for validation and ``test_<sensor>_multiExm1.h5`` (``test_split="test"``, reduced
    resolution, with ``gt``) or ``test_<sensor>_OrigScale_multiExm1.h5`` (``test_split="test_full"``, full
    resolution, no ``gt``) for testing.

    ``files`` maps splits to explicit file paths (see the dataset).  Samples are already on the [0, 1]
    scale (DN / 2047, or / 1023 for GF-2), so no batch normalisation is applied (torchgeo's default
    divides by 255).
    """

    def __init__(self, root: str | Path = "data", sensor: str = "wv3", batch_size: int = 32, num_workers: int = 0,
                 test_split: str = "test", files: Mapping[str, str | Path] | None = None,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        if test_split not in ("test", "test_full"):
            raise ValueError(f"test_split must be 'test' or 'test_full', got {test_split!r}")
        super().__init__(PanCollection, batch_size, num_workers, root=root, sensor=sensor,
                         files=dict(files) if files else None, transforms=transforms)
        self.test_split = test_split

    def setup(self, stage: str) -> None:
        if stage == "fit":
            self.train_dataset = PanCollection(split="train", **self.kwargs)
        if stage in ("fit", "validate"):
            self.val_dataset = PanCollection(split="val", **self.kwargs)
        if stage == "test":
            self.test_dataset = PanCollection(split=self.test_split, **self.kwargs)

    def on_after_batch_transfer(self, batch: dict[str, Tensor], dataloader_idx: int) -> dict[str, Tensor]:
        return batch
