"""The HS-MS Lightning task trains a registered super-resolution model a step on real-format patches."""

from __future__ import annotations

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader

from fusionzoo.trainers import HSMSFusionTask


def _batches(n: int = 4):
    g = torch.Generator().manual_seed(0)
    gt = 0.2 + 0.6 * torch.rand(n, 9, 16, 16, generator=g)
    hs = torch.nn.functional.avg_pool2d(gt, 2)
    return [{"hs": hs[i], "ms": gt[i, :3], "gt": gt[i]} for i in range(n)]


def test_one_step_changes_the_weights_and_logs_validation(tmp_path):
    task = HSMSFusionTask(model="fcnn3d", model_kwargs={"ratio": 2}, lr=1e-3)
    assert task.inputs == ("hs",)
    before = {k: v.clone() for k, v in task.model.state_dict().items()}
    trainer = pl.Trainer(max_epochs=1, limit_train_batches=1, limit_val_batches=1, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         default_root_dir=tmp_path, accelerator="cpu")
    data = _batches()
    trainer.fit(task, DataLoader(data, batch_size=2), DataLoader(data, batch_size=2))
    assert any(not torch.equal(before[k], v) for k, v in task.model.state_dict().items())
    assert {"val_loss", "val_PSNR", "val_SAM", "val_ERGAS"} <= set(trainer.callback_metrics)


def test_a_classical_or_other_task_model_is_refused():
    import pytest

    with pytest.raises(ValueError, match="not a hs_ms_fusion one"):
        HSMSFusionTask(model="pnn")
    with pytest.raises(ValueError, match="no parameters to train"):
        HSMSFusionTask(model="bicubic")
