"""Data modules for pansharpening."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from torch import Tensor
from torchgeo.datamodules import NonGeoDataModule

from ..datasets.pansharpening.pancollection import PanCollection
from ..datasets.pansharpening.scenes import Scene
from ..datasets.pansharpening.wald_patches import WaldPatches, load_scenes

__all__ = ["WaldPatchesDataModule", "PanCollectionDataModule"]


class WaldPatchesDataModule(NonGeoDataModule):
    """Train / val / test :class:`~fusionzoo.datasets.WaldPatches` from real full-resolution scenes: catalogued
    ones and the user's own files.

    The scenes are the union of ``scenes`` (catalogued names under ``root``, or paths of files / folders that
    :func:`~fusionzoo.datasets.pansharpening.wald_patches.load_scenes` reads: a folder of PAN + MS GeoTIFF pairs,
    toolbox / GRIP ``.mat`` scenes), the GeoTIFF pairs ``pan[i]`` + ``ms[i]`` and the folders of pairs in
    ``pairs``.  ``sensor`` (its MTF drives Wald's degradation; default ``'generic'`` for GeoTIFFs),
    ``bit_depth`` (the [0, 1] scale ``DN / (2**bit_depth - 1)``), ``ratio`` and ``check_georef`` say how the
    user's files are read.  Each scene is read once per process; its blocks are dealt to train / val / test
    (``fractions``, seeded by ``seed``), so the splits are spatially disjoint.  Other arguments go to the
    dataset (see its documentation).  Samples are already on the [0, 1] scale, so no batch normalisation is
    applied (torchgeo's default divides by 255).

    Under a distributed strategy (DDP) Lightning gives each process its share of the training patches through a
    ``DistributedSampler``; every process reads the scenes itself.
    """

    def __init__(self, root: str | Path | None = None, scenes: Sequence[str] = (), batch_size: int = 32,
                 num_workers: int = 0, patch_size: int = 64, stride: int = 32, block: int = 128,
                 fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0, augment: bool = False,
                 gain_jitter: float = 0.0, pan: Sequence[str] = (), ms: Sequence[str] = (),
                 pairs: Sequence[str] = (), sensor: str | None = None, bit_depth: int | None = None,
                 ratio: int | None = None, check_georef: bool = True) -> None:
        if len(pan) != len(ms):
            raise ValueError(f"give one ms per pan: got {len(pan)} pan and {len(ms)} ms files")
        super().__init__(WaldPatches, batch_size, num_workers, patch_size=patch_size, stride=stride, block=block,
                         fractions=tuple(fractions), seed=seed, augment=augment, gain_jitter=gain_jitter)
        self.specs: list[Any] = [*scenes, *zip(pan, ms), *pairs]
        if not self.specs:
            raise ValueError("no scenes: give pan= and ms= (GeoTIFF pairs), pairs= (folders of pairs) or scenes= "
                             "(catalogued names or paths)")
        self.root, self.read_kwargs = root, {"sensor": sensor, "bit_depth": bit_depth, "ratio": ratio,
                                             "check_georef": check_georef}
        self.scenes: list[Scene] | None = None

    def load(self) -> list[Scene]:
        """The scenes (read on the first call)."""
        if self.scenes is None:
            self.scenes = load_scenes(self.specs, self.root, **self.read_kwargs)
        return self.scenes

    def setup(self, stage: str) -> None:
        splits = {"fit": ("train", "val"), "validate": ("val",), "test": ("test",)}.get(stage, ())
        for split in splits:
            setattr(self, f"{split}_dataset", WaldPatches(scenes=self.load(), split=split, **self.kwargs))

    def describe_data(self) -> dict[str, Any]:
        """What the scenes are, for the record of weights trained on them: file names (never full paths),
        sensor, bit depth, ratio and band count."""
        scenes = self.load()
        items = []
        for s in scenes:
            d: dict[str, Any] = {"name": s.name}
            if "ms_path" in s.meta:
                d.update(pan=Path(s.meta["path"]).name, ms=Path(s.meta["ms_path"]).name)
            elif "path" in s.meta:
                d["file"] = Path(s.meta["path"]).name
            items.append(d)
        first = scenes[0]
        return {"scenes": items, "sensor": first.sensor, "bit_depth": first.bit_depth, "ratio": first.ratio,
                "bands": int(first.ms.shape[0]), "scale": first.meta.get("scale", float(2**first.bit_depth - 1)),
                "patch_size": self.kwargs["patch_size"], "fractions": list(self.kwargs["fractions"]),
                "seed": self.kwargs["seed"]}

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
