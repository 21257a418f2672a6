"""Houston 2018 classification: the contest training area (fixture: ENVI HS, 0.5 m LiDAR with no-data, 0.05 m
RGB tiles, 0.5 m labels -> the 1 m grid) and the crop ``houston_dataset.mat`` (fixture at full size; on the
real file, the published block split: disjoint, every class in training, the counts)."""

import matplotlib
import numpy as np
import pytest
import torch

from fusionzoo.datasets.classification import (
    CROP_DFC2018_IDS,
    DFC2018_CLASSES,
    Houston2018Classification,
    Houston2018CropClassification,
    HSDatasetNotFoundError,
    block_assignment,
)
from tests.helpers import DATA, load_fixture

CROP = DATA / "hsms" / "houston2018_crop"


def load_rgb(root):
    import scipy.io

    return scipy.io.loadmat(root / "houston_dataset.mat")["rgbImg"]

matplotlib.use("Agg")


def _close(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_dfc2018_grids(tmp_path):
    fx = load_fixture("dfc2018")
    fx.make(tmp_path)
    ds = Houston2018Classification(tmp_path, "all", normalize=None)
    assert ds.modalities == ("hs", "lidar", "ms") and len(ds) == int((fx.gt_1m() > 0).sum())
    np.testing.assert_array_equal(ds.label_map(), fx.gt_1m())
    ras = ds.rasters()
    assert ras["hs"].shape == (48, 4, 6) and ras["lidar"].shape == (4, 4, 6) and ras["ms"].shape == (3, 4, 6)
    i, j = np.meshgrid(np.arange(4), np.arange(6), indexing="ij")
    np.testing.assert_allclose(ras["ms"].numpy(), fx.rgb_mean(i, j), atol=1e-4)
    # C1 block (0, 0): one no-data sample of four left out; DSM block (1, 1): none valid -> the band's minimum
    assert float(ras["lidar"][0, 0, 0]) == pytest.approx((1 + 10 + 11) / 3)
    dsm = fx.lidar(3)
    assert float(ras["lidar"][3, 1, 1]) == float(dsm[dsm > -1e10].min())
    np.testing.assert_array_equal(ras["hs"].numpy(), load_fixture("houston2018").cube(50, (4, 6))[:48])
    s = ds[0]
    assert int(s["label"]) == fx.gt_1m()[int(s["row"]), int(s["col"])] - 1
    assert len(ds.classes) == 20


def test_dfc2018_split_and_errors(tmp_path):
    fx = load_fixture("dfc2018")
    fx.make(tmp_path, vhr=False, lidar_rasters=False)

    class Small(Houston2018Classification):
        split_block = 2

    tr, te = Small(tmp_path, "train"), Small(tmp_path, "test")
    assert tr.modalities == ("hs",) and len(tr) + len(te) == int((fx.gt_1m() > 0).sum())
    assert not np.any((tr.label_map() > 0) & (te.label_map() > 0))
    with pytest.raises(HSDatasetNotFoundError, match="'ms' raster was requested"):
        Houston2018Classification(tmp_path, modalities=["ms"])
    with pytest.raises(HSDatasetNotFoundError, match=r"hyperspectral\.ee\.uh\.edu"):
        Houston2018Classification(tmp_path / "none")
    with pytest.raises(ValueError, match="no checksum is published"):
        Houston2018Classification(tmp_path, checksum=True)


def test_crop_fixture(tmp_path):
    load_fixture("houston2018").make_crop(tmp_path, size=(128, 128))
    ds = Houston2018CropClassification(tmp_path, "train", normalize=None)
    assert ds.modalities == ("hs", "ms")
    s = ds[0]
    assert s["hs"].shape == (48,) and s["ms"].shape == (48,)
    r, c = int(s["row"]), int(s["col"])
    i, j = np.meshgrid(np.arange(4 * r, 4 * r + 4), np.arange(4 * c, 4 * c + 4), indexing="ij")
    rgb = np.stack([(i * 7) % 256, (j * 5) % 256, (i + j) % 256], axis=-1).astype(np.float32)  # (dy, dx, c)
    np.testing.assert_array_equal(s["ms"].numpy(), rgb.transpose(2, 0, 1).reshape(48))  # channel 16 c + 4 dy + dx
    ms = torch.from_numpy(load_rgb(tmp_path)).permute(2, 0, 1)[None].float()
    np.testing.assert_array_equal(ds.rasters()["ms"].numpy(), torch.nn.functional.pixel_unshuffle(ms, 4)[0].numpy())
    m = Houston2018CropClassification(tmp_path, "test", rgb="mean", normalize=None)
    t = m[0]
    r, c = int(t["row"]), int(t["col"])
    i, j = np.meshgrid(np.arange(4 * r, 4 * r + 4), np.arange(4 * c, 4 * c + 4), indexing="ij")
    assert t["ms"].shape == (3,) and float(t["ms"][0]) == pytest.approx(float(((i * 7) % 256).mean()))
    test_blocks = set(Houston2018CropClassification.TEST_BLOCKS)
    for d, inside in ((ds, False), (m, True)):
        blocks = (d.rows // 16) * 8 + d.cols // 16
        assert all((int(b) in test_blocks) == inside for b in blocks)
    assert len(ds) + len(m) == len(Houston2018CropClassification(tmp_path, "all"))
    with pytest.raises(ValueError, match="rgb must be"):
        Houston2018CropClassification(tmp_path, rgb="pca")
    _close(ds.plot(ds.label_map("all")))


def test_crop_split_needs_the_crop_grid(tmp_path):
    load_fixture("houston2018").make_crop(tmp_path, size=(8, 8))
    assert len(Houston2018CropClassification(tmp_path, "all")) > 0
    with pytest.raises(ValueError, match="128 x 128"):
        Houston2018CropClassification(tmp_path, "train")


@pytest.mark.skipif(not CROP.is_dir(), reason="real houston_dataset.mat (../shared/data) not present")
def test_real_crop_published_split():
    tr = Houston2018CropClassification(CROP, "train", checksum=True)
    te = Houston2018CropClassification(CROP, "test")
    al = Houston2018CropClassification(CROP, "all")
    assert (len(tr), len(te), len(al)) == (3131, 3144, 6275)
    assert not np.any((tr.label_map() > 0) & (te.label_map() > 0))
    assert np.all(np.bincount(tr.targets, minlength=12) > 0)  # every class in training
    assert np.bincount(al.targets, minlength=12).tolist() == [185, 697, 194, 3, 1468, 487, 643, 9, 329, 174, 308, 1778]
    # the fixed list is what block_split(16, 0.5, seed 0) gives on this file
    assert tuple(block_assignment(al.label_map(), 16, 0.5, 0)) == Houston2018CropClassification.TEST_BLOCKS
    assert tr.classes[-1] == DFC2018_CLASSES[CROP_DFC2018_IDS[-1] - 1] == "Stadium seats"
