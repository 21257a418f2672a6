"""Lightning's DDP strategy on two CPU processes (gloo) takes the same first step as one process does on the two
processes' batches together: the averaged gradient of two equal halves is the gradient of the whole batch."""

from __future__ import annotations

import pytest
import torch
import torch.distributed as dist

from tests.helpers.cli import make_pair

needs_gloo = pytest.mark.skipif(not (dist.is_available() and dist.is_gloo_available()),
                                reason="torch.distributed with the gloo backend is not available in this build")


@needs_gloo
def test_ddp_two_processes_step_equals_single_process_step(tmp_path):
    import lightning.pytorch as pl
    from torch.utils.data import DistributedSampler, default_collate

    import fusionzoo
    from fusionzoo.datamodules import WaldPatchesDataModule
    from fusionzoo.trainers import PansharpeningTask

    pan, ms = make_pair(tmp_path / "data", bands=8, size=32, ratio=4)
    batch, lr = 2, 0.5
    dm = WaldPatchesDataModule(pan=[str(pan)], ms=[str(ms)], sensor="WV3", batch_size=batch, patch_size=16,
                               stride=8, block=32, fractions=(1.0, 0.0, 0.0))
    pl.seed_everything(0, verbose=False)
    task = PansharpeningTask("pnn", pretrained=True, optimizer="sgd", lr=lr, momentum=0.0)
    w0 = {k: v.clone() for k, v in task.model.state_dict().items()}
    trainer = pl.Trainer(strategy="ddp_fork", accelerator="cpu", devices=2, max_steps=1, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         limit_val_batches=0, num_sanity_val_steps=0)
    trainer.fit(task, datamodule=dm)
    w_ddp = task.model.state_dict()  # rank 0's weights, brought back to this process by the launcher

    # one process, the two ranks' first batches together (Lightning's DistributedSampler: shuffled, seed 0)
    dm.setup("fit")
    ds = dm.train_dataset
    idx = [i for r in (0, 1)
           for i in list(DistributedSampler(ds, num_replicas=2, rank=r, shuffle=True, seed=0))[:batch]]
    b = default_collate([{k: v for k, v in ds[i].items() if k != "scene"} for i in idx])
    ref = fusionzoo.create_model("pnn", pretrained=True)
    loss = torch.nn.functional.mse_loss(ref(b["ms"], b["pan"]), b["gt"])
    loss.backward()
    changed = 0.0
    for name, p in ref.named_parameters():
        expected = w0[name] - lr * p.grad
        torch.testing.assert_close(w_ddp[name], expected, rtol=1e-4, atol=1e-6)
        changed = max(changed, float((expected - w0[name]).abs().max()))
    assert changed > 1e-6  # the step did something
