"""S2FL Augsburg / Berlin: the distributed .mat files (fixture; float32 TestImage), modalities, folder
preference; on the real Augsburg maps, the 761 / 77533 split table."""

import numpy as np
import pytest

from fusionzoo.datasets.classification import Augsburg, Berlin, HSDatasetNotFoundError
from tests.helpers import DATA, load_fixture

REAL = DATA / "classification" / "augsburg"


def test_augsburg_and_berlin_side_by_side(tmp_path):
    mod = load_fixture("s2fl")
    mod.make_augsburg(tmp_path)
    mod.make_berlin(tmp_path)
    a = Augsburg(tmp_path, "train", normalize=None)
    assert a.modalities == ("hs", "sar", "dsm") and len(a) == 28
    s = a[0]
    assert s["hs"].shape == (180,) and s["sar"].shape == (4,) and s["dsm"].shape == (1,)
    r, c = int(s["row"]), int(s["col"])
    np.testing.assert_allclose(s["sar"].numpy(), mod.image(4, offset=-1.0)[r, c], rtol=1e-6)
    b = Berlin(tmp_path, "test", mode="patch", patch_size=3)
    assert b.modalities == ("hs", "sar") and len(b) == 72 and b[0]["hs"].shape == (244, 3, 3)
    assert b.label_map().dtype == np.uint8 and b.label_map().max() == 8


def test_errors(tmp_path):
    mod = load_fixture("s2fl")
    root = mod.make_augsburg(tmp_path)
    (root / "TestImage.mat").unlink()
    with pytest.raises(HSDatasetNotFoundError, match="ISPRS_S2FL.*HS-SAR-DSM Augsburg"):
        Augsburg(tmp_path, "test")
    with pytest.raises(ValueError, match="no checksum is published"):
        Berlin(load_fixture("s2fl").make_berlin(tmp_path / "b"), checksum=True)


@pytest.mark.skipif(not REAL.is_dir(), reason="real Augsburg maps (../shared/data) not present")
def test_real_augsburg_maps():
    tr = Augsburg(REAL, "train", modalities=(), checksum=True)
    te = Augsburg(REAL, "test", modalities=())
    assert np.bincount(tr.targets).tolist() == [146, 264, 21, 248, 52, 7, 23]
    assert np.bincount(te.targets).tolist() == [13361, 30065, 3830, 26609, 523, 1638, 1507]
    with pytest.raises(HSDatasetNotFoundError, match="no modality raster"):
        Augsburg(REAL)
