"""The raster preprocessing a model's weights expect, as JSON-able steps stored with the weights.

A model keeps, per input modality, a list of steps such as ``[{"op": "morphological_profile", "sizes": [3, 5,
7], "stretch": [10.31, 28.334]}, {"op": "minmax", "min": 0.0, "max": 1.0}]``;
:func:`apply_preprocess` runs them in order on a whole co-registered raster (C, H, W) and returns float32.
Each step is a dict: ``"op"`` names a registered operation, the other keys are its parameters.

Operations (``raster`` is float32 (C, H, W); every op returns float32 (C', H', W')):

==========================  ==============================================================================
``morphological_profile``   ``sizes``, ``stretch`` ([low, high] or null), ``include_original``; 1 band in,
                            :func:`~fusionzoo.features.morphological_profile` out
``extended_profile``        ``components``, ``sizes``, ``pca`` (the dict of a fitted EMP, to apply it to a
                            new raster; null: fit on this raster)
``attribute_profile``       ``attributes`` ({name: thresholds}), ``connectivity``; 1 band in
``minmax``                  ``min``, ``max`` (one number, or one per band): ``(x - min) / (max - min)``
``standardize``             ``mean``, ``std`` (one number, or one per band): ``(x - mean) / std``
``select_bands``            ``indices``: the bands kept, in that order (0-based)
``block_mean``              ``factor`` f: the mean of each f x f block (e.g. 0.5 m RGB onto a 2 m HS grid)
``space_to_depth``          ``factor`` f: (C, H, W) -> (C f f, H/f, W/f), channel ``c f f + i f + j`` =
                            ``x[c, f y + i, f x + j]`` (``torch.nn.functional.pixel_unshuffle``'s order)
==========================  ==============================================================================

:func:`fit_minmax` / :func:`fit_standardize` compute the normalisation step from a raster (optionally only
the pixels of a mask, e.g. the training pixels).  :func:`register_preprocess_op` adds an operation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .profiles import DEFAULT_SIZES, attribute_profile, extended_morphological_profile, morphological_profile

__all__ = ["PreprocessError", "apply_preprocess", "fit_minmax", "fit_standardize", "preprocess_ops",
           "register_preprocess_op"]

PreprocessOp = Callable[..., np.ndarray]
_OPS: dict[str, PreprocessOp] = {}


class PreprocessError(ValueError):
    """A preprocessing step that cannot run on the raster given (wrong parameters, band count, size)."""


def register_preprocess_op(name: str, fn: PreprocessOp, overwrite: bool = False) -> PreprocessOp:
    """Register ``fn(raster: float32 (C, H, W), **params) -> array (C', H', W')`` as op ``name``; its
    parameters must be JSON-able (they are stored with the weights).  Raise :class:`PreprocessError` (or
    ``ValueError``) with one line on bad input."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"an op name must be a non-empty string, got {name!r}")
    if not callable(fn):
        raise TypeError(f"op {name!r} must be callable, got {type(fn).__name__}")
    if name in _OPS and not overwrite:
        raise ValueError(f"preprocess op {name!r} is already registered; pass overwrite=True to replace it")
    _OPS[name] = fn
    return fn


def preprocess_ops() -> tuple[str, ...]:
    """The names of the registered operations."""
    return tuple(sorted(_OPS))


def apply_preprocess(steps: Sequence[Mapping[str, Any]], raster: Any, what: str = "input") -> np.ndarray:
    """Run ``steps`` in order on ``raster`` (C, H, W) -> float32 (C', H', W').  ``what`` names the raster in
    the errors (e.g. the modality).  No steps: the raster as float32."""
    x = np.asarray(raster)
    if x.ndim != 3:
        hint = "; add a band axis with raster[None]" if x.ndim == 2 else ""
        raise PreprocessError(f"{what}: the raster must be (C, H, W), got shape {x.shape}{hint}")
    if x.dtype.kind not in "biuf":
        raise PreprocessError(f"{what}: the raster must be numeric, got dtype {x.dtype}")
    x = x.astype(np.float32, copy=False)
    if isinstance(steps, (Mapping, str)):
        raise PreprocessError(f"{what}: steps must be a list of dicts with an 'op' key, got {type(steps).__name__}")
    for i, step in enumerate(steps or ()):
        if not isinstance(step, Mapping) or "op" not in step:
            raise PreprocessError(f"{what}: preprocess step {i} must be a dict with an 'op' key, got {step!r}")
        op = step["op"]
        if op not in _OPS:
            raise PreprocessError(f"{what}: unknown preprocess op {op!r} (step {i}); known: "
                                  f"{', '.join(preprocess_ops())}")
        params = {k: v for k, v in step.items() if k != "op"}
        try:
            y = _OPS[op](x, **params)
        except TypeError as e:
            raise PreprocessError(f"{what}: preprocess step {i} ({op}): bad parameters {sorted(params)}: {e}") from e
        except ValueError as e:
            raise PreprocessError(f"{what}: preprocess step {i} ({op}): {e}") from e
        y = np.asarray(y)
        if y.ndim != 3:
            raise PreprocessError(f"{what}: preprocess step {i} ({op}) returned shape {y.shape}, not (C, H, W)")
        x = y.astype(np.float32, copy=False)
    return x


# --- helpers ---------------------------------------------------------------------------------------------------
def _one_band(x: np.ndarray, op: str) -> np.ndarray:
    if x.shape[0] != 1:
        raise ValueError(f"{op} needs a 1-band raster, got {x.shape[0]} bands; select one first (select_bands)")
    return x[0]


def _per_band(value: Any, name: str, bands: int) -> np.ndarray:
    """A number or one number per band -> (C, 1, 1) float32."""
    v = np.asarray(value, dtype=np.float64)
    if v.ndim > 1 or (v.ndim == 1 and v.size not in (1, bands)):
        raise ValueError(f"{name} must be one number or one per band ({bands}), got {np.shape(value)} values")
    if not np.isfinite(v).all():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return np.broadcast_to(v.reshape(-1), (bands,)).reshape(bands, 1, 1).astype(np.float32)


def _factor(factor: Any, x: np.ndarray) -> int:
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"factor must be a positive integer, got {factor!r}")
    h, w = x.shape[1:]
    if h % factor or w % factor:
        raise ValueError(f"the raster's H x W ({h} x {w}) is not divisible by factor {factor}; crop it first")
    return int(factor)


# --- the operations --------------------------------------------------------------------------------------------
def _op_morphological_profile(x: np.ndarray, sizes: Sequence[int] = DEFAULT_SIZES,
                              stretch: Sequence[float] | None = None, include_original: bool = True) -> np.ndarray:
    return morphological_profile(_one_band(x, "morphological_profile"), sizes=sizes, stretch=stretch,
                                 include_original=include_original)


def _op_extended_profile(x: np.ndarray, components: int = 4, sizes: Sequence[int] = DEFAULT_SIZES,
                         pca: Mapping[str, Any] | None = None) -> np.ndarray:
    return extended_morphological_profile(x, components=components, sizes=sizes, pca=pca)[0]


def _op_attribute_profile(x: np.ndarray, attributes: Mapping[str, Sequence[float]], connectivity: int = 4
                          ) -> np.ndarray:
    return attribute_profile(_one_band(x, "attribute_profile"), attributes, connectivity=connectivity)


def _op_minmax(x: np.ndarray, min: Any, max: Any) -> np.ndarray:
    lo, hi = _per_band(min, "min", x.shape[0]), _per_band(max, "max", x.shape[0])
    if (hi <= lo).any():
        raise ValueError(f"max must exceed min in every band, got min={min!r}, max={max!r}")
    return (x - lo) / (hi - lo)


def _op_standardize(x: np.ndarray, mean: Any, std: Any) -> np.ndarray:
    mu, sd = _per_band(mean, "mean", x.shape[0]), _per_band(std, "std", x.shape[0])
    if (sd <= 0).any():
        raise ValueError(f"std must be positive in every band, got {std!r}")
    return (x - mu) / sd


def _op_select_bands(x: np.ndarray, indices: Sequence[int]) -> np.ndarray:
    idx = [indices] if np.isscalar(indices) else list(indices)
    c = x.shape[0]
    if not idx or any(isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < c for i in idx):
        raise ValueError(f"indices must be band numbers in 0..{c - 1}, got {indices!r}")
    return x[idx]


def _op_block_mean(x: np.ndarray, factor: int) -> np.ndarray:
    f = _factor(factor, x)
    c, h, w = x.shape
    return x.reshape(c, h // f, f, w // f, f).mean(axis=(2, 4), dtype=np.float64).astype(np.float32)


def _op_space_to_depth(x: np.ndarray, factor: int) -> np.ndarray:
    f = _factor(factor, x)
    c, h, w = x.shape
    return x.reshape(c, h // f, f, w // f, f).transpose(0, 2, 4, 1, 3).reshape(c * f * f, h // f, w // f)


for _name, _fn in {"morphological_profile": _op_morphological_profile, "extended_profile": _op_extended_profile,
                   "attribute_profile": _op_attribute_profile, "minmax": _op_minmax,
                   "standardize": _op_standardize, "select_bands": _op_select_bands, "block_mean": _op_block_mean,
                   "space_to_depth": _op_space_to_depth}.items():
    register_preprocess_op(_name, _fn)


# --- fitting the normalisation ---------------------------------------------------------------------------------
def _pixels(raster: Any, mask: Any) -> np.ndarray:
    """(C, N) float64: every pixel, or those where ``mask`` (H, W) is true."""
    x = np.asarray(raster)
    if x.ndim != 3:
        raise PreprocessError(f"the raster must be (C, H, W), got shape {x.shape}")
    x = x.reshape(x.shape[0], -1)
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.shape != np.asarray(raster).shape[1:]:
            raise PreprocessError(f"mask must be (H, W) = {np.asarray(raster).shape[1:]}, got {m.shape}")
        x = x[:, m.ravel()]
    if x.shape[1] == 0:
        raise PreprocessError("no pixels to fit on (empty raster or mask)")
    x = x.astype(np.float64)
    if not np.isfinite(x).all():
        raise PreprocessError("the raster has NaN/Inf values; mask them out (mask=) or fill them first")
    return x


def _listed(v: np.ndarray, per_band: bool) -> Any:
    return [float(a) for a in v] if per_band else float(v[0])


def fit_minmax(raster: Any, per_band: bool = True, mask: Any = None) -> dict:
    """The ``minmax`` step mapping the raster's range (per band, or one global range) to [0, 1]; a constant band
    gets ``max = min + 1`` (it maps to 0).  ``mask`` (H, W): fit on those pixels only."""
    x = _pixels(raster, mask)
    if not per_band:
        x = x.reshape(1, -1)
    lo, hi = x.min(1), x.max(1)
    hi = np.where(hi > lo, hi, lo + 1.0)
    return {"op": "minmax", "min": _listed(lo, per_band), "max": _listed(hi, per_band)}


def fit_standardize(raster: Any, per_band: bool = True, mask: Any = None) -> dict:
    """The ``standardize`` step giving zero mean and unit (population) standard deviation, per band or
    globally; a constant band gets ``std = 1``.  ``mask`` (H, W): fit on those pixels only."""
    x = _pixels(raster, mask)
    if not per_band:
        x = x.reshape(1, -1)
    mu, sd = x.mean(1), x.std(1)
    sd = np.where(sd > 0, sd, 1.0)
    return {"op": "standardize", "mean": _listed(mu, per_band), "std": _listed(sd, per_band)}
