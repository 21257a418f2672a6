"""Spatial feature profiles of a raster: morphological profiles (MP), extended MPs (EMP) and attribute profiles (AP).

Every profile is computed on the **whole** raster (before any pixel sampling: the filters look at the
neighbourhood) and returned as a (bands, H, W) float32 stack.

**Morphological profile** (:func:`morphological_profile`): plain greyscale openings and closings (not by
reconstruction) with flat square structuring elements of odd sizes, in the order of Hong's Houston 2013
LiDAR features: openings small -> large, closings small -> large, then the original.  With ``stretch=(low,
high)`` the image is first quantised to 8 bits (:func:`stretch_to_8bit`) and filtered at integer levels, as
those features were (recipe in ``shared/reference/families.md`` B4; :data:`HOUSTON2013_DSM_STRETCH` are the
limits fitted to the Houston 2013 DSM).  Borders: a pixel outside the image never enters a minimum or maximum
(the window is clipped to the image; ``scipy.ndimage`` with ``mode="reflect"``, which for flat rectangular
windows is the same).

**Extended MP** (:func:`extended_morphological_profile`): principal components of the pixels, each rescaled
to [0, 1] over the image, and an MP of each (Benediktsson et al. 2005).

**Attribute profile** (:func:`attribute_profile`, Dalla Mura et al. 2010): attribute thinnings (filtering the
max-tree) and thickenings (the min-tree) with the *direct* rule: a node whose attribute is below the threshold
is removed and its pixels take the level of the nearest ancestor that is kept; the root is always kept.
Attributes: ``"area"`` (pixels), ``"std"`` (population standard deviation of the levels in the component) and
``"moment_of_inertia"`` (Hu's first moment invariant of the component's pixel coordinates,
``(mu20 + mu02) / area**2``: 0 for a single pixel, about 1/(2 pi) for a disk, larger for elongated shapes).
Order per attribute (sap's): thinnings with thresholds descending, the original, thickenings with thresholds
ascending, so each profile is pointwise non-decreasing along its bands; the attributes follow each other in
the order given.  The max-tree comes from ``skimage.morphology.max_tree``; the attributes and the filtering
are computed here (a sparse triangular solve sums each quantity over every subtree; pointer jumping finds each
pixel's nearest kept ancestor).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["ATTRIBUTES", "DEFAULT_SIZES", "HOUSTON2013_DSM_STRETCH", "attribute_filter", "attribute_profile",
           "extended_morphological_profile", "morphological_profile", "stretch_to_8bit"]

#: the square structuring elements of Hong's Houston 2013 LiDAR features: 3 x 3, 5 x 5, ..., 21 x 21
DEFAULT_SIZES = (3, 5, 7, 9, 11, 13, 15, 17, 19, 21)
#: the 8-bit stretch limits (metres) fitted to the Houston 2013 DSM (reference families.md B4)
HOUSTON2013_DSM_STRETCH = (10.31, 28.334)
#: the attributes :func:`attribute_profile` knows
ATTRIBUTES = ("area", "std", "moment_of_inertia")


def _image2d(image: Any, name: str = "image2d") -> np.ndarray:
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[0] == 1:
        raise ValueError(f"{name} must be 2-D (H, W), got shape {a.shape}; pass image[0]")
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D (H, W), got shape {a.shape}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric, got dtype {a.dtype}")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise ValueError(f"{name} has NaN/Inf values; fill the no-data pixels first")
    return a


def _check_stretch(stretch: Any) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in stretch)
    except (TypeError, ValueError):
        raise ValueError(f"stretch must be (low, high) or None, got {stretch!r}") from None
    if not high > low:
        raise ValueError(f"the stretch needs high > low, got low={low}, high={high}")
    return low, high


def stretch_to_8bit(dsm: Any, low: float, high: float) -> np.ndarray:
    """Linear 8-bit stretch: ``DN = clip(round((h - low) / (high - low) * 255), 0, 255)``, returned as ``DN /
    255`` in float32 (rounding half to even, numpy's).  ``low`` / ``high`` in the units of ``dsm`` (metres)."""
    low, high = _check_stretch((low, high))
    return (_stretch_dn(np.asarray(dsm, dtype=np.float64), low, high) / np.float32(255)).astype(np.float32)


def _stretch_dn(a: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.clip(np.round((a - low) / (high - low) * 255.0), 0, 255).astype(np.uint8)


def _check_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    try:
        out = tuple(int(s) for s in sizes)
    except (TypeError, ValueError):
        raise ValueError(f"sizes must be odd integers (square SE widths), got {sizes!r}") from None
    if not out or any(s < 1 or s % 2 == 0 or s != float(v) for s, v in zip(out, sizes)):
        raise ValueError(f"sizes must be odd positive integers (square SE widths, e.g. 3, 5, ..., 21), got {sizes!r}")
    if any(b <= a for a, b in itertools.pairwise(out)):
        raise ValueError(f"sizes must be increasing, got {sizes!r}")
    return out


def morphological_profile(image2d: Any, sizes: Sequence[int] = DEFAULT_SIZES,
                          stretch: Sequence[float] | None = None, include_original: bool = True) -> np.ndarray:
    """(2 * len(sizes) + include_original, H, W) float32: openings (sizes ascending), closings (ascending), then
    the original.

    Plain greyscale opening / closing with a flat ``s x s`` square per size.  ``stretch=(low, high)``: quantise
    to 8 bits first and return DN / 255 (the Houston 2013 features: ``stretch=HOUSTON2013_DSM_STRETCH``,
    sizes 3..21); ``None``: filter the values as they are.  Nested: opening_21 <= ... <= opening_3 <= original
    <= closing_3 <= ... <= closing_21 at every pixel.
    """
    from scipy import ndimage

    a = _image2d(image2d)
    sizes = _check_sizes(sizes)
    if stretch is not None:
        low, high = _check_stretch(stretch)
        a = _stretch_dn(a.astype(np.float64), low, high)
    elif a.dtype.kind == "b":
        a = a.astype(np.uint8)
    bands = [ndimage.grey_opening(a, size=(s, s), mode="reflect") for s in sizes]
    bands += [ndimage.grey_closing(a, size=(s, s), mode="reflect") for s in sizes]
    if include_original:
        bands.append(a)
    out = np.stack(bands).astype(np.float32)
    if stretch is not None:
        out /= np.float32(255)
    return out


def extended_morphological_profile(cube: Any, components: int = 4, sizes: Sequence[int] = DEFAULT_SIZES,
                                   pca: Mapping[str, Any] | None = None) -> tuple[np.ndarray, dict]:
    """EMP of a (C, H, W) cube -> ``(features, pca)``.

    ``features``: (components * (2 * len(sizes) + 1), H, W) float32, the MP (:func:`morphological_profile`,
    no stretch) of each principal component in turn, the components rescaled to [0, 1] by their minimum and
    maximum over the image.  ``pca``: a JSON-able dict ``{"mean": (C,), "components": (k, C), "min": (k,),
    "max": (k,), "explained_variance_ratio": (k,)}``: the PCA used (eigenvectors of the pixels' covariance,
    each signed so that its largest-magnitude loading is positive).  Give a stored ``pca`` to apply the same
    projection and rescaling to another raster (values may then leave [0, 1]; they are not clipped).
    """
    x = np.asarray(cube)
    if x.ndim != 3:
        raise ValueError(f"cube must be (C, H, W), got shape {x.shape}")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise ValueError("cube has NaN/Inf values; fill the no-data pixels first")
    c, h, w = x.shape
    flat = x.reshape(c, -1)
    if pca is None:
        if isinstance(components, bool) or int(components) != components or not 1 <= components <= c:
            raise ValueError(f"components must be an integer in 1..{c} (the band count), got {components!r}")
        mean = flat.mean(1, dtype=np.float64)
        gram = np.zeros((c, c))
        for d in _centred_chunks(flat, mean):
            gram += d @ d.T
        val, vec = np.linalg.eigh(gram / max(flat.shape[1] - 1, 1))
        order = np.argsort(val)[::-1][:components]
        vec = vec[:, order].T  # (k, C)
        vec *= np.sign(vec[np.arange(len(vec)), np.abs(vec).argmax(1)])[:, None]
        scores = np.concatenate([vec @ d for d in _centred_chunks(flat, mean)], axis=1)
        total = val.clip(min=0).sum()
        pca = {"mean": mean.tolist(), "components": vec.tolist(), "min": scores.min(1).tolist(),
               "max": scores.max(1).tolist(),
               "explained_variance_ratio": (val[order].clip(min=0) / (total if total > 0 else 1.0)).tolist()}
    else:
        missing = {"mean", "components", "min", "max"} - set(pca)
        if missing:
            raise ValueError(f"pca lacks {sorted(missing)}; give the dict extended_morphological_profile returned")
        vec = np.asarray(pca["components"], dtype=np.float64)
        mean = np.asarray(pca["mean"], dtype=np.float64)
        if vec.ndim != 2 or vec.shape[1] != c or mean.shape != (c,):
            raise ValueError(f"the stored pca is for {mean.size} bands, the cube has {c}")
        if not len(pca["min"]) == len(pca["max"]) == len(vec):
            raise ValueError(f"the stored pca has {len(vec)} components but {len(pca['min'])} min / "
                             f"{len(pca['max'])} max values")
        scores = np.concatenate([vec @ d for d in _centred_chunks(flat, mean)], axis=1)
        pca = dict(pca)
    lo, hi = np.asarray(pca["min"], dtype=np.float64), np.asarray(pca["max"], dtype=np.float64)
    span = np.where(hi > lo, hi - lo, 1.0)
    pcs = ((scores - lo[:, None]) / span[:, None]).reshape(-1, h, w)
    feats = np.concatenate([morphological_profile(pc, sizes=sizes) for pc in pcs])
    return feats, pca


def _centred_chunks(flat: np.ndarray, mean: np.ndarray, size: int = 1 << 16):
    """(C, N) pixels minus ``mean`` in float64, ``size`` pixels at a time (bounded memory for large cubes)."""
    for s in range(0, flat.shape[1], size):
        yield flat[:, s:s + size].astype(np.float64) - mean[:, None]


# --- component trees -----------------------------------------------------------------------------------------
def _connectivity(connectivity: int) -> int:
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8 (pixel neighbours), got {connectivity!r}")
    return 1 if connectivity == 4 else 2


class _MaxTree:
    """The max-tree of a 2-D image (``skimage.morphology.max_tree``): each pixel's parent, in an order where
    parents come first.  A pixel is a node's *canonical* pixel when it is the root or its parent has another
    level; the other pixels hang from the canonical pixel of their flat zone."""

    def __init__(self, image: np.ndarray, connectivity: int) -> None:
        from skimage.morphology import max_tree

        parent, traverser = max_tree(image, connectivity=_connectivity(connectivity))
        self.shape = image.shape
        self.levels = image.ravel()
        self.parent = parent.ravel().astype(np.int64)
        self.traverser = traverser.astype(np.int64)
        idx = np.arange(self.parent.size)
        self.root = self.parent == idx
        self.canonical = self.root | (self.levels[self.parent] != self.levels)
        self._matrix = None

    def subtree_sums(self, values: np.ndarray) -> np.ndarray:
        """(N, q) per-pixel quantities -> their sums over each pixel's subtree (for a canonical pixel: over its
        whole connected component at its level).  Solves (I - C) s = v, C the child -> parent incidence,
        upper triangular in traversal order."""
        from scipy.sparse import csr_matrix, identity
        from scipy.sparse.linalg import spsolve_triangular

        n = self.parent.size
        rank = np.empty(n, np.int64)
        rank[self.traverser] = np.arange(n)
        if self._matrix is None:
            child = np.flatnonzero(~self.root)
            inc = csr_matrix((np.ones(child.size), (rank[self.parent[child]], rank[child])), shape=(n, n))
            self._matrix = (identity(n, format="csr") - inc).tocsr()
        b = np.empty_like(values, dtype=np.float64)
        b[rank] = values
        s = spsolve_triangular(self._matrix, b, lower=False)
        return s.reshape(values.shape)[rank]

    def attribute(self, name: str) -> np.ndarray:
        """Per pixel, the attribute of the node it is canonical for (meaningful on canonical pixels only)."""
        n = self.parent.size
        if name == "area":
            return self.subtree_sums(np.ones((n, 1)))[:, 0]
        if name == "std":
            v = self.levels.astype(np.float64)
            v = v - v.mean()  # shift for accuracy; the spread is unchanged
            s = self.subtree_sums(np.stack([np.ones(n), v, v * v], 1))
            var = s[:, 2] / s[:, 0] - (s[:, 1] / s[:, 0]) ** 2
            return np.sqrt(np.clip(var, 0, None))
        if name == "moment_of_inertia":
            r, c = np.divmod(np.arange(n, dtype=np.float64), self.shape[1])
            r -= (self.shape[0] - 1) / 2
            c -= (self.shape[1] - 1) / 2
            s = self.subtree_sums(np.stack([np.ones(n), r, c, r * r, c * c], 1))
            area = s[:, 0]
            mu = s[:, 3] - s[:, 1] ** 2 / area + s[:, 4] - s[:, 2] ** 2 / area
            return np.clip(mu, 0, None) / area**2
        raise ValueError(f"unknown attribute {name!r}; known: {', '.join(ATTRIBUTES)}")

    def filter(self, keep: np.ndarray) -> np.ndarray:
        """Direct rule: each pixel takes the level of its nearest ancestor node (itself included) that is
        kept; ``keep`` per pixel, read on canonical pixels; the root is always kept."""
        idx = np.arange(self.parent.size)
        ptr = np.where(self.canonical & (keep | self.root), idx, self.parent)
        while True:
            nxt = ptr[ptr]
            if np.array_equal(nxt, ptr):
                break
            ptr = nxt
        return self.levels[ptr].reshape(self.shape)


def _prepare_tree_image(image2d: Any) -> np.ndarray:
    a = _image2d(image2d)
    if a.dtype.kind == "b":
        a = a.astype(np.uint8)
    return a


def _negate(a: np.ndarray) -> np.ndarray:
    """An order-reversing copy (the min-tree of ``a`` is the max-tree of this)."""
    if a.dtype.kind == "u":
        return np.iinfo(a.dtype).max - a
    if a.dtype.kind == "i":
        return -a.astype(np.int64)
    return -a


def _check_thresholds(name: str, thresholds: Any) -> list[float]:
    if name not in ATTRIBUTES:
        raise ValueError(f"unknown attribute {name!r}; known: {', '.join(ATTRIBUTES)}")
    vals = [thresholds] if np.isscalar(thresholds) else list(thresholds)
    try:
        vals = [float(t) for t in vals]
    except (TypeError, ValueError):
        raise ValueError(f"thresholds of {name!r} must be numbers, got {thresholds!r}") from None
    if not vals or any(not np.isfinite(t) for t in vals):
        raise ValueError(f"give {name!r} one or more finite thresholds, got {thresholds!r}")
    return vals


def attribute_filter(image2d: Any, attribute: str, threshold: float, connectivity: int = 4,
                     tree: str = "max") -> np.ndarray:
    """One attribute thinning (``tree="max"``: bright components whose attribute is below ``threshold`` are
    removed; ``"area"`` gives the area opening) or thickening (``tree="min"``: dark ones; the area closing),
    direct rule, in the image's dtype."""
    if tree not in ("max", "min"):
        raise ValueError(f"tree must be 'max' (thinning) or 'min' (thickening), got {tree!r}")
    (thr,) = _check_thresholds(attribute, [threshold])
    a = _prepare_tree_image(image2d)
    src = a if tree == "max" else _negate(a)
    t = _MaxTree(src, connectivity)
    out = t.filter(t.attribute(attribute) >= thr)
    return out if tree == "max" else _negate(out).astype(a.dtype)


def attribute_profile(image2d: Any, attributes: Mapping[str, Sequence[float]], connectivity: int = 4
                      ) -> np.ndarray:
    """AP of a 2-D image: for each attribute in the order given, ``2 * len(thresholds) + 1`` bands: thinnings
    (thresholds descending), the original, thickenings (thresholds ascending); float32.

    ``attributes``: e.g. ``{"area": [100, 500, 1000, 5000], "std": [5, 10], "moment_of_inertia": [0.2, 0.4]}``
    (a node is kept when its attribute is >= the threshold); ``connectivity``: 4 or 8.  The trees are built
    once and the attributes computed once per tree.
    """
    if not isinstance(attributes, Mapping) or not attributes:
        raise ValueError(f"attributes must be a non-empty dict {{attribute: thresholds}} with attributes among "
                         f"{', '.join(ATTRIBUTES)}, got {attributes!r}")
    spec = {name: sorted(_check_thresholds(name, thr)) for name, thr in attributes.items()}
    a = _prepare_tree_image(image2d)
    neg = _negate(a)
    tmax, tmin = _MaxTree(a, connectivity), _MaxTree(neg, connectivity)
    bands = []
    for name, thr in spec.items():
        amax, amin = tmax.attribute(name), tmin.attribute(name)
        bands += [tmax.filter(amax >= t) for t in reversed(thr)]
        bands.append(a)
        bands += [_negate(tmin.filter(amin >= t)) for t in thr]
    return np.stack([b.astype(np.float32) for b in bands])
