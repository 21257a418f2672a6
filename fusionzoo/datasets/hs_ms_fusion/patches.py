"""Training pairs from hyperspectral scenes: high-resolution patches cut inside spatially disjoint blocks and
degraded into (LR-HS, HR-MS, reference) by a degradation callable.

Each scene is tiled into square blocks that a seeded permutation deals to ``train`` / ``val`` / ``test``
(:func:`fusionzoo.datasets.pansharpening.wald_patches.split_blocks`, as the pansharpening Wald patches), so no
pixel of one split is in another; patches are cut inside blocks only, on a regular grid.  Each patch is degraded
on its own (the blur never reaches across a block boundary, so the splits stay disjoint after degradation too).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from ._common import Degrade, HSCubeDataset, HSMSItemsDataset, resolve_degrade

try:
    from ..pansharpening.wald_patches import split_blocks
except ImportError:  # pragma: no cover - older layout
    from ..wald import split_blocks  # type: ignore[no-redef]

__all__ = ["HSPatches", "load_cubes", "SPLITS"]

SPLITS = ("train", "val", "test")

#: One scene: (name, cube (C, H, W) float32, wavelengths (C,) or None).
SceneCube = tuple[str, Tensor, "Tensor | None"]


def load_cubes(source: Any) -> list[SceneCube]:
    """The full-resolution HS cubes of ``source``: a single-cube dataset of this package
    (:class:`~fusionzoo.datasets.hs_ms_fusion._common.HSCubeDataset`, read without its degradation), any dataset
    whose samples have ``gt`` (or ``hs``), a (C, H, W) tensor, or a sequence of those (or of
    ``(name, cube[, wavelengths])`` tuples)."""
    out: list[SceneCube] = []

    def add(name: str, cube: Any, wl: Any) -> None:
        t = torch.as_tensor(np.asarray(cube)) if not isinstance(cube, Tensor) else cube
        if t.ndim != 3:
            raise ValueError(f"scene {name}: a hyperspectral cube must be (C, H, W), got shape {tuple(t.shape)}")
        w = None if wl is None else torch.as_tensor(np.asarray(wl, dtype=np.float32))
        out.append((name, t.float(), w))

    def visit(s: Any, k: int) -> None:
        if isinstance(s, HSCubeDataset):
            for i in range(len(s)):
                cube, meta = s.cube(i)
                add(str(meta.get("name", f"{type(s).__name__}[{i}]")), cube, s.sample_wavelengths(meta))
        elif isinstance(s, Tensor) or isinstance(s, np.ndarray):
            add(f"cube{k}", s, None)
        elif isinstance(s, tuple) and len(s) in (2, 3) and isinstance(s[0], str):
            add(s[0], s[1], s[2] if len(s) == 3 else None)
        elif hasattr(s, "__getitem__") and hasattr(s, "__len__") and not isinstance(s, (list, tuple)):
            for i in range(len(s)):
                smp = s[i]
                key = "gt" if "gt" in smp else "hs" if "hs" in smp else None
                if key is None:
                    raise KeyError(f"{type(s).__name__}[{i}] has neither 'gt' nor 'hs'; give HS scenes")
                add(str(smp.get("name", f"{type(s).__name__}[{i}]")), smp[key], smp.get("wavelengths"))
        elif isinstance(s, (list, tuple)):
            for j, x in enumerate(s):
                visit(x, j)
        else:
            raise TypeError(f"cannot take HS scenes from {type(s).__name__}; give a dataset, a (C, H, W) tensor or "
                            f"a list of them")

    visit(source, 0)
    if not out:
        raise ValueError("no HS scene given")
    bands = {c.shape[0] for _, c, _ in out}
    if len(bands) != 1:
        raise ValueError(f"the scenes have different band counts {sorted(bands)}; train on one sensor at a time")
    return out


class HSPatches(HSMSItemsDataset):
    """Patches ``{"hs", "ms", "gt"}`` for supervised HS-MS fusion (or HS super-resolution) training.

    Args:
        source: the HS scenes (see :func:`load_cubes`).
        degrade: a callable ``degrade(hs) -> dict(hs=, ms=, gt=)`` or a preset name of
            :func:`fusionzoo.degradation.simulate.make_pair` (then seeded by ``seed + patch index``, so every
            patch has fixed noise).
        split: ``"train"``, ``"val"`` or ``"test"``.
        patch_size: high-resolution patch size (a multiple of the degradation's ratio).
        stride: step between patches (default: ``patch_size``, no overlap).
        block: block size of the spatial split (at least ``patch_size``).
        fractions: share of blocks for train / val / test.
        seed: seed of the block permutation (scene ``i`` uses ``seed + i``) and of the presets.
        augment: random flips and 90-degree rotations of the patch before degradation (train split only).
        transforms: a function applied to each sample dict.

    Samples: what ``degrade`` returns (``hs``, ``ms``, ``gt``, ...) plus ``wavelengths`` (where known),
    ``scene`` (name) and ``position`` (top, left of the patch in the scene).
    """

    item_noun = "patches"

    def __init__(self, source: Any, degrade: Degrade | str, split: str = "train", patch_size: int = 64,
                 stride: int | None = None, block: int = 128, fractions: Sequence[float] = (0.8, 0.1, 0.1),
                 seed: int = 0, augment: bool = False,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if degrade is None:
            raise ValueError("HSPatches needs degrade=: a callable degrade(hs) -> dict(hs=, ms=, gt=) or a preset "
                             "name of fusionzoo.degradation.simulate.make_pair")
        stride = patch_size if stride is None else stride
        if patch_size < 1 or stride < 1:
            raise ValueError(f"patch_size and stride must be positive, got {patch_size} and {stride}")
        if block < patch_size:
            raise ValueError(f"block ({block}) must be at least patch_size ({patch_size}): patches are cut inside "
                             f"blocks")
        self.split, self.patch_size, self.stride, self.block = split, patch_size, stride, block
        self.augment = augment and split == "train"
        self.transforms, self.seed = transforms, seed
        self._degrade = resolve_degrade(degrade, seed)
        self.scenes = load_cubes(source)  # cheap for an already loaded [(name, cube, wavelengths), ...]
        self.items: list[tuple[int, int, int]] = []
        for k, (name, cube, _) in enumerate(self.scenes):
            H, W = cube.shape[-2:]
            for (t, l, b, r) in split_blocks(H, W, block, tuple(fractions), seed + k)[split]:
                for y in range(t, b - patch_size + 1, stride):
                    for x in range(l, r - patch_size + 1, stride):
                        self.items.append((k, y, x))
        if not self.items:
            sizes = ", ".join(f"{n} {c.shape[-2]}x{c.shape[-1]}" for n, c, _ in self.scenes)
            raise ValueError(f"no {split} patch of {patch_size} pixels fits in the {split} blocks of {block} pixels "
                             f"(scenes: {sizes}); use smaller patches or blocks, or other fractions")
        self.num_bands = self.scenes[0][1].shape[0]

    def __getitem__(self, index: int) -> dict[str, Any]:
        index = self._index(index)
        k, y, x = self.items[index]
        name, cube, wl = self.scenes[k]
        p = self.patch_size
        patch = cube[:, y:y + p, x:x + p]
        if self.augment:
            rot = int(torch.randint(0, 4, ()))
            patch = torch.rot90(patch, rot, dims=(-2, -1))
            if bool(torch.randint(0, 2, ())):
                patch = patch.flip(-1)
        sample = self._degrade(patch.contiguous(), index, wl)
        sample = {key: (v.contiguous() if isinstance(v, Tensor) else v) for key, v in sample.items()}
        if wl is not None:
            sample["wavelengths"] = wl
        sample["scene"] = name
        sample["position"] = torch.tensor([y, x])
        if self.transforms is not None:
            sample = self.transforms(sample)
        return sample
