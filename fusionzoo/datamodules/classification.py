"""Data modules for multimodal classification.

* :class:`ClassificationDataModule`: a raster-backed dataset of :mod:`fusionzoo.datasets.classification`
  (pixel vectors or patches), its ``train`` split for training, a validation part carved from the **training**
  pixels (by spatial blocks or per class at random, seeded; never from the test pixels) and its ``test`` split
  for testing.
* :class:`PixelSetDataModule`: in-memory pixel sets such as the authors' EndNet / MDL-RS ``.mat`` sets
  (``{"hs": (N, 144), "lidar": (N, 21)}``, labels), the validation part drawn per class from the training set.

Batches are dicts ``{<modality>: float tensor (B, C) or (B, C, k, k), "label": int64 (B,)}`` (plus ``row`` /
``col`` for raster datasets).  Samples are already on the datasets' scale, so no batch normalisation is
applied (torchgeo's default divides by 255).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset, Subset, default_collate
from torchgeo.datamodules import NonGeoDataModule

from ..datasets.classification import DATASETS, ClassificationDataset
from ..datasets.classification.sampling import block_split, stratified_split

__all__ = ["ArrayDataset", "ClassificationDataModule", "PixelSetDataModule", "carve_validation"]

#: the keys a batch keeps besides the modalities
_KEEP = ("label", "row", "col")


def carve_validation(train_map: np.ndarray, fraction: float, how: str = "blocks", block: int = 16, seed: int = 0
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Split a training label map into ``(train_map, val_map)``: ``how="blocks"`` by spatially disjoint blocks
    (:func:`~fusionzoo.datasets.classification.sampling.block_split`, ``fraction`` of the labelled pixels
    to validation), ``"stratified"`` per class at random (:func:`~.sampling.stratified_split`, ``fraction`` of
    each class to validation)."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"the validation fraction must lie strictly between 0 and 1, got {fraction}")
    if how == "blocks":
        return block_split(train_map, block, fraction, seed)
    if how == "stratified":  # the training share is drawn, so a class of one pixel stays in training
        return stratified_split(train_map, 1.0 - float(fraction), seed)
    raise ValueError(f"val_split must be 'blocks' or 'stratified', got {how!r}")


class _Collate:
    """``default_collate`` of the modalities and :data:`_KEEP` (metadata such as ``norm`` is dropped)."""

    def __init__(self, modalities: Sequence[str]) -> None:
        self.keys = (*modalities, *_KEEP)

    def __call__(self, samples: list[dict[str, Any]]) -> dict[str, Tensor]:
        return default_collate([{k: s[k] for k in self.keys if k in s} for s in samples])


class _Loaders(NonGeoDataModule):
    """No batch normalisation (samples are on the datasets' scale), no validation loader without a validation
    part."""

    def val_dataloader(self):
        if self.val_dataset is None:
            return []
        return super().val_dataloader()

    def on_after_batch_transfer(self, batch: dict[str, Tensor], dataloader_idx: int) -> dict[str, Tensor]:
        return batch


class ClassificationDataModule(_Loaders):
    """Train / val / test loaders of a classification dataset.

    Args:
        dataset: a short name of :data:`fusionzoo.datasets.classification.DATASETS` (``"houston2018_crop"``,
            ``"houston2013"``, ``"trento"``, ``"muufl"``, ``"augsburg"``, ``"berlin"``, ``"houston2018"``) or a
            :class:`~fusionzoo.datasets.classification.ClassificationDataset` subclass.
        root: the dataset's folder.
        modalities, mode, patch_size, normalize: as the dataset (default modalities: those present).
        batch_size, num_workers: of the loaders.
        val_fraction: the share of the training pixels held out for validation (0: no validation loader).
        val_split: ``"blocks"`` (spatially disjoint ``val_block`` x ``val_block`` blocks, default) or
            ``"stratified"`` (per class at random).
        seed: of the validation split.
        transforms: a function applied to each sample dict.
        **dataset_kwargs: other arguments of the dataset (e.g. ``rgb=`` of the crop, ``per_class=`` of MUUFL).
    """

    def __init__(self, dataset: str | type[ClassificationDataset] = "houston2018_crop",
                 root: str | os.PathLike = "data", modalities: Sequence[str] | None = None, mode: str = "pixel",
                 patch_size: int = 7,
                 batch_size: int = 64, val_fraction: float = 0.1, val_split: str = "blocks", val_block: int = 16,
                 num_workers: int = 0, seed: int = 0, normalize: Any = "band",
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, **dataset_kwargs: Any) -> None:
        if isinstance(dataset, str):
            if dataset not in DATASETS:
                raise ValueError(f"unknown dataset {dataset!r}; choose from {sorted(DATASETS)} or pass a class")
            cls = DATASETS[dataset]
        elif isinstance(dataset, type) and issubclass(dataset, ClassificationDataset):
            cls = dataset
        else:
            raise TypeError(f"dataset must be a name of {sorted(DATASETS)} or a ClassificationDataset subclass, got "
                            f"{dataset!r}")
        if not 0.0 <= val_fraction < 1.0:
            raise ValueError(f"val_fraction must lie in [0, 1), got {val_fraction}")
        if val_split not in ("blocks", "stratified"):
            raise ValueError(f"val_split must be 'blocks' or 'stratified', got {val_split!r}")
        super().__init__(cls, batch_size, num_workers, root=root, modalities=modalities, mode=mode,  # type: ignore[arg-type]
                         patch_size=patch_size, normalize=normalize, transforms=transforms, **dataset_kwargs)
        self.val_fraction, self.val_split, self.val_block, self.seed = val_fraction, val_split, val_block, seed
        self._train_full: ClassificationDataset | None = None

    def _training(self) -> ClassificationDataset:
        if self._train_full is None:
            self._train_full = self.dataset_class(split="train", **self.kwargs).load()  # type: ignore[call-arg,assignment]
            self.collate_fn = _Collate(self._train_full.modalities)  # type: ignore[union-attr]
        return self._train_full  # type: ignore[return-value]

    def split_maps(self) -> dict[str, np.ndarray]:
        """The label maps (file ids) of ``train`` (without the validation pixels), ``val`` and ``test``."""
        ds = self._training()
        full = ds.label_map("train")
        if self.val_fraction > 0:
            tr, va = carve_validation(full, self.val_fraction, self.val_split, self.val_block, self.seed)
        else:
            tr, va = full, np.zeros_like(full)
        return {"train": tr, "val": va, "test": ds.label_map("test")}

    def _subset(self, ds: ClassificationDataset, keep_map: np.ndarray) -> Subset:
        idx = np.flatnonzero(keep_map[ds.rows, ds.cols] > 0)
        return Subset(ds, idx.tolist())

    def setup(self, stage: str) -> None:
        ds = self._training()
        if stage in ("fit", "validate"):
            maps = self.split_maps()
            self.train_dataset = self._subset(ds, maps["train"])
            self.val_dataset = self._subset(ds, maps["val"]) if self.val_fraction > 0 else None
        if stage in ("test", "predict"):
            test = self.dataset_class(split="test", **self.kwargs).load()  # type: ignore[call-arg,attr-defined]
            self.test_dataset = test
            self.predict_dataset = test


class ArrayDataset(Dataset):
    """Samples ``{<modality>: arrays[m][i], "label": labels[i]}`` of in-memory arrays (float32 / int64 tensors)."""

    def __init__(self, arrays: Mapping[str, np.ndarray | Tensor], labels: np.ndarray | Tensor,
                 indices: Sequence[int] | np.ndarray | None = None) -> None:
        lab = torch.as_tensor(np.asarray(labels)).long().reshape(-1)
        self.arrays = {m: torch.as_tensor(np.asarray(a, dtype=np.float32)) for m, a in arrays.items()}
        for m, a in self.arrays.items():
            if a.shape[0] != lab.shape[0]:
                raise ValueError(f"{m}: {a.shape[0]} samples, the labels have {lab.shape[0]}")
        self.labels = lab
        self.indices = torch.as_tensor(np.arange(lab.shape[0]) if indices is None else np.asarray(indices)).long()

    def __len__(self) -> int:
        return int(self.indices.numel())

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        i = int(self.indices[index])
        out = {m: a[i] for m, a in self.arrays.items()}
        out["label"] = self.labels[i]
        return out


class PixelSetDataModule(_Loaders):
    """Loaders of in-memory pixel sets (e.g. :meth:`HoustonMDLRSSets.arrays`).

    Args:
        arrays: the training samples per modality, ``{"hs": (N, C), "lidar": (N, 21)}`` (or patches (N, C, k, k)).
        labels: (N,) 0-based class indices.
        test_arrays, test_labels: the test set (optional).
        val_fraction: the share of each class of the training set held out for validation (per-class random
            draw, seeded; 0: none).
        batch_size, num_workers, seed: of the loaders and the draw.
    """

    def __init__(self, arrays: Mapping[str, np.ndarray | Tensor], labels: np.ndarray | Tensor,
                 test_arrays: Mapping[str, np.ndarray | Tensor] | None = None,
                 test_labels: np.ndarray | Tensor | None = None, val_fraction: float = 0.1, batch_size: int = 64,
                 num_workers: int = 0, seed: int = 0) -> None:
        if not 0.0 <= val_fraction < 1.0:
            raise ValueError(f"val_fraction must lie in [0, 1), got {val_fraction}")
        if (test_arrays is None) != (test_labels is None):
            raise ValueError("give both test_arrays and test_labels, or neither")
        super().__init__(ArrayDataset, batch_size, num_workers)
        self.arrays, self.labels = dict(arrays), np.asarray(labels).reshape(-1).astype(np.int64)
        self.test_arrays, self.test_labels = test_arrays, test_labels
        self.val_fraction, self.seed = val_fraction, seed

    def split_indices(self) -> tuple[np.ndarray, np.ndarray]:
        """``(train, val)`` indices into the training set (:func:`carve_validation` ``"stratified"`` on the labels
        as a 1 x N map)."""
        n = self.labels.size
        if self.val_fraction == 0:
            return np.arange(n), np.zeros(0, dtype=np.int64)
        line = (self.labels + 1)[None, :]
        tr, va = carve_validation(line, self.val_fraction, "stratified", seed=self.seed)
        return np.flatnonzero(tr[0] > 0), np.flatnonzero(va[0] > 0)

    def setup(self, stage: str) -> None:
        if stage in ("fit", "validate"):
            tr, va = self.split_indices()
            self.train_dataset = ArrayDataset(self.arrays, self.labels, tr)
            self.val_dataset = ArrayDataset(self.arrays, self.labels, va) if va.size else None
        if stage in ("test", "predict"):
            if self.test_arrays is None:
                raise ValueError("PixelSetDataModule has no test set; pass test_arrays= and test_labels=")
            self.test_dataset = ArrayDataset(self.test_arrays, self.test_labels)  # type: ignore[arg-type]
            self.predict_dataset = self.test_dataset
