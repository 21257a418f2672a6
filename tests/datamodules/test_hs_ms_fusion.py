"""HSPatchesDataModule on a tiny generated CAVE database: batches, splits, no /255 normalisation."""

import importlib.util
from pathlib import Path

import pytest
import torch

from fusionzoo.datamodules.hs_ms_fusion import HSPatchesDataModule
from fusionzoo.datasets.hs_ms_fusion import CAVE

TESTS = Path(__file__).resolve().parents[1]


def cave_fixture():
    spec = importlib.util.spec_from_file_location("cave_fixture", TESTS / "data" / "cave" / "make_fixture.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def degrade(hs):
    return {"hs": hs[:, ::4, ::4], "ms": hs[[5, 15, 25]], "gt": hs}


def test_datamodule(tmp_path):
    cave_fixture().make(tmp_path, size=(32, 32))
    dm = HSPatchesDataModule(CAVE(tmp_path), degrade, batch_size=4, patch_size=8, block=16, seed=1)
    dm.setup("fit")
    dm.setup("test")
    n = {s: len(getattr(dm, f"{s}_dataset")) for s in ("train", "val", "test")}
    assert sum(n.values()) == 2 * 4 * 4  # 2 scenes x 4 blocks x 4 patches
    batch = next(iter(dm.train_dataloader()))
    assert batch["hs"].shape == (4, 31, 2, 2) and batch["ms"].shape == (4, 3, 8, 8) and batch["gt"].shape == (4, 31, 8, 8)
    assert batch["wavelengths"].shape == (4, 31)
    out = dm.on_after_batch_transfer(batch, 0)
    assert out["gt"].max() <= 1.0 and torch.equal(out["gt"], batch["gt"])  # no /255
    assert dm._cubes is not None and len(dm._cubes) == 2  # read once, shared by the splits


def test_needs_degrade():
    with pytest.raises(ValueError, match="needs degrade"):
        HSPatchesDataModule([torch.rand(3, 8, 8)], None)
