"""The CAVE multispectral image database (Yasuma, Mitsunaga, Iso and Nayar, "Generalized Assorted Pixel Camera:
Post-Capture Control of Resolution, Dynamic Range and Spectrum", IEEE TIP 19(9), 2010).

32 indoor scenes, 512 x 512 pixels, 31 bands from 400 to 700 nm in steps of 10 nm (band ``NN`` at
``400 + 10 (NN - 1)`` nm), one PNG per band.  Project page:
https://www.cs.columbia.edu/CAVE/databases/multispectral/ ; the whole database is one zip,
``complete_ms_data.zip`` (:attr:`CAVE.url`, also mirrored at :attr:`CAVE.mirror_url`).  Columbia publishes no
checksum for it.

Layout of the official zip: ``<scene>_ms/<scene>_ms/<scene>_ms_NN.png`` (a folder nested in a folder of the
same name) with ``<scene>_ms/<scene>_ms/<scene>_RGB.bmp``; copies in the wild are often flattened to
``<scene>_ms/<scene>_ms_NN.png``.  Both are found: the loader looks for ``<scene>_ms_01.png`` anywhere under
``root``.

Bands are 16-bit grey PNGs, scaled here by 1/65535, except the known quirk of ``watercolors``: its bands are
8-bit RGBA PNGs with R = G = B (and A = 255), so one channel is taken and scaled by 1/255.  ``sample["scale"]``
says which divisor a scene got.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ._common import Degrade, HSCubeDataset, HSDatasetNotFoundError

__all__ = ["CAVE", "CAVE_SCENES"]

#: The 32 scenes of the database (folder names without the ``_ms`` suffix).
CAVE_SCENES: tuple[str, ...] = (
    "balloons", "beads", "cd", "chart_and_stuffed_toy", "clay", "cloth", "egyptian_statue", "face",
    "fake_and_real_beers", "fake_and_real_food", "fake_and_real_lemon_slices", "fake_and_real_lemons",
    "fake_and_real_peppers", "fake_and_real_strawberries", "fake_and_real_sushi", "fake_and_real_tomatoes",
    "feathers", "flowers", "glass_tiles", "hairs", "jelly_beans", "oil_painting", "paints", "photo_and_face",
    "pompoms", "real_and_fake_apples", "real_and_fake_peppers", "sponges", "stuffed_toys", "superballs",
    "thread_spools", "watercolors",
)


def read_cave_band(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """One CAVE band PNG as stored and its full-scale value: 16-bit grey -> (uint16, 65535); 8-bit grey, RGB
    or RGBA with equal colour channels (the ``watercolors`` quirk) -> (one channel as uint8, 255)."""
    from PIL import Image

    p = Path(path)
    with Image.open(p) as im:
        mode = im.mode
        a = np.asarray(im)
    if mode.startswith("I;16") or (mode == "I" and a.max(initial=0) <= 65535):
        return a.astype(np.uint16), 65535
    if mode == "L":
        return a, 255
    if mode in ("RGB", "RGBA", "LA"):
        c = a[..., 0]
        n = 1 if mode == "LA" else 3
        if any(not np.array_equal(c, a[..., i]) for i in range(1, n)):
            raise ValueError(f"{p}: an 8-bit {mode} band whose colour channels differ; CAVE's 8-bit bands "
                             f"(watercolors) have R = G = B, so this file is not a CAVE band")
        return c, 255
    raise ValueError(f"{p}: unsupported PNG mode {mode!r} for a CAVE band (expected 16-bit grey or 8-bit RGBA)")


class CAVE(HSCubeDataset):
    """The CAVE database (31 bands, 400-700 nm), one sample per scene.

    Args:
        root: folder holding the scene folders (official nested layout or flattened, see the module notes).
        scenes: scene names (default: every one of :data:`CAVE_SCENES` found under ``root``).
        degrade: ``None`` (sample = ``{"gt": cube}``), a callable ``degrade(hs) -> dict(hs=, ms=, gt=)`` or a
            preset name of :func:`fusionzoo.degradation.simulate.make_pair` (seeded by ``seed + index``).
        rgb: also return the database's sRGB rendering ``<scene>_RGB.bmp`` as ``rgb`` (3, H, W) / 255.
        transforms: a function applied to each sample dict.
        download: fetch and unpack ``complete_ms_data.zip`` into ``root`` when scenes are missing.
        seed: base seed of the degradation presets.

    Samples: ``gt`` (31, 512, 512) float32 in [0, 1] (or ``hs``, ``ms``, ``gt`` from ``degrade``),
    ``wavelengths`` (31,) nm, ``scale`` (65535.0, or 255.0 for ``watercolors``), ``name``.
    """

    url = "https://www.cs.columbia.edu/CAVE/databases/multispectral/zip/complete_ms_data.zip"
    mirror_url = "https://cave.cs.columbia.edu/old/databases/multispectral/zip/complete_ms_data.zip"
    #: Columbia publishes no checksum of the zip (nor of the PNGs).
    md5: str | None = None
    num_bands = 31
    wavelengths = np.arange(400.0, 701.0, 10.0)
    scenes_all = CAVE_SCENES

    def __init__(self, root: str | os.PathLike = "data", scenes: Sequence[str] | None = None,
                 degrade: Degrade | str | None = None, rgb: bool = False,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None, download: bool = False,
                 seed: int = 0) -> None:
        super().__init__(None, degrade, transforms, seed)
        self.root = Path(root).expanduser()
        self.rgb = rgb
        if scenes is not None:
            names = [s[:-3] if s.endswith("_ms") else s for s in scenes]
            unknown = [s for s in names if s not in CAVE_SCENES]
            if unknown:
                raise ValueError(f"unknown CAVE scene(s) {', '.join(unknown)}; the 32 scenes are: "
                                 f"{', '.join(CAVE_SCENES)}")
        else:
            names = None
        found = self._scan()
        if download and (not found or (names and any(s not in found for s in names))):
            self._download()
            found = self._scan()
        if names is None:
            names = [s for s in CAVE_SCENES if s in found]
            if not names:
                raise HSDatasetNotFoundError(self._missing_message("CAVE scenes"))
        missing = [s for s in names if s not in found]
        if missing:
            raise HSDatasetNotFoundError(self._missing_message(f"CAVE scene(s) {', '.join(missing)}"))
        self.items = [(s, found[s]) for s in names]
        self.scene_names = names

    def _missing_message(self, what: str) -> str:
        return (f"{what} not found under {self.root} (looked for <scene>_ms_01.png ... _31.png in any sub-folder). "
                f"Download {self.url} (the whole database, about 400 MB; no checksum is published) and unzip it "
                f"into {self.root}, giving {self.root}/<scene>_ms/<scene>_ms/<scene>_ms_NN.png (a flattened "
                f"{self.root}/<scene>_ms/<scene>_ms_NN.png works too), or pass download=True")

    def _scan(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        if not self.root.is_dir():
            return found
        for p in sorted(self.root.rglob("*_ms_01.png"), key=lambda q: (len(q.parts), str(q))):
            s = p.name[: -len("_ms_01.png")]
            if s in CAVE_SCENES and s not in found:
                found[s] = p.parent
        return found

    def _download(self) -> None:
        from torchgeo.datasets.utils import download_and_extract_archive

        self.root.mkdir(parents=True, exist_ok=True)
        download_and_extract_archive(self.url, str(self.root), md5=self.md5)

    def _read_raw(self, index: int) -> tuple[np.ndarray, dict[str, Any]]:
        scene, folder = self.items[index]
        bands, tops = [], set()
        for k in range(1, self.num_bands + 1):
            p = folder / f"{scene}_ms_{k:02d}.png"
            if not p.is_file():
                raise HSDatasetNotFoundError(f"CAVE scene {scene}: band file {p} is missing (each scene has 31 "
                                             f"bands _01 ... _31); re-extract {self.url} into {self.root}")
            a, top = read_cave_band(p)
            bands.append(a)
            tops.add(top)
        shapes = {b.shape for b in bands}
        if len(shapes) != 1:
            raise ValueError(f"CAVE scene {scene}: bands of different sizes {sorted(shapes)} in {folder}")
        raw = np.stack(bands)
        div: Any = float(tops.pop()) if len(tops) == 1 else np.array(
            [65535.0 if b.dtype == np.uint16 else 255.0 for b in bands], dtype=np.float32)
        meta: dict[str, Any] = {"name": scene, "path": str(folder), "divisor": div}
        if self.rgb:
            import torch
            from PIL import Image

            bmp = folder / f"{scene}_RGB.bmp"
            if not bmp.is_file():
                bmp = folder.parent / f"{scene}_RGB.bmp"
            if not bmp.is_file():
                raise HSDatasetNotFoundError(f"CAVE scene {scene}: {scene}_RGB.bmp not found in {folder} (rgb=True)")
            with Image.open(bmp) as im:
                meta["rgb"] = torch.from_numpy(np.asarray(im.convert("RGB"), dtype=np.float32).transpose(2, 0, 1)
                                               / 255.0)
        return raw, meta
