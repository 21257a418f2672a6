"""The JSON-able preprocessing steps stored with weights: hand-computed values, the fitted normalisations,
extension and the one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from fusionzoo.features import (
    PreprocessError,
    apply_preprocess,
    fit_minmax,
    fit_standardize,
    morphological_profile,
    preprocess_ops,
    register_preprocess_op,
)

RASTER = np.array([[[0.0, 5.0], [10.0, 20.0]],
                   [[1.0, 1.0], [3.0, 5.0]]], dtype=np.float32)  # (2, 2, 2)


def test_no_steps_gives_float32():
    out = apply_preprocess([], RASTER.astype(np.uint16))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, RASTER)


def test_minmax_hand_values():
    out = apply_preprocess([{"op": "minmax", "min": 0.0, "max": 20.0}], RASTER)
    np.testing.assert_allclose(out[0], [[0, 0.25], [0.5, 1]])
    np.testing.assert_allclose(out[1], [[0.05, 0.05], [0.15, 0.25]])
    per_band = apply_preprocess([{"op": "minmax", "min": [0, 1], "max": [20, 5]}], RASTER)
    np.testing.assert_allclose(per_band[1], [[0, 0], [0.5, 1]])


def test_standardize_hand_values():
    out = apply_preprocess([{"op": "standardize", "mean": [10, 2], "std": [5, 0.5]}], RASTER)
    np.testing.assert_allclose(out[0], [[-2, -1], [0, 2]])
    np.testing.assert_allclose(out[1], [[-2, -2], [2, 6]])


def test_select_block_mean_space_to_depth():
    x = np.arange(2 * 4 * 6, dtype=np.float32).reshape(2, 4, 6)
    sel = apply_preprocess([{"op": "select_bands", "indices": [1, 0, 1]}], x)
    np.testing.assert_array_equal(sel, x[[1, 0, 1]])
    bm = apply_preprocess([{"op": "block_mean", "factor": 2}], x)
    assert bm.shape == (2, 2, 3)
    assert bm[0, 0, 0] == (0 + 1 + 6 + 7) / 4 and bm[1, 1, 2] == (40 + 41 + 46 + 47) / 4
    s2d = apply_preprocess([{"op": "space_to_depth", "factor": 2}], x)
    assert s2d.shape == (8, 2, 3)
    want = torch.nn.functional.pixel_unshuffle(torch.from_numpy(x)[None], 2)[0].numpy()
    np.testing.assert_array_equal(s2d, want)
    assert s2d[3, 0, 0] == x[0, 1, 1] and s2d[5, 1, 2] == x[1, 2, 5]  # channel c*4 + i*2 + j


def test_profile_steps_run_in_order():
    rng = np.random.default_rng(0)
    dsm = (10 + 20 * rng.random((1, 16, 18))).astype(np.float32)
    steps = [{"op": "morphological_profile", "sizes": [3, 5], "stretch": [10.31, 28.334]},
             {"op": "minmax", "min": 0.0, "max": 0.5}]
    json.dumps(steps)  # JSON-able
    out = apply_preprocess(steps, dsm, what="lidar")
    mp = morphological_profile(dsm[0], sizes=(3, 5), stretch=(10.31, 28.334))
    np.testing.assert_allclose(out, mp / 0.5, rtol=1e-6)
    ap = apply_preprocess([{"op": "attribute_profile", "attributes": {"area": [4, 16]}}], dsm)
    assert ap.shape == (5, 16, 18)
    emp = apply_preprocess([{"op": "extended_profile", "components": 2, "sizes": [3]}],
                           rng.random((4, 8, 8)).astype(np.float32))
    assert emp.shape == (6, 8, 8)


def test_fit_minmax_and_standardize():
    rng = np.random.default_rng(1)
    x = (rng.random((3, 10, 12)) * [[[1]], [[10]], [[100]]]).astype(np.float32)
    step = fit_minmax(x)
    json.dumps(step)
    out = apply_preprocess([step], x)
    np.testing.assert_allclose(out.reshape(3, -1).min(1), 0, atol=1e-6)
    np.testing.assert_allclose(out.reshape(3, -1).max(1), 1, atol=1e-6)
    glob = fit_minmax(x, per_band=False)
    assert glob["min"] == pytest.approx(float(x.min())) and glob["max"] == pytest.approx(float(x.max()))
    std = apply_preprocess([fit_standardize(x)], x)
    np.testing.assert_allclose(std.reshape(3, -1).mean(1), 0, atol=1e-5)
    np.testing.assert_allclose(std.reshape(3, -1).std(1), 1, atol=1e-5)
    mask = np.zeros((10, 12), bool)
    mask[2, 3] = mask[5, 7] = True
    m = fit_minmax(x, mask=mask)
    assert m["min"][0] == pytest.approx(float(min(x[0, 2, 3], x[0, 5, 7])))
    const = fit_minmax(np.ones((1, 3, 3)))
    assert const == {"op": "minmax", "min": [1.0], "max": [2.0]}
    assert fit_standardize(np.ones((1, 3, 3)))["std"] == [1.0]


def test_register_an_op():
    register_preprocess_op("test_negate", lambda x: -x, overwrite=True)
    assert "test_negate" in preprocess_ops()
    np.testing.assert_array_equal(apply_preprocess([{"op": "test_negate"}], RASTER), -RASTER)
    with pytest.raises(ValueError, match="already registered"):
        register_preprocess_op("test_negate", lambda x: x)


@pytest.mark.parametrize("steps, raster, match", [
    ([{"op": "sharpen"}], RASTER, r"hs: unknown preprocess op 'sharpen' \(step 0\); known: .*block_mean.*minmax"),
    ([{"op": "morphological_profile"}], RASTER, "needs a 1-band raster, got 2 bands"),
    ([{"op": "block_mean", "factor": 3}], RASTER, r"H x W \(2 x 2\) is not divisible by factor 3"),
    ([{"op": "space_to_depth", "factor": 0}], RASTER, "factor must be a positive integer"),
    ([{"op": "minmax", "min": [0, 1, 2], "max": 1}], RASTER, r"one number or one per band \(2\)"),
    ([{"op": "minmax", "min": 1, "max": 1}], RASTER, "max must exceed min"),
    ([{"op": "standardize", "mean": 0, "std": 0}], RASTER, "std must be positive"),
    ([{"op": "select_bands", "indices": [2]}], RASTER, r"indices must be band numbers in 0..1"),
    ([{"op": "minmax", "low": 0}], RASTER, "step 0 \\(minmax\\): bad parameters"),
    ([{"min": 0}], RASTER, "must be a dict with an 'op' key"),
    ([], RASTER[0], r"must be \(C, H, W\), got shape \(2, 2\); add a band axis"),
])
def test_errors_are_one_line(steps, raster, match):
    with pytest.raises(PreprocessError, match=match) as e:
        apply_preprocess(steps, raster, what="hs")
    assert "\n" not in str(e.value)
