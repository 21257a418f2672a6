"""Houston 2013: the contest GeoTIFFs and ROI exports (fixture), pixel / patch samples, LiDAR-only use, the
ROI parser, not-found messages and checksums; on the real files, the split table and the ROI = map identity."""

import matplotlib
import numpy as np
import pytest
import torch

from fusionzoo.datasets.classification import Houston2013, HSDatasetNotFoundError, read_envi_roi_txt, rois_to_map
from tests.helpers import DATA, load_fixture

REAL = DATA / "classification" / "houston2013"
TR_COUNTS = [198, 190, 192, 188, 186, 182, 196, 191, 193, 191, 181, 192, 184, 181, 187]
VA_COUNTS = [1053, 1064, 505, 1056, 1056, 143, 1072, 1053, 1059, 1036, 1054, 1041, 285, 247, 473]

matplotlib.use("Agg")


def _close(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


@pytest.fixture
def fx(tmp_path):
    mod = load_fixture("houston2013")
    mod.make(tmp_path)
    return mod, tmp_path


def test_samples_pixel_and_patch(fx):
    mod, root = fx
    ds = Houston2013(root, "train", normalize=None)
    assert ds.modalities == ("hs", "lidar") and len(ds) == 30
    tr, _ = mod.maps()
    s = ds[0]
    r, c = int(s["row"]), int(s["col"])
    assert (r, c) == (0, 0) and int(s["label"]) == tr[0, 0] - 1 == 0
    np.testing.assert_array_equal(s["hs"].numpy(), mod.hs()[:, r, c].astype(np.float32))
    assert s["lidar"].shape == (1,) and float(s["lidar"][0]) == pytest.approx(float(mod.dsm()[r, c]))
    assert s["label"].dtype == torch.long and s["norm"] == {}
    dp = Houston2013(root, "test", mode="patch", patch_size=3, normalize="global")
    assert len(dp) == 60
    p = dp[0]
    assert p["hs"].shape == (144, 3, 3) and p["lidar"].shape == (1, 3, 3)
    hs = mod.hs().astype(np.float64)
    lo, hi = hs.min(), hs.max()
    r, c = int(p["row"]), int(p["col"])
    np.testing.assert_allclose(p["hs"][:, 1, 1].numpy(), (hs[:, r, c] - lo) / (hi - lo), rtol=1e-6)
    assert float(p["norm"]["hs"]["min"]) == lo and float(p["norm"]["hs"]["max"]) == hi
    ras = dp.rasters()
    assert ras["hs"].shape == (144, 12, 20) and ras["hs"].dtype == torch.float32
    np.testing.assert_array_equal(dp.label_map("test"), mod.maps()[1])


def test_band_normalisation(fx):
    mod, root = fx
    ds = Houston2013(root, "train", normalize="band")
    hs = mod.hs().astype(np.float64)
    s = ds[5]
    r, c = int(s["row"]), int(s["col"])
    lo, hi = hs.min(axis=(1, 2)), hs.max(axis=(1, 2))
    np.testing.assert_allclose(s["hs"].numpy(), (hs[:, r, c] - lo) / (hi - lo), rtol=1e-6)
    assert s["norm"]["hs"]["min"].shape == (144,)


def test_lidar_only_and_roi_labels(tmp_path):
    mod = load_fixture("houston2013")
    mod.make(tmp_path, with_hs=False, tifs=False, newline="\r\n")
    ds = Houston2013(tmp_path, "train")
    assert ds.modalities == ("lidar",)
    np.testing.assert_array_equal(ds.label_map("train"), mod.maps()[0])
    with pytest.raises(HSDatasetNotFoundError, match=r"'hs' raster was requested"):
        Houston2013(tmp_path, modalities=["hs"])
    with pytest.raises(ValueError, match="no modality 'sar'"):
        Houston2013(tmp_path, modalities=["sar"])


def test_roi_parser(tmp_path):
    mod = load_fixture("houston2013")
    tr, _ = mod.maps()
    p = tmp_path / "r.txt"
    p.write_text(mod.roi_txt(tr, "t"))
    rois, size = read_envi_roi_txt(p)
    assert size == (12, 20) and len(rois) == 15 and rois[0].name == "grass_healthy" and rois[0].rgb == (0, 205, 0)
    assert list(zip(rois[1].rows, rois[1].cols)) == [(0, 4), (0, 5)]
    np.testing.assert_array_equal(rois_to_map(rois, size), tr)
    bad = mod.roi_txt(tr, "t").replace("; ROI npts: 2", "; ROI npts: 3", 1)
    p.write_text(bad)
    with pytest.raises(ValueError, match="declares 3 points, 2 were read"):
        read_envi_roi_txt(p)
    with pytest.raises(ValueError, match="overlaps"):
        rois_to_map([rois[0], rois[0]], size)


def test_errors_and_checksum(tmp_path, fx):
    with pytest.raises(HSDatasetNotFoundError, match=r"hyperspectral\.ee\.uh\.edu.*Samples_TR"):
        Houston2013(tmp_path / "empty")
    _, root = fx
    with pytest.raises(ValueError, match="split must be one of"):
        Houston2013(root, "val")
    with pytest.raises(ValueError, match="sha256 .* differs from the pinned"):
        Houston2013(root, checksum=True)
    fig = Houston2013(root).plot(np.asarray(load_fixture("houston2013").maps()[0]))
    _close(fig)
    ds = Houston2013(root, mode="patch", patch_size=5)
    fig = ds.plot(ds[3])
    _close(fig)


@pytest.mark.skipif(not REAL.is_dir(), reason="real Houston 2013 data (../shared/data) not present")
def test_real_split_table():
    ds = Houston2013(REAL, "train", checksum=True)
    assert ds.modalities == ("lidar",) and len(ds) == 2832
    assert np.bincount(ds.targets, minlength=15).tolist() == TR_COUNTS
    te = Houston2013(REAL, "test")
    assert len(te) == 12197 and np.bincount(te.targets, minlength=15).tolist() == VA_COUNTS
    roi = Houston2013(REAL / "dfc2013_official", "train", labels="txt")
    np.testing.assert_array_equal(roi.label_map("train"), ds.label_map("train"))
    assert ds.rasters()["lidar"].shape == (1, 349, 1905)
