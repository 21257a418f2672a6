"""Classification data modules: batches of modalities + labels, a validation part carved from the training
pixels only (blocks or per class, seeded), and the in-memory pixel sets."""

import numpy as np
import pytest
import torch

from fusionzoo.datamodules.classification import ClassificationDataModule, PixelSetDataModule, carve_validation
from fusionzoo.datasets.classification import HoustonMDLRSSets, Trento
from tests.helpers import load_fixture


@pytest.fixture
def crop_root(tmp_path):
    load_fixture("houston2018").make_crop(tmp_path, size=(128, 128))
    return tmp_path


@pytest.mark.parametrize("how", ["blocks", "stratified"])
def test_validation_from_training_pixels(crop_root, how):
    dm = ClassificationDataModule("houston2018_crop", crop_root, mode="patch", patch_size=3, batch_size=16,
                                  val_fraction=0.2, val_split=how, seed=1, rgb="mean")
    dm.setup("fit")
    maps = dm.split_maps()
    full_train = dm._training().label_map("train")
    assert not np.any((maps["train"] > 0) & (maps["val"] > 0))
    np.testing.assert_array_equal(np.maximum(maps["train"], maps["val"]), full_train)
    assert not np.any((maps["val"] > 0) & (maps["test"] > 0))
    assert len(dm.train_dataset) == (maps["train"] > 0).sum() and len(dm.val_dataset) == (maps["val"] > 0).sum()
    assert 0.1 < len(dm.val_dataset) / (full_train > 0).sum() < 0.4
    b = next(iter(dm.train_dataloader()))
    assert set(b) == {"hs", "ms", "label", "row", "col"}
    assert b["hs"].shape == (16, 48, 3, 3) and b["ms"].shape == (16, 3, 3, 3) and b["label"].dtype == torch.long
    dm.setup("test")
    assert len(dm.test_dataset) == (maps["test"] > 0).sum()
    again = ClassificationDataModule("houston2018_crop", crop_root, val_fraction=0.2, val_split=how, seed=1)
    np.testing.assert_array_equal(again.split_maps()["val"], maps["val"])


def test_dataset_class_and_errors(tmp_path):
    load_fixture("trento").make(tmp_path)
    dm = ClassificationDataModule(Trento, tmp_path, val_fraction=0.0, batch_size=4)
    dm.setup("fit")
    assert dm.val_dataset is None and dm.val_dataloader() == [] and len(dm.train_dataset) == 21
    assert next(iter(dm.train_dataloader()))["lidar"].shape == (4, 1)
    with pytest.raises(ValueError, match="unknown dataset"):
        ClassificationDataModule("pavia", tmp_path)
    with pytest.raises(ValueError, match="val_split"):
        ClassificationDataModule(Trento, tmp_path, val_split="random")
    with pytest.raises(ValueError, match="strictly between"):
        carve_validation(np.ones((4, 4), np.uint8), 1.0)


def test_pixel_sets(tmp_path):
    load_fixture("mdlrs_sets").make(tmp_path)
    arrays, labels = HoustonMDLRSSets(tmp_path, "train").arrays()
    te_arrays, te_labels = HoustonMDLRSSets(tmp_path, "test").arrays()
    dm = PixelSetDataModule(arrays, labels, {"lidar": te_arrays["lidar"]}, te_labels, val_fraction=0.5, batch_size=8)
    dm.setup("fit")
    tr, va = dm.split_indices()
    assert not set(tr) & set(va) and len(tr) + len(va) == 30
    assert np.bincount(labels[va], minlength=15).tolist() == [1] * 15  # half of each class of two
    b = next(iter(dm.train_dataloader()))
    assert b["hs"].shape == (8, 144) and b["lidar"].shape == (8, 21) and b["label"].dtype == torch.long
    dm.setup("test")
    assert len(dm.test_dataset) == 60 and set(next(iter(dm.test_dataloader()))) == {"lidar", "label"}
    with pytest.raises(ValueError, match="samples, the labels have"):
        PixelSetDataModule(arrays, labels[:-1]).setup("fit")
    with pytest.raises(ValueError, match="no test set"):
        PixelSetDataModule(arrays, labels).setup("test")
