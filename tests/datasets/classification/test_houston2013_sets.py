"""The EndNet / MDL-RS Houston 2013 sets: FC pixel sets and CNN column-major patch vectors (fixture), layouts,
missing modality files, positions from the official maps; on the real sets, the patch centres equal the FC
features in the same row-major order."""

import matplotlib
import numpy as np
import pytest

from fusionzoo.datasets.classification import HoustonMDLRSSets, HSDatasetNotFoundError
from tests.helpers import DATA, load_fixture

REAL = DATA / "classification" / "houston2013"

matplotlib.use("Agg")


def _close(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


@pytest.fixture
def fx(tmp_path):
    mod = load_fixture("mdlrs_sets")
    mod.make(tmp_path)
    return mod, tmp_path


def test_pixel_sets_with_positions(fx):
    mod, root = fx
    ds = HoustonMDLRSSets(root, "train", split_maps=root / "split_maps")
    assert ds.modalities == ("hs", "lidar") and len(ds) == 30 and ds.dir.name == "HSI_LiDAR_FC"
    ras = mod.rasters((12, 20))
    for i in (0, 7, 29):
        s = ds[i]
        r, c = int(s["row"]), int(s["col"])
        np.testing.assert_allclose(s["hs"].numpy(), ras["hs"][:, r, c], rtol=1e-6)
        np.testing.assert_allclose(s["lidar"].numpy(), ras["lidar"][:, r, c], rtol=1e-6)
        assert int(s["label"]) == ds.label_map()[r, c] - 1
    arrays, labels = ds.arrays()
    assert arrays["hs"].shape == (30, 144) and labels.min() == 0


def test_missing_modality_file(fx):
    _, root = fx
    te = HoustonMDLRSSets(root, "test")
    assert te.modalities == ("lidar",) and len(te) == 60
    with pytest.raises(HSDatasetNotFoundError, match="HSI_TeSet.mat was requested"):
        HoustonMDLRSSets(root, "test", modalities=["hs"])
    with pytest.raises(NotImplementedError, match="Houston2013"):
        te.rasters()


def test_patch_sets_layouts(fx):
    mod, root = fx
    ras = mod.rasters((12, 20))["lidar"]
    pad = np.pad(ras, ((0, 0), (3, 3), (3, 3)), mode="symmetric")
    ds = HoustonMDLRSSets(root, "train", mode="patch", split_maps=root / "split_maps")
    assert ds.dir.name == "HSI_LiDAR_CNN" and ds.modalities == ("lidar",)
    s = ds[4]
    r, c = int(s["row"]), int(s["col"])
    np.testing.assert_allclose(s["lidar"].numpy(), pad[:, r:r + 7, c:c + 7], rtol=1e-6)
    auth = HoustonMDLRSSets(root, "train", mode="patch", layout="authors")[4]["lidar"].numpy()
    assert auth.shape == (21, 7, 7) and not np.allclose(auth, s["lidar"].numpy())
    centre = HoustonMDLRSSets(root / "HSI_LiDAR_CNN", "train", mode="pixel")[4]["lidar"].numpy()
    np.testing.assert_allclose(centre, ras[:, r, c], rtol=1e-6)
    with pytest.raises(ValueError, match="mode='patch' needs the CNN patch sets"):
        HoustonMDLRSSets(root / "HSI_LiDAR_FC", "train", mode="patch")


def test_errors(fx, tmp_path):
    _, root = fx
    with pytest.raises(HSDatasetNotFoundError, match="IEEE_TGRS_MDL-RS"):
        HoustonMDLRSSets(tmp_path / "none")
    with pytest.raises(ValueError, match="row-major order"):
        HoustonMDLRSSets(root, "train", split_maps=_swapped_maps(root, tmp_path))
    with pytest.raises(ValueError, match="matches none of the pinned"):
        HoustonMDLRSSets(root, checksum=True)
    ds = HoustonMDLRSSets(root)
    _close(ds.plot(ds[0]))


def _swapped_maps(root, tmp_path):
    """A copy of the maps with TR and VA swapped (wrong order for the training set)."""
    out = tmp_path / "swapped"
    out.mkdir()
    src = root / "split_maps"
    stem = "2013_IEEE_GRSS_DF_Contest_Samples_"
    (out / f"{stem}TR.tif").write_bytes((src / f"{stem}VA.tif").read_bytes())
    return out


@pytest.mark.skipif(not (REAL / "patch_sets_cnn").is_dir(), reason="real MDL-RS sets (../shared/data) not present")
def test_real_patch_centres_equal_fc_features():
    fc = HoustonMDLRSSets(REAL / "pixel_sets_fc", "train", split_maps=REAL / "split_maps", checksum=True)
    cnn = HoustonMDLRSSets(REAL / "patch_sets_cnn", "train", mode="patch", checksum=True)
    assert len(fc) == len(cnn) == 2832 and fc.modalities == ("hs", "lidar")
    centre = cnn.data["lidar"][:, :, 3, 3]
    assert np.mean(centre == fc.data["lidar"]) >= 0.99
    np.testing.assert_array_equal(fc.targets, cnn.targets)
    assert int(fc[0]["row"]) == int(fc.rows[0]) and fc.label_map()[fc.rows, fc.cols].min() > 0
