"""train.py (LightningCLI) runs the shipped recipes for a step on generated fixtures; resume and export."""

from __future__ import annotations

import sys

import pytest
import torch
import yaml

import fusionzoo
import train
from fusionzoo.datasets import PUBLIC_SCENES
from fusionzoo.trainers import export_weights
from tests.helpers import ROOT, load_fixture

write_grip = load_fixture("scenes").write_grip


@pytest.mark.parametrize("recipe, scene, bands", [("pnn_wv23.yaml", "wv2_grip", 8),
                                                  ("pnn_vhr4.yaml", "ikonos_grip", 4)])
@pytest.mark.filterwarnings("ignore:You're resuming from a checkpoint that ended before the epoch ended")  # 1 step
@pytest.mark.filterwarnings("ignore:Checkpoint directory .* exists and is not empty")  # resumed in the same run folder
def test_train_py_one_step_resume_and_export(tmp_path, recipe, scene, bands, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["train.py"])  # LightningCLI warns when pytest's own arguments are there
    write_grip(tmp_path / "data" / PUBLIC_SCENES[scene].files[0], bands=bands, size=1024)
    run = tmp_path / "run"
    args = ["fit", "--config", str(ROOT / "configs/pansharpening" / recipe),
            f"--data.init_args.root={tmp_path / 'data'}", f"--data.init_args.scenes=[{scene}]",
            "--data.init_args.batch_size=2", "--trainer.max_steps=1", "--trainer.limit_val_batches=1",
            "--trainer.accelerator=cpu", "--trainer.enable_progress_bar=false", "--trainer.logger=false",
            f"--trainer.default_root_dir={run}"]
    train.main(args)
    ckpts = list(run.rglob("last.ckpt"))
    assert ckpts, "no checkpoint written"
    # resume from the checkpoint for one more step
    train.main(args[:-3] + ["--trainer.max_steps=2", "--trainer.logger=false", f"--trainer.default_root_dir={run}",
                            "--ckpt_path", str(ckpts[0])])
    newest = max(run.rglob("*.ckpt"), key=lambda p: p.stat().st_mtime)
    state = torch.load(newest, map_location="cpu", weights_only=True)
    assert state["global_step"] == 2
    out = export_weights(newest, tmp_path / "export")
    from safetensors.torch import load_file

    sd = load_file(out)
    assert sd["conv1.weight"].shape == (64, bands + 1, 9, 9)
    # a checkpoint of an older train.py, without the record of its data, still exports (data "unrecorded")
    from fusionzoo.trainers.export import CKPT_KEY

    assert state[CKPT_KEY].pop("data", None) is not None
    torch.save(state, tmp_path / "older.ckpt")
    old = export_weights(tmp_path / "older.ckpt", tmp_path / "export_older")
    assert "unrecorded data" in fusionzoo.create_model("pnn", checkpoint=old.parent).pretrained_cfg.description


pytestmark = pytest.mark.filterwarnings(
    "ignore:`ModelCheckpoint\\(monitor='val_loss'\\)` could not find the monitored key")  # 1 step, no validation

RECIPES = sorted({fusionzoo.get_weights(n).recipe for n in fusionzoo.list_models(task="pansharpening", pretrained=True)}
                 - {"configs/pansharpening/pnn_wv23.yaml", "configs/pansharpening/pnn_vhr4.yaml"})


@pytest.mark.parametrize("recipe", RECIPES)
def test_recipe_of_shipped_weights_trains(tmp_path, recipe, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["train.py"])
    """The recipe named by each shipped set of weights runs as written (one step on a generated fixture)."""
    cfg = yaml.safe_load((ROOT / recipe).read_text())
    scene = cfg["data"]["init_args"]["scenes"][0]
    bands = cfg["model"]["init_args"]["model_kwargs"]["bands"]
    if PUBLIC_SCENES[scene].layout != "grip":  # the fixture writer makes GRIP .mat files
        scene = "wv2_grip" if bands == 8 else "ikonos_grip"
    write_grip(tmp_path / "data" / PUBLIC_SCENES[scene].files[0], bands=bands, size=1024)
    run = tmp_path / "run"
    train.main(["fit", "--config", str(ROOT / recipe), f"--data.init_args.root={tmp_path / 'data'}",
                f"--data.init_args.scenes=[{scene}]", "--data.init_args.batch_size=2", "--trainer.max_steps=1",
                "--trainer.limit_val_batches=1", "--trainer.accelerator=cpu", "--trainer.enable_progress_bar=false",
                "--trainer.logger=false", f"--trainer.default_root_dir={run}"])
    out = export_weights(next(run.rglob("last.ckpt")), tmp_path / "export")
    model = fusionzoo.create_model(cfg["model"]["init_args"]["model"], checkpoint=out, bands=bands)
    assert model.num_bands == bands


@pytest.mark.filterwarnings("ignore:The number of training batches .* is smaller than the logging interval")
def test_finetune_geotiff_recipe_on_own_pair(tmp_path, monkeypatch):
    """configs/pansharpening/finetune_geotiff.yaml: train.py on a GeoTIFF pair, export, load with its record."""
    from tests.helpers.cli import make_pair

    monkeypatch.setattr(sys, "argv", ["train.py"])
    pan, ms = make_pair(tmp_path / "data", bands=8, size=32, ratio=4)
    run = tmp_path / "run"
    train.main(["fit", "--config", str(ROOT / "configs/pansharpening/finetune_geotiff.yaml"),
                f"--data.init_args.pan=[{pan}]", f"--data.init_args.ms=[{ms}]", "--data.init_args.batch_size=2",
                "--data.init_args.patch_size=8", "--data.init_args.stride=4", "--data.init_args.block=16",
                "--trainer.max_steps=2",
                "--trainer.accelerator=cpu", "--trainer.enable_progress_bar=false", "--trainer.logger=false",
                "--trainer.val_check_interval=1", "--trainer.callbacks.init_args.every_n_train_steps=1",
                f"--trainer.callbacks.init_args.dirpath={run / 'checkpoints'}", f"--trainer.default_root_dir={run}"])
    out = export_weights(run / "checkpoints" / "last.ckpt", tmp_path / "export")
    model = fusionzoo.create_model("pnn", checkpoint=out.parent)
    w = model.pretrained_cfg
    assert w.tag == "finetuned" and w.sensor == "WV3" and "fine-tuned from pnn.wv23" in w.description
    assert w.train_data[0]["description"] == "PAN pan.tif + MS ms.tif"
