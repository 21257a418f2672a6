"""The classification Lightning task: the authors' staircase schedule, a real fit / validate / test cycle on a
toy pixel set through the data module, and its clear errors."""

from __future__ import annotations

import lightning.pytorch as pl
import numpy as np
import pytest

from fusionzoo.datamodules import PixelSetDataModule
from fusionzoo.trainers import ClassificationTask
from fusionzoo.trainers.classification import staircase


def test_staircase_halves_every_fractional_period():
    f = staircase(1327.5, 0.5)  # MDL-RS on Houston 2013: 30 * 2832 / 64 steps
    assert [f(s) for s in (0, 1327, 1328, 2654, 2655)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert staircase(None, 0.5)(10**6) == 1.0
    with pytest.raises(ValueError, match="lr_step must be > 0"):
        staircase(0, 0.5)


def _arrays(n, seed):
    centres = np.random.default_rng(7).random((3, 5))
    g = np.random.default_rng(seed)
    y = g.integers(0, 3, n)
    return {"hs": (centres[y] + 0.03 * g.standard_normal((n, 5))).astype(np.float32),
            "lidar": (y[:, None] / 2 + 0.03 * g.standard_normal((n, 2))).astype(np.float32)}, y


def test_fit_validate_and_test_log_oa_aa_kappa(tmp_path):
    x, y = _arrays(192, 0)
    xt, yt = _arrays(96, 1)
    dm = PixelSetDataModule(x, y, xt, yt, val_fraction=0.25, batch_size=32, seed=0)
    task = ClassificationTask("mdlrs_fc_middle", model_kwargs={"num_classes": 3, "in_channels": (5, 2)}, lr=3e-3,
                              lr_step=40)
    trainer = pl.Trainer(max_epochs=8, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path)
    trainer.fit(task, dm)
    assert trainer.callback_metrics["val_OA"] > 0.8
    assert trainer.lr_scheduler_configs[0].interval == "step"
    (res,) = trainer.test(task, dm, verbose=False)
    assert res["test_OA"] > 0.8 and {"test_AA", "test_kappa"} <= set(res)


def test_clear_errors():
    with pytest.raises(ValueError, match="their own loss"):
        ClassificationTask("mdlrs_fc_middle", loss="mse")
    with pytest.raises(ValueError, match="not a classification one"):
        ClassificationTask("pnn")
    with pytest.raises(ValueError, match="fit it with model.fit"):
        ClassificationTask("random_forest")
