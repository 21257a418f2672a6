"""Trento: the MGMNet / tyust-dayu .mat files (fixture), the three splits, the two-channel LiDAR variant; on
the real files, the standard 819 / 29395 split table."""

import numpy as np
import pytest

from fusionzoo.datasets.classification import HSDatasetNotFoundError, Trento
from tests.helpers import DATA, load_fixture

REAL = DATA / "classification" / "trento"


def test_fixture_splits(tmp_path):
    mod = load_fixture("trento")
    mod.make(tmp_path)
    tr = Trento(tmp_path, "train", normalize=None)
    assert tr.modalities == ("hs", "lidar") and len(tr) == 21
    assert np.bincount(tr.targets).tolist() == [1, 2, 3, 4, 5, 6]
    s = tr[3]
    r, c = int(s["row"]), int(s["col"])
    assert float(s["lidar"][0]) == pytest.approx(float(mod.dsm()[r, c]))
    np.testing.assert_array_equal(s["hs"].numpy(), mod.hsi()[r, c])
    assert len(Trento(tmp_path, "test")) == 42 and len(Trento(tmp_path, "all")) == 63
    p = Trento(tmp_path, "test", mode="patch", patch_size=5)[0]
    assert p["hs"].shape == (63, 5, 5) and p["lidar"].shape == (1, 5, 5)


def test_union_and_two_channel_lidar(tmp_path):
    mod = load_fixture("trento")
    mod.make(tmp_path / "a", with_hs=False, allgrd=False)
    ds = Trento(tmp_path / "a", "all")
    np.testing.assert_array_equal(ds.label_map(), np.maximum(*mod.maps()))
    root = tmp_path / "b"
    mod.make(root, with_hs=False, tyust=True)
    (root / "LiDAR.mat").unlink()
    two = Trento(root, "train")
    assert two.rasters()["lidar"].shape == (2, 12, 16)
    with pytest.raises(HSDatasetNotFoundError, match="Bruzzone"):
        Trento(tmp_path / "none")


@pytest.mark.skipif(not REAL.is_dir(), reason="real Trento data (../shared/data) not present")
def test_real_standard_split():
    tr = Trento(REAL, "train", checksum=True)
    te = Trento(REAL, "test")
    assert np.bincount(tr.targets).tolist() == [129, 125, 105, 154, 184, 122]
    assert np.bincount(te.targets).tolist() == [3905, 2778, 374, 8969, 10317, 3052]
    assert not np.any((tr.label_map() > 0) & (te.label_map() > 0))
    np.testing.assert_array_equal(Trento(REAL, "all").label_map(), np.maximum(tr.label_map(), te.label_map()))
