"""The PanCollection data module, on the fixture of ``tests/data/pancollection/make_fixture.py``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")


from fusionzoo.datamodules import PanCollectionDataModule  # noqa: E402


def test_pancollection_datamodule(pc_root):
    root, files = pc_root
    dm = PanCollectionDataModule(root, sensor="wv3", batch_size=2)
    dm.setup("fit")
    batch = next(iter(dm.train_dataloader()))
    assert batch["ms"].shape == (2, 8, 16, 16) and batch["gt"].shape == (2, 8, 64, 64)
    out = dm.on_after_batch_transfer(batch, 0)
    assert float(out["gt"].max()) <= 1 and float(out["gt"].max()) > 0.5  # no torchgeo /255
    val = next(iter(dm.val_dataloader()))
    assert val["pan"].shape[1:] == (1, 64, 64)
    dm.setup("test")
    assert next(iter(dm.test_dataloader()))["gt"].shape[1:] == (8, 256, 256)
    dm_full = PanCollectionDataModule(root, sensor="wv3", batch_size=1, test_split="test_full")
    dm_full.setup("test")
    assert "gt" not in next(iter(dm_full.test_dataloader()))


def test_wald_patches_datamodule_on_own_files(tmp_path):
    """GeoTIFF pairs given as pan= / ms=, as a folder (pairs=) or as a .mat scene (scenes=), without a root; the
    blocks of each scene go to one split only."""
    import numpy as np
    import pytest

    from fusionzoo.datamodules import WaldPatchesDataModule
    from tests.helpers import load_fixture
    from tests.helpers.cli import make_pair

    pan, ms = make_pair(tmp_path / "one", bands=4, size=32, ratio=4)
    kw = dict(batch_size=2, patch_size=8, stride=4, block=16, fractions=(0.5, 0.5, 0.0), sensor="QB")
    dm = WaldPatchesDataModule(pan=[str(pan)], ms=[str(ms)], **kw)
    dm.setup("fit")
    tr, va = dm.train_dataset, dm.val_dataset
    assert len(tr) and len(va)
    b = next(iter(dm.train_dataloader()))
    assert b["ms"].shape == (2, 4, 2, 2) and b["pan"].shape == (2, 1, 8, 8) and b["gt"].shape == (2, 4, 8, 8)
    # DN / 2047 of the 11-bit QB default, and the reference is the original MS (Wald)
    assert float(tr.scenes[0].ms.max()) <= 1 and abs(float(tr.scenes[0].ms.max()) * 2047 - 2046) < 60

    def cover(ds):
        m = np.zeros((32, 32), bool)
        for _, y, x in ds.items:
            m[y:y + 8, x:x + 8] = True
        return m

    assert not (cover(tr) & cover(va)).any()  # spatially disjoint
    assert dm.describe_data()["scenes"] == [{"name": "pan", "pan": "pan.tif", "ms": "ms.tif"}]

    load_fixture("geotiff_pairs").make(tmp_path / "folder")  # scene1_pan.tif / scene1_ms.tif, 4 bands
    (tmp_path / "grip").mkdir()
    load_fixture("scenes").write_grip(tmp_path / "grip" / "imgWV2.mat", bands=8, size=256)
    dm2 = WaldPatchesDataModule(pairs=[str(tmp_path / "folder")], **kw)
    assert [s.name for s in dm2.load()] == ["scene1_pan"]
    grip = WaldPatchesDataModule(scenes=[str(tmp_path / "grip" / "imgWV2.mat")], patch_size=16, block=32)
    assert grip.load()[0].ms.shape[0] == 8

    with pytest.raises(ValueError, match="give one ms per pan"):
        WaldPatchesDataModule(pan=[str(pan)], ms=[])
    with pytest.raises(ValueError, match="is a single GeoTIFF: give the pair"):
        WaldPatchesDataModule(scenes=[str(pan)]).load()
    with pytest.raises(KeyError, match="neither a catalogued scene"):
        WaldPatchesDataModule(scenes=["my_pan.tif"]).load()
    with pytest.raises(ValueError, match="catalogued scene: pass root="):
        WaldPatchesDataModule(scenes=["wv2_grip"]).load()
