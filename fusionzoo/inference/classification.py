"""Whole scenes to class maps, with bounded memory.

:func:`predict_class_map` takes co-registered rasters (C, H, W) per modality on one grid, prepares them as the
model's weights say (features such as morphological profiles on the whole raster, then the stored
normalisation: :meth:`~fusionzoo.models.classification.ClassificationModel.prepare`), and classifies every pixel
(or the pixels of ``mask``) in batches: pixel models read the batch's vectors, patch models the k x k
neighbourhoods of a symmetrically padded view (numpy ``"symmetric"``: the edge pixel repeated, as the authors'
patch sets), so memory stays at the rasters plus one batch.  :func:`write_class_map` writes the result as a
GeoTIFF with a colour table and the class names, and a coloured quicklook PNG.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import torch

__all__ = ["predict_class_map", "write_class_map", "class_colors", "colorize"]

UNCLASSIFIED = -1
# a fixed palette for classes without stated colours (tab20-like, readable on white)
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
            "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
            "#dbdb8d", "#9edae5")


def class_colors(num_classes: int, colors: Sequence[str] | None = None) -> list[tuple[int, int, int]]:
    """``num_classes`` RGB triples from ``#rrggbb`` strings (default: a fixed palette)."""
    hexes = list(colors) if colors else [_PALETTE[i % len(_PALETTE)] for i in range(num_classes)]
    if len(hexes) != num_classes:
        raise ValueError(f"{len(hexes)} colours for {num_classes} classes")
    out = []
    for h in hexes:
        h = h.lstrip("#")
        if len(h) != 6:
            raise ValueError(f"colours must be '#rrggbb', got {h!r}")
        out.append((int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)))
    return out


def colorize(class_map: np.ndarray, colors: Sequence[tuple[int, int, int]]) -> np.ndarray:
    """(H, W) class indices (``-1``: unclassified, shown white) -> (H, W, 3) uint8 RGB."""
    lut = np.array([*colors, (255, 255, 255)], np.uint8)
    idx = np.where(class_map < 0, len(colors), class_map)
    return lut[idx]


def _grid(rasters: Mapping[str, np.ndarray]) -> tuple[int, int]:
    shapes = {k: tuple(v.shape[-2:]) for k, v in rasters.items()}
    if len(set(shapes.values())) != 1:
        raise ValueError(f"the rasters must be on one grid after preparation, got sizes {shapes}; resample them "
                         f"onto one grid first")
    return next(iter(shapes.values()))


def _batches(n: int, batch_size: int, progress: bool):
    starts = range(0, n, batch_size)
    if progress:
        from tqdm.auto import tqdm

        return tqdm(starts, desc="classifying", unit="batch", leave=False)
    return starts


def predict_class_map(model: torch.nn.Module, rasters: Mapping[str, np.ndarray], *, mask: np.ndarray | None = None,
                      batch_size: int = 8192, device: str | torch.device = "cpu", prepared: bool = False,
                      progress: bool = True, return_scores: bool = False) -> Any:
    """Class indices (H, W) int16 (``-1`` outside ``mask`` and where an input is NaN / infinite, i.e. nodata) of
    every pixel of the co-registered ``rasters``.

    ``rasters``: modality -> (C, H, W) array as read from files (``prepared=True``: already the model's input
    scale and features); the model's other declared modalities are zero-filled (CML).  ``mask`` (H, W) bool:
    the pixels to classify (default all).  ``return_scores=True`` also returns the (K, H, W) float32 softmax
    probabilities (NaN outside the mask).
    """
    if not rasters:
        raise ValueError("give at least one modality raster")
    takes = getattr(model, "inputs", model.modalities)  # crossmodal models: their test modalities
    unknown = [k for k in rasters if k not in takes]
    if unknown:
        raise ValueError(f"the model takes {', '.join(takes)}, not {', '.join(unknown)}")
    arrs = {k: np.asarray(v) for k, v in rasters.items()}
    for k, v in arrs.items():
        if v.ndim == 2:
            arrs[k] = v[None]
        elif v.ndim != 3:
            raise ValueError(f"raster {k} must be (C, H, W) or (H, W), got shape {v.shape}")
    if not prepared:
        arrs = model.prepare(arrs)
    H, W = _grid(arrs)
    if mask is None:
        mask = np.ones((H, W), bool)
    else:
        mask = np.asarray(mask, bool)
        if mask.shape != (H, W):
            raise ValueError(f"mask must be {H} x {W} like the rasters, got {mask.shape}")
    # nodata (NaN / inf) pixels stay unclassified; as neighbours of patch models they read as 0
    for name, a in list(arrs.items()):
        bad = ~np.isfinite(a)
        if bad.any():
            mask = mask & ~bad.any(0)
            arrs[name] = np.where(bad, 0.0, a).astype(np.float32)
    rows, cols = np.nonzero(mask)
    k = model.patch_size
    views = {}
    for name, a in arrs.items():
        a = np.ascontiguousarray(a, dtype=np.float32)
        if k is None:
            views[name] = a.reshape(a.shape[0], -1)  # (C, H*W)
        else:
            r = k // 2
            padded = np.pad(a, ((0, 0), (r, k - 1 - r), (r, k - 1 - r)), mode="symmetric")
            views[name] = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(1, 2))  # (C, H, W, k, k)
    out = np.full((H, W), UNCLASSIFIED, np.int16)
    probs = np.full((model.num_classes, H, W), np.nan, np.float32) if return_scores else None
    was_training = model.training
    model.eval().to(device)
    try:
        with torch.no_grad():
            for s in _batches(len(rows), batch_size, progress):
                rr, cc = rows[s:s + batch_size], cols[s:s + batch_size]
                batch = {}
                for name, v in views.items():
                    x = v[:, rr * W + cc].T if k is None else v[:, rr, cc].transpose(1, 0, 2, 3)
                    batch[name] = torch.from_numpy(np.ascontiguousarray(x)).to(device)
                scores = model(**batch)
                out[rr, cc] = scores.argmax(1).cpu().numpy()
                if probs is not None:
                    probs[:, rr, cc] = torch.softmax(scores.float(), 1).cpu().numpy().T
    finally:
        model.train(was_training)
    return (out, probs) if return_scores else out


def write_class_map(path: str | os.PathLike, class_map: np.ndarray, class_names: Sequence[str],
                    colors: Sequence[str] | None = None, crs: Any = None, transform: Any = None,
                    quicklook: bool = True) -> Path:
    """Write (H, W) class indices (``-1`` unclassified) as a uint8 GeoTIFF: value ``i + 1`` is class ``i``, 0 is
    nodata; a colour table, the class names (``CLASS_NAMES`` tag, JSON, and ``CLASS_<value>`` tags); and a
    coloured quicklook PNG beside it (``<name>.png``).  Written atomically."""
    from ..io import _check_out_dir, _rasterio, _tmp_beside

    rasterio = _rasterio()
    path = Path(path).expanduser()
    _check_out_dir(path)
    cm = np.asarray(class_map)
    K = len(class_names)
    if K > 254:
        raise ValueError(f"a uint8 class map holds at most 254 classes, got {K}")
    if cm.size and (cm.max() >= K or cm.min() < UNCLASSIFIED):
        raise ValueError(f"class indices must lie in 0..{K - 1} (or -1 for unclassified)")
    rgb = class_colors(K, colors)
    data = (cm.astype(np.int16) + 1).astype(np.uint8)[None]
    H, W = cm.shape
    profile = {"driver": "GTiff", "width": W, "height": H, "count": 1, "dtype": "uint8", "nodata": 0,
               "compress": "deflate", "photometric": "palette"}
    if crs is not None:
        profile["crs"] = crs
    if transform is not None:
        profile["transform"] = transform
    tmp = _tmp_beside(path, ".tif")
    try:
        import warnings

        from rasterio.errors import NotGeoreferencedWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(tmp, "w", **profile) as dst:
                dst.write(data)
                dst.write_colormap(1, {0: (0, 0, 0, 0), **{i + 1: (*c, 255) for i, c in enumerate(rgb)}})
                dst.update_tags(CLASS_NAMES=json.dumps(list(class_names)),
                                **{f"CLASS_{i + 1}": n for i, n in enumerate(class_names)})
                dst.set_band_description(1, "class (0 = unclassified)")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if quicklook:
        from PIL import Image

        png = path.with_suffix(".png")
        tmp = _tmp_beside(png, ".png")
        try:
            Image.fromarray(colorize(cm, rgb), mode="RGB").save(tmp, format="PNG")
            os.replace(tmp, png)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return path
