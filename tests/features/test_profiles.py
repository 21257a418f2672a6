"""Morphological, extended morphological and attribute profiles: hand-computed values, identities with
scikit-image's filters, the nesting of the profiles, and (with ``../shared/data``) the recipe of Hong's 21
Houston 2013 LiDAR features against the published pixel sets."""

from __future__ import annotations

import numpy as np
import pytest

from fusionzoo.features import (
    HOUSTON2013_DSM_STRETCH,
    attribute_filter,
    attribute_profile,
    extended_morphological_profile,
    morphological_profile,
    stretch_to_8bit,
)
from tests.helpers import DATA

skm = pytest.importorskip("skimage.morphology")

HOUSTON = DATA / "classification" / "houston2013"
DSM = HOUSTON / "dfc2013_official" / "2013_IEEE_GRSS_DF_Contest_LiDAR.tif"
TR_MAP = HOUSTON / "split_maps" / "2013_IEEE_GRSS_DF_Contest_Samples_TR.tif"
TR_SET = HOUSTON / "pixel_sets_fc" / "LiDAR_TrSet.mat"


def _random_image(seed: int, shape=(24, 31), levels: int = 256) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, levels, shape).astype(np.uint8)


# --- stretch and morphological profile -------------------------------------------------------------------------
def test_stretch_to_8bit_hand_values():
    h = np.array([[5.0, 10.0, 15.0], [20.0, 25.0, 11.0]])
    # (15 - 10) / 10 * 255 = 127.5 -> 128 (half to even); 11 m -> 25.5 -> 26
    want = np.array([[0, 0, 128], [255, 255, 26]]) / 255
    out = stretch_to_8bit(h, 10, 20)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, want, rtol=0, atol=1e-7)
    with pytest.raises(ValueError, match="high > low"):
        stretch_to_8bit(h, 20, 10)


def test_morphological_profile_hand_image():
    img = np.zeros((12, 12), np.uint8)
    img[2, 2] = 200  # a single bright pixel: gone at the first opening
    img[6:9, 6:9] = 100  # a 3 x 3 bright square: kept by the 3 x 3 opening, removed by the 5 x 5 one
    img[1, 9] = 50
    mp = morphological_profile(img, sizes=(3, 5))
    assert mp.shape == (5, 12, 12) and mp.dtype == np.float32
    open3, open5, close3, close5, orig = mp
    np.testing.assert_array_equal(orig, img)
    assert open3[2, 2] == 0 and open3[1, 9] == 0
    np.testing.assert_array_equal(open3[6:9, 6:9], 100)
    assert open5.max() == 0
    # a closing never darkens; the bright pixel's 5 x 5 closing spreads it over the clipped corner window
    assert np.all(close3 >= img) and close3[4, 4] == 0
    assert close5[0, 0] == 200 and close5[5, 5] == 0


def test_closing_fills_a_dark_hole():
    img = np.full((7, 7), 100, np.uint8)
    img[3, 3] = 0
    open3, close3, _ = morphological_profile(img, sizes=(3,))
    np.testing.assert_array_equal(close3, 100)
    np.testing.assert_array_equal(open3, img)


@pytest.mark.parametrize("seed", [0, 1])
def test_morphological_profile_matches_skimage_square_filters(seed):
    """scikit-image's opening / closing ignore the pixels outside the image: the same at the borders."""
    img = _random_image(seed)
    sizes = (3, 5, 9)
    mp = morphological_profile(img, sizes=sizes)
    for k, s in enumerate(sizes):
        fp = np.ones((s, s), bool)
        np.testing.assert_array_equal(mp[k], skm.opening(img, fp))
        np.testing.assert_array_equal(mp[len(sizes) + k], skm.closing(img, fp))


def test_morphological_profile_is_nested_and_stretched():
    rng = np.random.default_rng(3)
    dsm = 5 + 30 * rng.random((20, 26))
    mp = morphological_profile(dsm, stretch=(10.0, 28.0))
    assert mp.shape == (21, 20, 26)
    opens, closes, orig = mp[:10], mp[10:20], mp[20]
    np.testing.assert_array_equal(orig, stretch_to_8bit(dsm, 10.0, 28.0))
    assert np.all(np.diff(opens, axis=0) <= 0) and np.all(opens[0] <= orig)
    assert np.all(np.diff(closes, axis=0) >= 0) and np.all(closes[0] >= orig)
    assert set(np.unique(np.round(mp * 255, 3))) <= set(range(256))  # 8-bit levels
    assert morphological_profile(dsm, sizes=(3,), include_original=False).shape == (2, 20, 26)


def test_morphological_profile_errors():
    img = np.zeros((8, 8))
    with pytest.raises(ValueError, match=r"2-D \(H, W\).*image\[0\]"):
        morphological_profile(img[None])
    with pytest.raises(ValueError, match="odd positive"):
        morphological_profile(img, sizes=(3, 4))
    with pytest.raises(ValueError, match="increasing"):
        morphological_profile(img, sizes=(5, 3))
    with pytest.raises(ValueError, match="NaN"):
        morphological_profile(np.full((4, 4), np.nan))
    with pytest.raises(ValueError, match="stretch"):
        morphological_profile(img, stretch=(1.0,))


# --- extended morphological profile ----------------------------------------------------------------------------
def test_extended_profile_of_a_rank_one_cube():
    """Every band an increasing affine function of one image: PC1 rescaled to [0, 1] is the image min-max
    scaled (the sign rule makes the loadings positive)."""
    rng = np.random.default_rng(4)
    img = rng.random((10, 14))
    cube = np.stack([2 * img + 1, 0.5 * img - 3, img])
    feats, pca = extended_morphological_profile(cube, components=1, sizes=(3, 5))
    assert feats.shape == (5, 10, 14) and feats.dtype == np.float32
    np.testing.assert_allclose(feats[-1], (img - img.min()) / (img.max() - img.min()), atol=1e-6)
    assert np.all(np.asarray(pca["components"]) > 0)
    assert pca["explained_variance_ratio"][0] == pytest.approx(1.0)


def test_extended_profile_stored_pca_reproduces():
    cube = np.random.default_rng(5).random((5, 9, 11)).astype(np.float32)
    feats, pca = extended_morphological_profile(cube, components=2, sizes=(3,))
    assert feats.shape == (6, 9, 11)
    comp = np.asarray(pca["components"])
    np.testing.assert_allclose(comp @ comp.T, np.eye(2), atol=1e-10)
    again, _ = extended_morphological_profile(cube, sizes=(3,), pca=pca)
    np.testing.assert_array_equal(again, feats)
    for k in (2, 5):  # each component's own band spans [0, 1]
        assert feats[k].min() == pytest.approx(0, abs=1e-6) and feats[k].max() == pytest.approx(1, abs=1e-6)
    with pytest.raises(ValueError, match="components must be"):
        extended_morphological_profile(cube, components=6)
    with pytest.raises(ValueError, match="for 5 bands, the cube has 4"):
        extended_morphological_profile(cube[:4], pca=pca)


# --- attribute filters and profiles ----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_area_filters_equal_skimage(seed):
    rng = np.random.default_rng(seed)
    levels = int(rng.integers(2, 256))
    img = _random_image(seed, (int(rng.integers(8, 40)), int(rng.integers(8, 40))), levels)
    lam = int(rng.integers(1, 120))
    conn = (4, 8)[seed % 2]
    c = 1 if conn == 4 else 2
    np.testing.assert_array_equal(attribute_filter(img, "area", lam, connectivity=conn),
                                  skm.area_opening(img, lam, connectivity=c))
    np.testing.assert_array_equal(attribute_filter(img, "area", lam, connectivity=conn, tree="min"),
                                  skm.area_closing(img, lam, connectivity=c))


def test_area_filter_float_image_equals_skimage():
    img = np.random.default_rng(9).normal(size=(17, 23))
    np.testing.assert_array_equal(attribute_filter(img, "area", 7), skm.area_opening(img, 7))


def test_std_attribute_hand_values():
    img = np.zeros((3, 5), np.uint8)
    img[1, 1], img[1, 2] = 4, 8  # nodes: {8} (std 0) inside {4, 8} (std 2) inside the root
    kept = attribute_filter(img, "std", 1.0)
    want = np.zeros_like(img)
    want[1, 1:3] = 4
    np.testing.assert_array_equal(kept, want)
    np.testing.assert_array_equal(attribute_filter(img, "std", 3.0), np.zeros_like(img))
    np.testing.assert_array_equal(attribute_filter(img, "std", 0.0), img)


def test_moment_of_inertia_hand_values():
    img = np.zeros((6, 9), np.uint8)
    img[1:3, 1:3] = 5  # 2 x 2 square: (1 + 1) / 4**2 = 0.125
    img[4, 4:7] = 5  # 1 x 3 line: (2 + 0) / 3**2 = 0.222
    img[1, 7] = 5  # one pixel: 0
    out = attribute_filter(img, "moment_of_inertia", 0.2)
    want = np.zeros_like(img)
    want[4, 4:7] = 5
    np.testing.assert_array_equal(out, want)
    want[1:3, 1:3] = 5  # at 0.12 the square stays too; the single pixel never does
    np.testing.assert_array_equal(attribute_filter(img, "moment_of_inertia", 0.12), want)


def test_attribute_profile_order_and_nesting():
    img = _random_image(7, (20, 22), levels=32)
    attrs = {"area": [10, 2, 40], "std": [1.0, 3.0], "moment_of_inertia": [0.3]}
    ap = attribute_profile(img, attrs)
    assert ap.shape == (7 + 5 + 3, 20, 22) and ap.dtype == np.float32
    # area block: thinnings 40, 10, 2 | original | thickenings 2, 10, 40
    np.testing.assert_array_equal(ap[0], skm.area_opening(img, 40))
    np.testing.assert_array_equal(ap[2], skm.area_opening(img, 2))
    np.testing.assert_array_equal(ap[3], img)
    np.testing.assert_array_equal(ap[4], skm.area_closing(img, 2))
    np.testing.assert_array_equal(ap[6], skm.area_closing(img, 40))
    for block in (ap[:7], ap[7:12], ap[12:]):  # each profile is pointwise non-decreasing along its bands
        assert np.all(np.diff(block, axis=0) >= 0)
    np.testing.assert_array_equal(ap[9], img)
    np.testing.assert_array_equal(ap[13], img)


def test_attribute_profile_errors():
    img = np.zeros((5, 5))
    with pytest.raises(ValueError, match="unknown attribute 'height'; known: area, std, moment_of_inertia"):
        attribute_profile(img, {"height": [1]})
    with pytest.raises(ValueError, match="connectivity must be 4 or 8"):
        attribute_profile(img, {"area": [2]}, connectivity=6)
    with pytest.raises(ValueError, match="non-empty dict"):
        attribute_profile(img, {})
    with pytest.raises(ValueError, match="tree must be"):
        attribute_filter(img, "area", 3, tree="tos")


# --- the real Houston 2013 features ----------------------------------------------------------------------------
@pytest.mark.skipif(not (DSM.exists() and TR_MAP.exists() and TR_SET.exists()),
                    reason="needs the Houston 2013 DSM, split maps and FC pixel sets under ../shared/data")
def test_houston2013_lidar_features_match_the_published_set():
    """The 21 features (8-bit stretch 10.31-28.334 m, square openings / closings 3..21, original) of the
    official DSM at the training pixels (row-major over the TR map) against ``LiDAR_TrSet.mat``.  Measured:
    99.40 % of the values equal; per column 98.2-100 % (the stretch limits are fitted, families.md B4)."""
    import scipy.io

    from fusionzoo.io import read_geotiff

    dsm = read_geotiff(DSM)[0][0]
    tr = read_geotiff(TR_MAP)[0][0]
    ref = scipy.io.loadmat(TR_SET)["LiDAR_TrSet"]
    feats = morphological_profile(dsm, stretch=HOUSTON2013_DSM_STRETCH)
    got = feats[:, tr > 0].T
    assert got.shape == ref.shape == (2832, 21)
    equal = np.abs(got - ref) < 1e-6
    per_column = equal.mean(0)
    assert equal.mean() >= 0.99, per_column
    assert per_column.min() >= 0.98, np.round(per_column * 100, 2)
    assert np.abs(got - ref).max() * 255 < 30  # the rare misses are a few DN off
