"""A second task added from the tests only (never shipped): ``toy_denoise`` (one modality ``img``, output the
same size) with a tiny model family, registered here and removed again.

It shows that a task is added without touching the command line, the benchmark, the trainers or the card code:
``fusionzoo list --task``, ``fusionzoo run``, ``fusionzoo benchmark <task>``, ``update_model_cards``, the Hub
card and a :class:`~fusionzoo.trainers.base.BaseTask` trainer all go through the task object.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import save as save_bytes
from torch import nn

import fusionzoo
from fusionzoo import registry
from fusionzoo.builder import build_model
from fusionzoo.io import read_geotiff, write_geotiff
from fusionzoo.registry import ArchConfig, register_model
from fusionzoo.tasks import Modality, Task, get_task, list_tasks, register_task, unregister_task
from fusionzoo.weights import Weights, validate_weights_metadata
from tests.helpers import ROOT
from tests.helpers.cli import UTM, from_origin, run

TASK, ARCH, TAG = "toy_denoise", "toydenoise", "synth"
NAME = f"{ARCH}.{TAG}"


class ToyDenoiseTask(Task):
    name = TASK
    title = "Toy denoising"
    modalities = (Modality("img", "a noisy image"),)
    output = "the image denoised (B, C, H, W), same size and scale"
    metrics = ("PSNR",)
    protocols = {"synthetic": "Gaussian noise added to a clean image, scored against it"}
    primary = "img"
    benchmark_summary = "toy benchmark (records its call)"
    calls: list = []

    def run_cli(self, name: str, args: argparse.Namespace) -> int:
        arr, meta = read_geotiff(args.img)
        model = fusionzoo.create_model(name, pretrained="." in name).eval()
        with torch.no_grad():
            out = model(img=torch.from_numpy(arr.astype(np.float32))[None])[0]
        write_geotiff(args.output, out.numpy(), meta["crs"], meta["transform"], "float32")
        return 0

    def add_benchmark_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--out", required=True)

    def benchmark_cli(self, args: argparse.Namespace) -> int:
        self.calls.append(("benchmark", args.out))
        print(f"toy benchmark -> {args.out}")
        return 0

    def weights_section(self, arch: str) -> str:
        self.calls.append(("weights_section", arch))
        return f"## Weights\n\nToy section of `{arch}`: {', '.join(w.tag for w in registry.get_arch(arch).cfg.weights)}."

    def hub_rows(self, w: Weights) -> list[tuple[str, str]]:
        return [("Toy input `img`", f"{w.sensor}, {len(w.bands)} bands")]

    def usage_lines(self, name: str, w: Weights) -> list[str]:
        return ["with torch.no_grad():", "    clean = model(img=noisy)  # toy usage"]


class ToyDenoise(nn.Module):
    """``img - conv3x3(img)``: a residual denoiser with one convolution."""

    def __init__(self, bands: int = 2, band_names: tuple[str, ...] | None = None) -> None:
        super().__init__()  # (build_model passes the weights' band names, as to every family)
        self.num_bands, self.band_names = bands, band_names
        self.conv = nn.Conv2d(bands, bands, 3, padding=1)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        return img - self.conv(img)


def _state_dict() -> dict[str, torch.Tensor]:
    return {k: ((torch.arange(v.numel()) % 7 - 3).float() / 64).reshape(v.shape).contiguous()
            for k, v in ToyDenoise().state_dict().items()}


WEIGHTS_BYTES = save_bytes(_state_dict())
default_cfgs: dict[str, ArchConfig] = {}  # filled by the toy_task fixture


def toydenoise(pretrained: bool = False, **kwargs) -> ToyDenoise:
    """ToyDenoise: a test-only denoiser of the test-only task ``toy_denoise``."""
    return build_model(ToyDenoise, ARCH, pretrained, **kwargs)


def _config() -> dict[str, ArchConfig]:
    w = Weights(tag=TAG, sensor="TOY", bands=("b1", "b2"), wavelengths=(500.0, 800.0), ratio=1, bit_depth=16,
                scaling="reflectance in [0, 1]", normalization="none",
                train_data=({"name": "Toy", "terms": "CC0-1.0", "url": "https://example.org/toy", "split": "train"},),
                eval_data=({"name": "Toy", "terms": "CC0-1.0", "split": "test"},),
                metrics={"Toy": {"synthetic": {"PSNR": 30.0}}}, num_params=2 * 2 * 9 + 2, license="MIT",
                recipe="tests/tasks/test_toy_task.py", sha256=hashlib.sha256(WEIGHTS_BYTES).hexdigest(),
                hf_revision="v0.1.0", model_kwargs={"bands": 2}, description="Synthetic weights of a test-only task.")
    return {ARCH: ArchConfig(task=TASK, inputs=("img",), paper="(test only) no paper", summary="one residual 3x3 conv",
                             url="https://example.org/toydenoise", card="toydenoise.md", weights=(w,))}


@pytest.fixture
def toy_task(tmp_path, monkeypatch):
    """The task and its family registered, the weights resolvable through FUSIONZOO_WEIGHTS_DIR; removed after."""
    global default_cfgs  # register_model reads the configs of the entry point's module: this one
    task = register_task(ToyDenoiseTask())
    task.calls = []
    try:
        default_cfgs = _config()  # (an ArchConfig of task toy_denoise exists only while the task is registered)
        register_model(toydenoise)
        p = tmp_path / "weights" / "fusionzoo" / NAME / "model.safetensors"
        p.parent.mkdir(parents=True)
        p.write_bytes(WEIGHTS_BYTES)
        monkeypatch.setenv("FUSIONZOO_WEIGHTS_DIR", str(tmp_path / "weights"))
        yield task
    finally:
        registry._REGISTRY.pop(ARCH, None)
        unregister_task(TASK)
        default_cfgs = {}
    assert TASK not in list_tasks() and ARCH not in registry.list_archs()


def test_registered_model_builds_and_its_record_passes_the_schema(toy_task):
    assert get_task(TASK) is toy_task and fusionzoo.list_models(task=TASK) == [NAME]
    model = fusionzoo.create_model(NAME, pretrained=True)
    w = fusionzoo.get_weights(NAME)
    assert validate_weights_metadata(w, fusionzoo.create_model(ARCH, **w.model_kwargs), task=TASK) == []
    x = torch.rand(1, 2, 8, 8)
    assert model(img=x).shape == x.shape


def test_cli_list_and_run(toy_task, tmp_path, capsys):
    rc, out, err = run(capsys, "list", "--task", TASK)
    assert rc == 0, err
    assert ARCH in out and NAME in out and "pnn" not in out
    src = tmp_path / "in.tif"
    arr = np.random.default_rng(0).uniform(0, 1, (2, 8, 8)).astype(np.float32)
    write_geotiff(src, arr, UTM, from_origin(350000.0, 3456000.0, 1.0, 1.0), "float32")
    rc, out, err = run(capsys, "run", NAME, "--img", src, "-o", tmp_path / "out.tif")
    assert rc == 0, err
    got, meta = read_geotiff(tmp_path / "out.tif")
    with torch.no_grad():
        expected = fusionzoo.create_model(NAME, pretrained=True)(img=torch.from_numpy(arr)[None])[0].numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    assert meta["crs"] == UTM
    rc, out, err = run(capsys, "run", NAME, "-o", tmp_path / "x.tif")  # --img is required: the task says so
    assert rc == 2 and "--img" in err


def test_cli_benchmark_dispatches_to_the_task(toy_task, tmp_path, capsys):
    rc, out, err = run(capsys, "benchmark", TASK, "--out", tmp_path / "bench")
    assert rc == 0, err
    assert toy_task.calls == [("benchmark", str(tmp_path / "bench"))] and "toy benchmark" in out


def test_model_cards_use_the_tasks_section(toy_task, tmp_path):
    from fusionzoo.cards import END, START, update_model_cards

    cards = tmp_path / "model_cards"
    shutil.copytree(ROOT / "model_cards", cards)
    (cards / "toydenoise.md").write_text("# ToyDenoise\n\nA test-only card.\n\n## Limitations\n\nNone.\n")
    changed = update_model_cards(cards)
    assert changed == [cards / "toydenoise.md"]
    text = changed[0].read_text()
    assert ("weights_section", ARCH) in toy_task.calls
    assert f"{START}\n## Weights\n\nToy section of `{ARCH}`: {TAG}.\n{END}" in text
    assert text.index(END) < text.index("## Limitations")


def test_hub_card_uses_the_tasks_rows_and_usage(toy_task):
    from fusionzoo.hub import card_text

    text = card_text(NAME)
    assert "Toy input `img`" in text and "TOY, 2 bands" in text
    assert "clean = model(img=noisy)  # toy usage" in text
    assert f"{TASK} (inputs: img)" in text


def test_trainer_subclass_trains_one_step(toy_task, tmp_path):
    import lightning.pytorch as pl
    from torch.utils.data import DataLoader

    from fusionzoo.trainers.base import BaseTask

    class ToyDenoiseTrainer(BaseTask):
        task = TASK

        # as the shipped trainers: BaseTask reads its settings from self.hparams, so the subclass declares them
        def __init__(self, model: str = ARCH, model_kwargs=None, pretrained: bool = False, loss: str = "mse",
                     optimizer: str = "adam", lr: float = 1e-3, momentum: float = 0.9, weight_decay: float = 0.0,
                     lr_step=None, lr_gamma: float = 0.5) -> None:
            super().__init__(model, model_kwargs, pretrained, loss, optimizer, lr, momentum, weight_decay, lr_step,
                             lr_gamma)
            self.save_hyperparameters()

        def training_step(self, batch, batch_idx):
            loss = self.loss_fn(self.model(img=batch["img"]), batch["clean"])
            self.log("train_loss", loss)
            return loss

    g = torch.Generator().manual_seed(0)
    clean = torch.rand(4, 2, 8, 8, generator=g)
    data = [{"img": c + 0.05 * torch.randn(c.shape, generator=g), "clean": c} for c in clean]
    trainer_task = ToyDenoiseTrainer(model=ARCH, model_kwargs={"bands": 2}, lr=1e-2)
    before = trainer_task.model.conv.weight.detach().clone()
    trainer = pl.Trainer(max_steps=1, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path)
    trainer.fit(trainer_task, DataLoader(data, batch_size=2))
    assert trainer.global_step == 1
    assert not torch.equal(before, trainer_task.model.conv.weight)
    with pytest.raises(ValueError, match="not a toy_denoise one"):
        ToyDenoiseTrainer(model="pnn")
