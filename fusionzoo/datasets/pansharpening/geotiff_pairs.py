"""A folder of PAN + MS GeoTIFF pairs, checked with :func:`fusionzoo.io.read_pan_ms`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from .scenes import Scene
from .common import SceneFolder, _glob, _resolve_sensor

__all__ = ["GeoTiffPairs", "read_geotiff_scene"]


class GeoTiffPairs(SceneFolder):
    """A folder of PAN + MS GeoTIFF pairs (optionally with a reference GeoTIFF), paired by file name.

    A file whose name contains ``pan_token`` (case-insensitive) is a PAN; its MS is the file with that token
    replaced by ``ms_token`` and its reference, when ``gt_token`` is given, the file with ``gt_token``
    (e.g. SpaceNet's ``PAN_AOI_x.tif`` / ``MUL_AOI_x.tif``: ``pan_token="PAN", ms_token="MUL"``).  Each pair is
    read and checked by :func:`fusionzoo.io.read_pan_ms`: one PAN band, same CRS, same extent, an integer
    ratio from the image sizes that the transforms agree with; a disagreement raises
    :class:`fusionzoo.io.GeoreferenceError` (``check_georef=False`` pairs the images by their sizes alone).

    Args:
        root: the folder.
        sensor: the sensor (``'WV3'``, ``'QB'``, ... or ``'generic'``); GeoTIFFs do not say.
        bit_depth: the radiometric resolution (default: 8 for uint8 files, else the sensor's).
        ratio: the expected ratio (default: whatever the pair has).
        pan_token, ms_token, gt_token: the file-name tokens, see above.
        pattern: file name pattern of the candidates (``*.tif*``).
        check_georef: check the georeference of each pair.
        transforms: a function applied to each sample dict.
    """

    def __init__(self, root: str | os.PathLike = "data", sensor: str = "generic", bit_depth: int | None = None,
                 ratio: int | None = None, pan_token: str = "pan", ms_token: str = "ms", gt_token: str | None = None,
                 pattern: str = "*.tif*", check_georef: bool = True,
                 transforms: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        root_p = Path(root).expanduser()
        tok = re.compile(re.escape(pan_token), re.IGNORECASE)
        self.pairs: list[tuple[Path, Path, Path | None]] = []
        unpaired = []
        for p in _glob(root_p, pattern):
            if not tok.search(p.name):
                continue
            ms_p = p.with_name(tok.sub(ms_token, p.name, count=1))
            gt_p = p.with_name(tok.sub(gt_token, p.name, count=1)) if gt_token else None
            if ms_p == p or not ms_p.is_file() or (gt_p is not None and not gt_p.is_file()):
                unpaired.append(p.name)
                continue
            self.pairs.append((p, ms_p, gt_p))
        if unpaired and not self.pairs:
            want = f"'{ms_token}'" + (f" and '{gt_token}'" if gt_token else "")
            raise FileNotFoundError(f"{root_p}: PAN file(s) {', '.join(unpaired)} have no partner with "
                                    f"'{pan_token}' replaced by {want}; set pan_token / ms_token / gt_token")
        super().__init__(root, [pp for pp, _, _ in self.pairs], transforms,
                         f"PAN files (name containing {pan_token!r}) matching {pattern!r}")
        self.unpaired = unpaired
        self.sensor, self.bit_depth, self.ratio, self.check_georef = sensor, bit_depth, ratio, check_georef

    def _load(self, index: int) -> tuple[Scene, torch.Tensor | None]:
        pan_p, ms_p, gt_p = self.pairs[self.paths.index(self._path(index))]
        scene = read_geotiff_scene(pan_p, ms_p, self.sensor, self.bit_depth, self.ratio, self.check_georef, gt_p)
        return scene, None


def read_geotiff_scene(pan: str | os.PathLike, ms: str | os.PathLike, sensor: str = "generic",
                       bit_depth: int | None = None, ratio: int | None = None, check_georef: bool = True,
                       gt: str | os.PathLike | None = None, name: str | None = None) -> Scene:
    """One PAN + MS GeoTIFF pair as a :class:`Scene` (read and checked by :func:`fusionzoo.io.read_pan_ms`).

    The [0, 1] scale is ``DN / (2**bit_depth - 1)``; ``bit_depth`` defaults to 8 for uint8 files, else to the
    sensor's (11 for ``'generic'``).  Floating-point files whose values all lie in [0, 1] are taken as already
    on that scale (they are not divided again).  Values above the full scale raise a ``ValueError`` that names
    the largest value and the bit depth to pass.
    """
    from ...io import ImageryError, read_geotiff, read_pan_ms

    pan_p, ms_p = Path(pan).expanduser(), Path(ms).expanduser()
    pair = read_pan_ms(pan_p, ms_p, ratio=ratio, check_georef=check_georef)
    c = pair["ms"].shape[0]
    s = _resolve_sensor(sensor, c, str(pan_p))
    bits = bit_depth or (8 if pair["dtype"] == np.uint8 else s.bit_depth)
    top = float(max(pair["ms"].max(), pair["pan"].max()))
    unit = np.issubdtype(pair["dtype"], np.floating) and top <= 1.0 and bit_depth is None
    scale = 1.0 if unit else float(2**bits - 1)
    if top > scale:
        from ...tasks.pansharpening import guess_bit_depth

        raise ValueError(f"{pan_p.name} / {ms_p.name} reach {top:g}, above the {bits}-bit full scale {scale:g}; "
                         f"pass the bit depth of the product (e.g. bit_depth={guess_bit_depth(top, pair['dtype'])})")
    g = None
    if gt is not None:
        arr, _ = read_geotiff(gt, "reference")
        if arr.shape != (c, *pair["pan"].shape[-2:]):
            raise ImageryError(f"reference {gt} is {arr.shape}, expected {(c, *pair['pan'].shape[-2:])} "
                               f"(the MS bands on the PAN grid)")
        g = torch.from_numpy(arr.astype(np.float32) / scale)
    ms_t = torch.from_numpy(pair["ms"].astype(np.float32) / scale)
    pan_t = torch.from_numpy(pair["pan"].astype(np.float32) / scale)
    return Scene(name or pan_p.stem, ms_t, pan_t, s.name, bits, pair["ratio"], g,
                 meta={"path": str(pan_p), "ms_path": str(ms_p), "crs": pair["crs"], "transform": pair["transform"],
                       "scale": scale, "dtype": str(pair["dtype"])})
