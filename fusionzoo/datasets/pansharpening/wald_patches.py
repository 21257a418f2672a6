"""Wald-protocol training patches from full-resolution scenes.

Each full-resolution scene is degraded once by Wald's protocol (:func:`fusionzoo.ops.degrade`: the MS
filtered with the sensor's MTF and decimated, the PAN reduced by the same ratio); the original MS becomes
the reference.  The degraded scene is tiled into square blocks, and the blocks are dealt to the
``train`` / ``val`` / ``test`` splits by a seeded permutation, so the splits are spatially disjoint; patches
are cut inside blocks only, on a regular grid (deterministic).  Reduced-resolution scenes that already carry
a reference are used as they are.

The scenes are catalogued names (:data:`~fusionzoo.datasets.PUBLIC_SCENES`, read under ``root``) or the user's
own files (:func:`load_scenes`): a PAN + MS GeoTIFF pair, a folder of such pairs
(:class:`~fusionzoo.datasets.GeoTiffPairs`), a toolbox / GRIP / ``gt-lrms-pan`` ``.mat`` file or a folder of
them, or :class:`Scene` objects.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import torch
from torchgeo.datasets import NonGeoDataset

from .scenes import PUBLIC_SCENES, Scene, crop_to_ratio, load_scene, load_unit_mat, read_mat

__all__ = ["WaldPatches", "degrade_scene", "split_blocks", "load_scenes", "SceneSpec"]

#: What names a scene: a catalogued name, a path (file or folder), a (PAN, MS) pair of GeoTIFF paths, a
#: ``{"pan": ..., "ms": ..., "gt": ...}`` mapping, or a :class:`Scene`.
SceneSpec = str | os.PathLike | Sequence[str | os.PathLike] | Mapping[str, Any] | Scene

_TIF = (".tif", ".tiff")


def _mat_scenes(path: Path, sensor: str | None, bit_depth: int | None, ratio: int | None) -> Scene:
    """A single ``.mat`` scene, its layout recognised by its variables (toolbox, GRIP or gt / lrms / pan)."""
    from .grip_scenes import GripScenes
    from .toolbox_scenes import ToolboxScenes

    keys = set(read_mat(path))
    if {"I_MS_LR", "I_PAN"} <= keys:
        return ToolboxScenes(path.parent, sensor, bit_depth, ratio, pattern=path.name).scene(0)
    if {"I_MS", "I_PAN"} <= keys:
        return GripScenes(path.parent, sensor, bit_depth, ratio, pattern=path.name).scene(0)
    if {"gt", "lrms", "pan"} <= keys:
        if sensor is None or bit_depth is None or ratio is None:
            raise ValueError(f"{path}: a gt / lrms / pan .mat file (already on [0, 1]) does not say its sensor, bit "
                             f"depth and ratio; pass sensor=..., bit_depth=... and ratio=...")
        return load_unit_mat(path, path.stem, sensor, bit_depth, ratio)
    raise ValueError(f"{path}: not a pansharpening .mat scene (toolbox I_MS_LR + I_PAN, GRIP I_MS + I_PAN, or gt + "
                     f"lrms + pan); it has {sorted(keys)}")


def load_scenes(specs: Sequence[SceneSpec], root: str | os.PathLike | None = None, sensor: str | None = None,
                bit_depth: int | None = None, ratio: int | None = None, check_georef: bool = True) -> list[Scene]:
    """The scenes named by ``specs`` (see :data:`SceneSpec`), in order; a folder gives all of its scenes.

    ``root`` is where the catalogued names live (only they need it).  ``sensor`` (default ``'generic'`` for
    GeoTIFFs, the file's own for ``.mat`` scenes), ``bit_depth`` and ``ratio`` describe the user's files (see
    :func:`~fusionzoo.datasets.pansharpening.geotiff_pairs.read_geotiff_scene` for the default scale);
    ``check_georef=False`` pairs GeoTIFFs by their sizes alone.
    """
    from .geotiff_pairs import GeoTiffPairs, read_geotiff_scene

    tif = {"sensor": sensor or "generic", "bit_depth": bit_depth, "ratio": ratio, "check_georef": check_georef}
    out: list[Scene] = []
    for spec in specs:
        if isinstance(spec, Scene):
            out.append(spec)
        elif isinstance(spec, Mapping):
            if not {"pan", "ms"} <= set(spec) or not set(spec) <= {"pan", "ms", "gt", "name"}:
                raise ValueError(f"a scene mapping has keys pan, ms and optionally gt, name; got {sorted(spec)}")
            out.append(read_geotiff_scene(spec["pan"], spec["ms"], gt=spec.get("gt"), name=spec.get("name"), **tif))
        elif isinstance(spec, (list, tuple)):
            if len(spec) != 2:
                raise ValueError(f"a scene given as a sequence is a (PAN, MS) pair of GeoTIFF paths; got {spec!r}")
            out.append(read_geotiff_scene(spec[0], spec[1], **tif))
        elif isinstance(spec, str) and spec in PUBLIC_SCENES:
            if root is None:
                raise ValueError(f"{spec!r} is a catalogued scene: pass root=<the folder holding the scenes>")
            out.append(load_scene(spec, root))
        else:
            p = Path(spec).expanduser()
            if p.is_dir():
                found = len(out)
                if any(q.suffix.lower() in _TIF for q in p.iterdir()):
                    pairs = GeoTiffPairs(p, **tif)
                    out += [pairs.scene(i) for i in range(len(pairs))]
                out += [_mat_scenes(q, sensor, bit_depth, ratio) for q in sorted(p.glob("*.mat"))]
                if len(out) == found:
                    raise FileNotFoundError(f"{p}: no scene found (PAN + MS GeoTIFF pairs named *pan* / *ms*, or "
                                            f".mat scenes)")
            elif p.is_file() and p.suffix.lower() == ".mat":
                out.append(_mat_scenes(p, sensor, bit_depth, ratio))
            elif p.is_file() and p.suffix.lower() in _TIF:
                raise ValueError(f"{p} is a single GeoTIFF: give the pair, as (PAN, MS) or {{pan: ..., ms: ...}} "
                                 f"(pan= and ms= of the data module), or a folder of *pan* / *ms* pairs")
            else:
                raise KeyError(f"unknown scene {str(spec)!r}: neither a catalogued scene ({', '.join(PUBLIC_SCENES)}) "
                               f"nor an existing file or folder")
    return out

SPLITS = ("train", "val", "test")


def degrade_scene(scene: Scene) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(ms_lr, pan_lr, reference) of a scene by Wald's protocol (or as stored, when it has a reference)."""
    if scene.gt is not None:
        return scene.ms, scene.pan, scene.gt
    from ...ops import degrade

    r = scene.ratio
    ms, pan = crop_to_ratio(scene.ms, scene.pan, r, multiple=r)
    ms_lr, pan_lr = degrade(ms[None].double(), pan[None].double(), scene.sensor, r)
    return ms_lr[0].float().clamp(0, 1), pan_lr[0].float().clamp(0, 1), ms.float()


def split_blocks(height: int, width: int, block: int, fractions: Sequence[float], seed: int) -> dict[str, list]:
    """Tile (height, width) into blocks of ``block`` pixels and deal them to the splits.

    Returns ``{split: [(top, left, bottom, right), ...]}``.  Every split with a non-zero fraction gets at
    least one block when there are enough blocks.
    """
    if len(fractions) != 3 or abs(sum(fractions) - 1) > 1e-6 or min(fractions) < 0:
        raise ValueError(f"fractions must be three non-negative numbers summing to 1, got {fractions}")
    boxes = [(t, l, min(t + block, height), min(l + block, width))
             for t in range(0, height, block) for l in range(0, width, block)]
    order = np.random.default_rng(seed).permutation(len(boxes))
    n = len(boxes)
    counts = [int(round(f * n)) for f in fractions]
    for i in (1, 2):  # a non-empty split gets a block where possible
        if fractions[i] > 0 and counts[i] == 0 and n - sum(counts) + counts[0] > 1:
            counts[i] = 1
    counts[0] = n - counts[1] - counts[2]
    out, start = {}, 0
    for s, c in zip(SPLITS, counts):
        out[s] = [boxes[j] for j in order[start:start + c]]
        start += c
    return out


class WaldPatches(NonGeoDataset):
    """Patches ``{"ms", "pan", "gt"}`` for supervised pansharpening training by Wald's protocol.

    Args:
        root: folder holding the catalogued scenes (layout of :data:`~fusionzoo.datasets.scenes.PUBLIC_SCENES`);
            not needed for the user's own files.
        scenes: what :func:`load_scenes` takes: names of scenes in ``PUBLIC_SCENES``, paths of the user's files or
            folders, (PAN, MS) GeoTIFF pairs, or :class:`Scene` objects.
        split: ``"train"``, ``"val"`` or ``"test"``.
        patch_size: PAN-resolution patch size at reduced resolution (a multiple of the ratio).
        stride: PAN-resolution step between patches (a multiple of the ratio).
        block: PAN-resolution block size of the spatial split.
        fractions: share of blocks for train / val / test.
        seed: seed of the block permutation.
        augment: random flips and 90-degree rotations (train split only).
        gain_jitter: radiometric augmentation (train split only): each MS band (input and reference alike) is
            multiplied by its own random gain ``exp(u)``, ``u ~ U(-gain_jitter, gain_jitter)``, and the PAN by
            another, so that a network cannot memorise the spectral shapes and PAN/MS calibration of the few
            training scenes and must carry the spectrum of its input through.  0 disables it.
        sensor, bit_depth, ratio, check_georef: how the user's files are read (see :func:`load_scenes`).

    Samples: ``ms`` (C, p/r, p/r), ``pan`` (1, p, p), ``gt`` (C, p, p) as float32 in [0, 1], plus ``scene``.
    """

    def __init__(self, root: str | Path | None = None, scenes: Sequence[SceneSpec] = (), split: str = "train",
                 patch_size: int = 64, stride: int = 32, block: int = 128,
                 fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0, augment: bool = False,
                 gain_jitter: float = 0.0, sensor: str | None = None, bit_depth: int | None = None,
                 ratio: int | None = None, check_georef: bool = True) -> None:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if not scenes:
            raise ValueError(f"no scenes given; name some of {', '.join(PUBLIC_SCENES)}, or give your own files")
        self.split, self.augment = split, augment and split == "train"
        self.gain_jitter = float(gain_jitter) if split == "train" else 0.0
        self.items: list[tuple[int, int, int]] = []
        self.data: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, int, str]] = []
        bands = None
        self.scenes = load_scenes(scenes, root, sensor, bit_depth, ratio, check_georef)
        for i, scene in enumerate(self.scenes):
            r = scene.ratio
            if patch_size % r or stride % r or block % r:
                raise ValueError(f"patch_size, stride and block must be multiples of the ratio {r}")
            if bands is None:
                bands = scene.ms.shape[0]
            elif scene.ms.shape[0] != bands:
                raise ValueError(f"scene {scene.name} has {scene.ms.shape[0]} bands, the others {bands}")
            ms_lr, pan_lr, gt = degrade_scene(scene)
            self.data.append((ms_lr, pan_lr, gt, r, scene.name))
            H, W = pan_lr.shape[-2:]
            for (t, l, b, rr) in split_blocks(H, W, block, fractions, seed + i)[split]:
                for y in range(t, b - patch_size + 1, stride):
                    for x in range(l, rr - patch_size + 1, stride):
                        self.items.append((len(self.data) - 1, y, x))
        self.patch_size = patch_size
        self.num_bands = bands

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, Any]:
        k, y, x = self.items[index]
        ms_lr, pan_lr, gt, r, name = self.data[k]
        p = self.patch_size
        sample = {
            "ms": ms_lr[:, y // r:(y + p) // r, x // r:(x + p) // r],
            "pan": pan_lr[:, y:y + p, x:x + p],
            "gt": gt[:, y:y + p, x:x + p],
        }
        if self.augment:
            g = torch.Generator().manual_seed(int(torch.randint(0, 2**31 - 1, ())))
            rot = int(torch.randint(0, 4, (), generator=g))
            flip = bool(torch.randint(0, 2, (), generator=g))
            for key, v in sample.items():
                v = torch.rot90(v, rot, dims=(-2, -1))
                sample[key] = v.flip(-1) if flip else v
        if self.gain_jitter > 0:
            a = self.gain_jitter
            g = torch.exp((torch.rand(sample["ms"].shape[0], 1, 1) * 2 - 1) * a)
            sample["ms"], sample["gt"] = sample["ms"] * g, sample["gt"] * g
            sample["pan"] = sample["pan"] * torch.exp((torch.rand(()) * 2 - 1) * a)
        sample = {k2: v.contiguous() for k2, v in sample.items()}
        sample["scene"] = name
        return sample

    def plot(self, sample: dict[str, Any], rgb: Sequence[int] | None = None, suptitle: str | None = None):
        """Quicklook of MS (upsampled), PAN, reference and, if present, ``prediction``; 2-98 % stretch."""
        import matplotlib.pyplot as plt

        c = sample["ms"].shape[0]
        rgb = list(rgb) if rgb is not None else ([4, 2, 1] if c == 8 else [2, 1, 0] if c >= 3 else [0] * 3)
        panels = [("MS", sample["ms"][rgb]), ("PAN", sample["pan"][[0, 0, 0]]), ("reference", sample["gt"][rgb])]
        if "prediction" in sample:
            panels.append(("prediction", sample["prediction"][rgb]))
        fig, axs = plt.subplots(1, len(panels), figsize=(3 * len(panels), 3))
        for ax, (title, img) in zip(axs, panels):
            a = img.detach().cpu().float().numpy().transpose(1, 2, 0)
            lo, hi = np.percentile(a, 2), np.percentile(a, 98)
            ax.imshow(np.clip((a - lo) / max(hi - lo, 1e-12), 0, 1), interpolation="nearest")
            ax.set_title(title)
            ax.axis("off")
        if suptitle:
            fig.suptitle(suptitle)
        return fig
