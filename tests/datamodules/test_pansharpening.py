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
