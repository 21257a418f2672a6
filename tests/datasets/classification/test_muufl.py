"""MUUFL Gulfport: the flat files and the GatorSense struct file (v5, v7.3, the wider target-detection file)
(fixtures), the seeded stratified split; on the real labels, MFT's 2683 training pixels and the published
split digest."""

import numpy as np
import pytest

from fusionzoo.datasets.classification import MUUFL, HSDatasetNotFoundError, read_mat_struct_field
from tests.helpers import DATA, load_fixture

REAL = DATA / "classification" / "muufl"


def test_flat_and_split(tmp_path):
    mod = load_fixture("muufl")
    mod.make_flat(tmp_path)
    al = MUUFL(tmp_path, "all", normalize=None)
    assert al.modalities == ("hs", "lidar") and len(al) == int((mod.labels() > 0).sum())
    s = al[0]
    np.testing.assert_allclose(s["lidar"].numpy(), mod.lidar()[int(s["row"]), int(s["col"])])
    tr, te = MUUFL(tmp_path, "train", per_class=2), MUUFL(tmp_path, "test", per_class=2)
    assert np.bincount(tr.targets).tolist() == [2] * 11 and len(tr) + len(te) == len(al)
    assert not np.any((tr.label_map() > 0) & (te.label_map() > 0))
    np.testing.assert_array_equal(MUUFL(tmp_path, "train", per_class=2).label_map(), tr.label_map())
    assert MUUFL(tmp_path, "train", per_class=2, seed=1).train_digest() != tr.train_digest()


@pytest.mark.parametrize("version", ["v5", "v7.3"])
def test_struct_file(tmp_path, version):
    mod = load_fixture("muufl")
    path = mod.make_struct(tmp_path, version)
    np.testing.assert_array_equal(read_mat_struct_field(path, "hsi", "Lidar", "z"), mod.lidar())
    ds = MUUFL(tmp_path, "all", normalize=None)
    np.testing.assert_array_equal(ds.label_map(), mod.labels())  # -1 -> 0
    np.testing.assert_allclose(ds.rasters()["hs"].numpy(), np.moveaxis(mod.cube(), 2, 0))


def test_target_detection_file(tmp_path):
    mod = load_fixture("muufl")
    mod.make_struct(tmp_path, target=True)
    ds = MUUFL(tmp_path, "all", normalize=None)
    hs = ds.rasters()["hs"].numpy()
    assert hs.shape == (64, 12, 30)  # first columns, bands 5..68 of 72
    np.testing.assert_allclose(hs, np.moveaxis(mod.cube((12, 147), 72)[:, :30, 4:68], 2, 0))
    with pytest.raises(HSDatasetNotFoundError, match="GatorSense"):
        MUUFL(tmp_path / "none")


@pytest.mark.skipif(not REAL.is_dir(), reason="real MUUFL labels (../shared/data) not present")
def test_real_published_split():
    tr = MUUFL(REAL, "train", checksum=True)
    assert len(tr) == 2683 and tr.modalities == ("lidar",)
    assert np.bincount(tr.targets).tolist() == [1162, 214, 344, 91, 334, 23, 112, 312, 69, 9, 13]
    assert tr.train_digest() == MUUFL.split_digest
    assert len(MUUFL(REAL, "test")) == 53687 - 2683
