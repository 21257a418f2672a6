"""Pixel sampling for multimodal classification: pixel vectors and patches at given positions, the labelled
pixels of a map, the authors' flattened patch vectors, block resampling of label maps, and the train / test
splits (spatially disjoint blocks, or a seeded per-class random draw).

Conventions: rasters are (C, H, W); positions are 0-based ``rows`` / ``cols``; label maps hold the file's
class ids, 0 = unlabelled.  Patches are centred on the pixel (odd sizes only) and the raster is extended by
numpy's ``"symmetric"`` padding (the edge pixel repeated: ``[b, a | a, b, c]``), as CCR-Net's code does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "PATCH_LAYOUTS",
    "block_assignment",
    "block_mode",
    "block_split",
    "labelled_pixels",
    "pad_raster",
    "patches",
    "pixel_vectors",
    "split_map",
    "stratified_split",
    "vectors_to_patches",
]

#: layouts of :func:`vectors_to_patches`
PATCH_LAYOUTS = ("correct", "authors")


def _positions(rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray, shape: tuple[int, int]
               ) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(rows, dtype=np.int64).reshape(-1)
    c = np.asarray(cols, dtype=np.int64).reshape(-1)
    if r.shape != c.shape:
        raise ValueError(f"rows and cols must have the same length, got {r.size} and {c.size}")
    if r.size and (r.min() < 0 or r.max() >= shape[0] or c.min() < 0 or c.max() >= shape[1]):
        raise IndexError(f"pixel positions out of the raster ({shape[0]} x {shape[1]}): rows {r.min()}..{r.max()}, "
                         f"cols {c.min()}..{c.max()}")
    return r, c


def _raster(raster: np.ndarray) -> np.ndarray:
    a = np.asarray(raster)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"expected a raster (C, H, W) or (H, W), got shape {a.shape}")
    return a


def pixel_vectors(raster: np.ndarray, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray
                  ) -> np.ndarray:
    """The pixel vectors ``raster[:, rows, cols].T``: (N, C), in the raster's dtype."""
    a = _raster(raster)
    r, c = _positions(rows, cols, a.shape[1:])
    return np.ascontiguousarray(a[:, r, c].T)


def pad_raster(raster: np.ndarray, k: int, pad: str = "symmetric") -> np.ndarray:
    """The raster (C, H, W) extended by ``k // 2`` on every side (numpy ``np.pad`` mode ``pad``)."""
    if k < 1 or k % 2 == 0:
        raise ValueError(f"patch size must be an odd positive integer (the pixel at the centre), got {k}")
    a = _raster(raster)
    h = k // 2
    return np.pad(a, ((0, 0), (h, h), (h, h)), mode=pad) if h else a


def patches(raster: np.ndarray, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray, k: int,
            pad: str = "symmetric", padded: np.ndarray | None = None) -> np.ndarray:
    """The k x k patches centred on (rows, cols): (N, C, k, k), in the raster's dtype.

    The raster is padded once (``pad``: a mode of ``np.pad``; ``"symmetric"`` repeats the edge pixel, as
    CCR-Net) and the patches are read through a strided window view of it, so the only copy beyond the
    padded raster is the output itself.  ``padded`` (from :func:`pad_raster`) skips the padding.
    """
    a = _raster(raster)
    r, c = _positions(rows, cols, a.shape[1:])
    p = pad_raster(a, k, pad) if padded is None else padded
    want = (a.shape[0], a.shape[1] + k - 1, a.shape[2] + k - 1)
    if p.shape != want:
        raise ValueError(f"padded raster has shape {p.shape}, expected {want}")
    view = np.lib.stride_tricks.sliding_window_view(p, (k, k), axis=(1, 2))  # (C, H, W, k, k), no copy
    return view.transpose(1, 2, 0, 3, 4)[r, c]  # fancy indexing: one copy, (N, C, k, k)


def labelled_pixels(label_map: np.ndarray, order: str = "C") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``rows, cols, labels`` of the labelled pixels (``label_map > 0``), labels as in the map.

    ``order="C"``: row-major raster order, i.e. ``label_map.ravel("C")[label_map.ravel("C") > 0]`` (the order of
    the EndNet / MDL-RS pixel sets); ``"F"``: column-major (MATLAB's ``find``).
    """
    m = np.asarray(label_map)
    if m.ndim != 2:
        raise ValueError(f"expected a label map (H, W), got shape {m.shape}")
    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' (row-major) or 'F' (column-major), got {order!r}")
    flat = m.ravel(order)
    idx = np.flatnonzero(flat > 0)
    if order == "C":
        r, c = np.divmod(idx, m.shape[1])
    else:
        c, r = np.divmod(idx, m.shape[0])
    return r.astype(np.int64), c.astype(np.int64), flat[idx]


def vectors_to_patches(vectors: np.ndarray, k: int, channels: int, layout: str = "correct") -> np.ndarray:
    """Patches (N, C, k, k) from the authors' flattened patch vectors (N, k*k*C).

    The MDL-RS ``.mat`` patch vectors are MATLAB's column-major flattening of a k x k x C patch: element
    ``row + k*col + k*k*channel``.  ``layout="correct"`` undoes exactly that (the physically right patch);
    ``"authors"`` reproduces what the authors' TF code feeds its networks: ``reshape(N, k, k, C)`` in C order,
    then channels first, i.e. pixel (a, b) holds the values ``v[(k*a + b)*C : (k*a + b + 1)*C]`` (a fixed
    scramble of space and channels).
    """
    v = np.asarray(vectors)
    if v.ndim != 2 or v.shape[1] != k * k * channels:
        raise ValueError(f"expected vectors (N, {k}*{k}*{channels} = {k * k * channels}), got shape {v.shape}")
    if layout == "correct":
        return np.ascontiguousarray(v.reshape(-1, channels, k, k).swapaxes(2, 3))
    if layout == "authors":
        return np.ascontiguousarray(v.reshape(-1, k, k, channels).transpose(0, 3, 1, 2))
    raise ValueError(f"layout must be one of {PATCH_LAYOUTS}, got {layout!r}")


def block_mode(label_map: np.ndarray, factor: int) -> np.ndarray:
    """A label map reduced by ``factor`` (each ``factor x factor`` block -> one label).

    Rule: the most frequent labelled class of the block, unless most of the block is unlabelled (more than
    half of its pixels are 0), then 0; ties between classes go to the smallest class id.  The map must be a
    multiple of ``factor`` in both dimensions.
    """
    m = np.asarray(label_map)
    if m.ndim != 2 or m.shape[0] % factor or m.shape[1] % factor:
        raise ValueError(f"label map {m.shape} is not a multiple of the block size {factor}")
    h, w = m.shape[0] // factor, m.shape[1] // factor
    blocks = m.reshape(h, factor, w, factor).transpose(0, 2, 1, 3).reshape(h * w, factor * factor).astype(np.int64)
    n_cls = int(blocks.max()) + 1 if blocks.size else 1
    counts = np.zeros((h * w, n_cls), dtype=np.int64)
    np.add.at(counts, (np.repeat(np.arange(h * w), factor * factor), blocks.ravel()), 1)
    best = counts[:, 1:].argmax(axis=1) + 1 if n_cls > 1 else np.zeros(h * w, dtype=np.int64)
    labelled = factor * factor - counts[:, 0]
    out = np.where(2 * counts[:, 0] > factor * factor, 0, best)
    out[labelled == 0] = 0
    return out.reshape(h, w).astype(m.dtype)


def split_map(label_map: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``label_map`` with the pixels outside the boolean mask ``keep`` set to 0."""
    m = np.asarray(label_map)
    return np.where(keep, m, 0).astype(m.dtype)


def block_split(label_map: np.ndarray, block: int, test_fraction: float = 0.5, seed: int = 0,
                ) -> tuple[np.ndarray, np.ndarray]:
    """A spatially disjoint split of the labelled pixels by square blocks: ``(train_map, test_map)``.

    The map is cut into ``block x block`` tiles (row-major index ``i * ceil(W / block) + j``, see
    :func:`block_assignment`); every tile with labelled pixels goes wholly to train or to test.  Assignment,
    deterministic for a seed: the classes are taken from the rarest (fewest tiles) to the commonest, ties by
    class id; a class with no tile yet on a side gets one of its unassigned tiles (in seeded random order) on
    train first, then on test, where it has tiles left; the remaining tiles go, in seeded random order, to
    test while that brings the test share of labelled pixels closer to ``test_fraction``.  A class with a
    single tile is therefore only in train.
    """
    test = block_assignment(label_map, block, test_fraction, seed)
    m = np.asarray(label_map)
    tiles = _tile_index(m.shape, block)
    is_test = np.isin(tiles, test)
    return split_map(m, ~is_test), split_map(m, is_test)


def _tile_index(shape: tuple[int, int], block: int) -> np.ndarray:
    if block < 1:
        raise ValueError(f"block must be a positive number of pixels, got {block}")
    rr, cc = np.meshgrid(np.arange(shape[0]) // block, np.arange(shape[1]) // block, indexing="ij")
    return rr * (-(-shape[1] // block)) + cc


def block_assignment(label_map: np.ndarray, block: int, test_fraction: float = 0.5, seed: int = 0) -> list[int]:
    """The sorted indices of the test tiles of :func:`block_split` (tile ``i * ceil(W / block) + j``)."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    m = np.asarray(label_map)
    if m.ndim != 2:
        raise ValueError(f"expected a label map (H, W), got shape {m.shape}")
    tiles = _tile_index(m.shape, block)
    lab = m > 0
    if not lab.any():
        raise ValueError("the label map has no labelled pixels")
    t, cls = tiles[lab], m[lab].astype(np.int64)
    ids = np.unique(t)
    pix = {int(i): int(n) for i, n in zip(*np.unique(t, return_counts=True))}
    rng = np.random.default_rng(seed)
    order = [int(i) for i in rng.permutation(ids)]
    rank = {tile: n for n, tile in enumerate(order)}
    tiles_of: dict[int, list[int]] = {}
    for c in np.unique(cls):
        tiles_of[int(c)] = sorted({int(i) for i in np.unique(t[cls == c])}, key=rank.__getitem__)
    side: dict[int, str] = {}
    for c in sorted(tiles_of, key=lambda c: (len(tiles_of[c]), c)):
        for want in ("train", "test"):
            if any(side.get(i) == want for i in tiles_of[c]):
                continue
            free = [i for i in tiles_of[c] if i not in side]
            if free:
                side[free[0]] = want
    total = sum(pix.values())
    target = test_fraction * total
    n_test = sum(pix[i] for i, s in side.items() if s == "test")
    for i in order:
        if i in side:
            continue
        if abs(n_test + pix[i] - target) < abs(n_test - target):
            side[i] = "test"
            n_test += pix[i]
        else:
            side[i] = "train"
    return sorted(i for i, s in side.items() if s == "test")


def stratified_split(label_map: np.ndarray, per_class: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A random per-class split: ``(train_map, test_map)``.

    ``per_class``: an int (that many training pixels per class, all but one where a class has fewer) or a
    fraction in (0, 1) (``floor(fraction * n + 0.5)`` pixels of a class of n, at least 1: for MUUFL at 5 %
    that gives the 2683 training pixels of MFT).  For each class in increasing id, its pixels in row-major
    order are permuted by one ``numpy.random.default_rng(seed)`` generator and the first ones go to train.
    """
    m = np.asarray(label_map)
    rows, cols, labels = labelled_pixels(m)
    if isinstance(per_class, (bool, np.bool_)) or per_class <= 0:
        raise ValueError(f"per_class must be a positive count or a fraction in (0, 1), got {per_class}")
    if isinstance(per_class, float) and per_class >= 1:
        raise ValueError(f"a fraction per_class must be below 1, got {per_class}; pass an int for a count")
    rng = np.random.default_rng(seed)
    train = np.zeros(m.shape, dtype=bool)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        n = idx.size
        if isinstance(per_class, (int, np.integer)):
            k = min(int(per_class), max(n - 1, 1))
        else:
            k = max(1, int(np.floor(per_class * n + 0.5)))
        pick = idx[rng.permutation(n)[:k]]
        train[rows[pick], cols[pick]] = True
    lab = m > 0
    return split_map(m, train), split_map(m, lab & ~train)
