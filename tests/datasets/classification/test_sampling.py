"""Pixel sampling: vectors, symmetric-padded patches, row-major labelled pixels, the MATLAB column-major patch
vectors (correct layout and the authors' scramble), block modes, block and stratified splits."""

import numpy as np
import pytest

from fusionzoo.datasets.classification.sampling import (
    block_assignment,
    block_mode,
    block_split,
    labelled_pixels,
    patches,
    pixel_vectors,
    stratified_split,
    vectors_to_patches,
)


def raster(c=2, h=5, w=6):
    k, i, j = np.meshgrid(np.arange(c), np.arange(h), np.arange(w), indexing="ij")
    return (100 * k + 10 * i + j).astype(np.float32)


def test_pixel_vectors():
    a = raster()
    v = pixel_vectors(a, [0, 4], [5, 1])
    np.testing.assert_array_equal(v, [[5, 105], [41, 141]])
    with pytest.raises(IndexError, match="out of the raster"):
        pixel_vectors(a, [5], [0])


def test_patches_symmetric_padding():
    a = raster()
    p = patches(a, [0, 2], [0, 3], 3)
    assert p.shape == (2, 2, 3, 3) and p.dtype == np.float32
    # symmetric padding repeats the edge pixel: rows (0, 0, 1), cols (0, 0, 1) around the corner
    np.testing.assert_array_equal(p[0, 0], [[0, 0, 1], [0, 0, 1], [10, 10, 11]])
    np.testing.assert_array_equal(p[1, 1], a[1, 1:4, 2:5])
    # 5 x 5 at the corner: numpy "symmetric" = (b, a | a, b, c)
    q = patches(a, [0], [0], 5)[0, 0]
    np.testing.assert_array_equal(q[:, 2], [10, 0, 0, 10, 20])
    with pytest.raises(ValueError, match="odd"):
        patches(a, [0], [0], 4)


def test_labelled_pixels_order():
    m = np.array([[0, 2, 0], [1, 0, 3]], np.uint8)
    r, c, lab = labelled_pixels(m)
    np.testing.assert_array_equal(lab, m.ravel("C")[m.ravel("C") > 0])
    assert list(zip(r, c)) == [(0, 1), (1, 0), (1, 2)]
    r, c, lab = labelled_pixels(m, order="F")
    assert list(zip(r, c)) == [(1, 0), (0, 1), (1, 2)] and list(lab) == [1, 2, 3]


def test_vectors_to_patches_layouts():
    k, ch = 3, 2
    p = np.arange(ch * k * k).reshape(1, ch, k, k).astype(float)  # (N, C, row, col)
    # MATLAB P(:) of a k x k x C array: element row + k*col + k*k*channel
    vec = np.array([[p[0, c, r, q] for c in range(ch) for q in range(k) for r in range(k)]])
    assert vec[0, 1 + k * 2 + k * k * 1] == p[0, 1, 1, 2]
    np.testing.assert_array_equal(vectors_to_patches(vec, k, ch), p)
    auth = vectors_to_patches(vec, k, ch, layout="authors")
    # the authors' pixel (a, b) holds v[(k a + b) C : (k a + b + 1) C]
    np.testing.assert_array_equal(auth[0, :, 1, 2], vec[0, (k * 1 + 2) * ch:(k * 1 + 3) * ch])
    with pytest.raises(ValueError, match="layout"):
        vectors_to_patches(vec, k, ch, layout="tf")
    with pytest.raises(ValueError, match="expected vectors"):
        vectors_to_patches(vec[:, :-1], k, ch)


def test_block_mode_rule():
    m = np.array([[1, 1, 2, 0], [2, 0, 0, 0]], np.uint8)  # blocks of 2: [[1,1],[2,0]] and [[2,0],[0,0]]
    np.testing.assert_array_equal(block_mode(m, 2), [[1, 0]])
    tie = np.array([[3, 2], [0, 0]], np.uint8)  # half unlabelled: labelled; tie -> smaller id
    np.testing.assert_array_equal(block_mode(tie, 2), [[2]])
    with pytest.raises(ValueError, match="multiple"):
        block_mode(np.zeros((3, 4)), 2)


def _map(seed=0):
    rng = np.random.default_rng(seed)
    m = rng.integers(1, 5, size=(40, 40)).astype(np.uint8)
    m[rng.random((40, 40)) < 0.3] = 0
    m[35:40, 35:40] = 5  # class 5 in one block only
    m[m == 5] = 0
    m[36, 36] = 5
    return m


def test_block_split():
    m = _map()
    tr, te = block_split(m, 10, 0.5, seed=3)
    assert not np.any((tr > 0) & (te > 0))
    np.testing.assert_array_equal(np.maximum(tr, te), m)
    # whole blocks on one side
    for i in range(0, 40, 10):
        for j in range(0, 40, 10):
            assert not ((tr[i:i + 10, j:j + 10] > 0).any() and (te[i:i + 10, j:j + 10] > 0).any())
    for c in range(1, 5):
        assert (tr == c).any() and (te == c).any()
    assert (tr == 5).any() and not (te == 5).any()  # one block: train only
    assert 0.3 < (te > 0).sum() / (m > 0).sum() < 0.7
    assert block_assignment(m, 10, 0.5, 3) == block_assignment(m, 10, 0.5, 3)
    with pytest.raises(ValueError, match="test_fraction"):
        block_split(m, 10, 1.0)


def test_stratified_split():
    m = np.zeros((4, 50), np.uint8)
    m[0, :41] = 1
    m[1, :9] = 2
    m[2, :1] = 3
    tr, te = stratified_split(m, 0.05, seed=0)
    # floor(0.05 n + 0.5), at least 1: 41 -> 2, 9 -> 1 (0.45 rounds down, then the minimum), 1 -> 1
    assert [(tr == c).sum() for c in (1, 2, 3)] == [2, 1, 1]
    assert not np.any((tr > 0) & (te > 0)) and np.array_equal(np.maximum(tr, te), m)
    a, _ = stratified_split(m, 3, seed=1)
    assert [(a == c).sum() for c in (1, 2, 3)] == [3, 3, 1]
    b, _ = stratified_split(m, 3, seed=1)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="below 1"):
        stratified_split(m, 1.5)
