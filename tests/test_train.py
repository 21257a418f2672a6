"""train.py (LightningCLI) runs the shipped recipes for a step on generated fixtures; resume and export."""

from pathlib import Path

import numpy as np
import pytest
import scipy.io
import torch

import train
import yaml

import fusionzoo
from fusionzoo.datasets import PUBLIC_SCENES, WaldPatches, split_blocks
from fusionzoo.trainers import export_weights

ROOT = Path(__file__).resolve().parents[1]


def _grip_fixture(root: Path, rel: str, bands: int, bits: int = 11, size: int = 64) -> None:
    """A tiny scene in the exact GRIP .mat layout (I_MS h x w x C, I_PAN, L, ratio, sensor)."""
    rng = np.random.default_rng(0)
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    dtype = np.uint8 if bits == 8 else np.uint16
    scipy.io.savemat(p, {
        "I_MS": rng.integers(0, 2**bits, (size // 4, size // 4, bands)).astype(dtype),
        "I_PAN": rng.integers(0, 2**bits, (size, size)).astype(dtype),
        "L": np.array([[bits]], np.uint8), "ratio": np.array([[4]], np.uint8), "sensor": np.array(["WV2"]),
    })


def test_split_blocks_is_disjoint_and_deterministic():
    a = split_blocks(300, 260, 64, (0.6, 0.2, 0.2), seed=3)
    b = split_blocks(300, 260, 64, (0.6, 0.2, 0.2), seed=3)
    assert a == b
    boxes = [x for s in a.values() for x in s]
    assert len(boxes) == len(set(boxes)) == 5 * 5
    assert all(len(v) > 0 for v in a.values())


def test_wald_patches_from_grip_fixture(tmp_path):
    _grip_fixture(tmp_path, PUBLIC_SCENES["wv2_grip"].files[0], bands=8, size=256)
    sets = {s: WaldPatches(tmp_path, ["wv2_grip"], split=s, patch_size=16, stride=8, block=32) for s in
            ("train", "val", "test")}
    assert all(len(d) > 0 for d in sets.values())
    s = sets["train"][0]
    assert s["ms"].shape == (8, 4, 4) and s["pan"].shape == (1, 16, 16) and s["gt"].shape == (8, 16, 16)
    assert 0 <= float(s["ms"].min()) and float(s["gt"].max()) <= 1
    # patches of different splits never overlap
    def cover(d):
        return {(k, y + i, x + j) for k, y, x in d.items for i in range(16) for j in range(16)}
    assert not cover(sets["train"]) & cover(sets["val"])
    assert not cover(sets["train"]) & cover(sets["test"])
    with pytest.raises(FileNotFoundError, match="wv2_rio"):
        WaldPatches(tmp_path, ["wv2_rio"])


@pytest.mark.parametrize("recipe, scene, bands", [("pnn_wv23.yaml", "wv2_grip", 8),
                                                  ("pnn_vhr4.yaml", "ikonos_grip", 4)])
def test_train_py_one_step_resume_and_export(tmp_path, recipe, scene, bands):
    _grip_fixture(tmp_path / "data", PUBLIC_SCENES[scene].files[0], bands=bands, size=1024)
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
    train.main(args[:-3] + ["--trainer.max_steps=2", f"--trainer.default_root_dir={run}", "--ckpt_path", str(ckpts[0])])
    newest = max(run.rglob("*.ckpt"), key=lambda p: p.stat().st_mtime)
    state = torch.load(newest, map_location="cpu", weights_only=True)
    assert state["global_step"] == 2
    out = export_weights(newest, tmp_path / "export")
    from safetensors.torch import load_file

    sd = load_file(out)
    assert sd["conv1.weight"].shape == (64, bands + 1, 9, 9)


RECIPES = sorted({fusionzoo.get_weights(n).recipe for n in fusionzoo.list_models(task="pansharpening", pretrained=True)}
                 - {"configs/pansharpening/pnn_wv23.yaml", "configs/pansharpening/pnn_vhr4.yaml"})


@pytest.mark.parametrize("recipe", RECIPES)
def test_recipe_of_shipped_weights_trains(tmp_path, recipe):
    """The recipe named by each shipped set of weights runs as written (one step on a generated fixture)."""
    cfg = yaml.safe_load((ROOT / recipe).read_text())
    scene = cfg["data"]["init_args"]["scenes"][0]
    bands = cfg["model"]["init_args"]["model_kwargs"]["bands"]
    if PUBLIC_SCENES[scene].layout != "grip":  # the fixture writer makes GRIP .mat files
        scene = "wv2_grip" if bands == 8 else "ikonos_grip"
    _grip_fixture(tmp_path / "data", PUBLIC_SCENES[scene].files[0], bands=bands, size=1024)
    run = tmp_path / "run"
    train.main(["fit", "--config", str(ROOT / recipe), f"--data.init_args.root={tmp_path / 'data'}",
                f"--data.init_args.scenes=[{scene}]", "--data.init_args.batch_size=2", "--trainer.max_steps=1",
                "--trainer.limit_val_batches=1", "--trainer.accelerator=cpu", "--trainer.enable_progress_bar=false",
                "--trainer.logger=false", f"--trainer.default_root_dir={run}"])
    out = export_weights(next(run.rglob("last.ckpt")), tmp_path / "export")
    model = fusionzoo.create_model(cfg["model"]["init_args"]["model"], checkpoint=out, bands=bands)
    assert model.num_bands == bands
