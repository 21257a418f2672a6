"""Fine-tuning a pretrained pansharpening model on one's own scenes (``fusionzoo finetune``).

::

    fusionzoo finetune pnn --pan P.tif --ms M.tif --steps 500 -o my_pnn/
    fusionzoo pansharpen --model pnn --checkpoint my_pnn/ --pan P2.tif --ms M2.tif -o fused.tif

:func:`finetune` reads the scenes (PAN + MS GeoTIFF pairs, folders of pairs, ``.mat`` scenes; see
:class:`~fusionzoo.datamodules.WaldPatchesDataModule`), makes Wald-protocol patches from them (each scene
degraded by the sensor's MTF; its blocks dealt to train / validation, so the two are spatially disjoint), starts
from the model's published weights (or ``checkpoint``), and trains with Lightning for ``steps`` optimiser steps
(Adam, MSE).  Checkpoints go to ``<out>/checkpoints`` (``last.ckpt`` every ``checkpoint_every`` steps and at the
end, ``interrupted.ckpt`` on Ctrl-C or an error); ``resume=True`` continues the newest of them (and ``steps`` may
then be raised to train longer).  At the end the weights are exported to ``<out>/model.safetensors`` +
``<out>/config.json`` (:func:`~fusionzoo.trainers.export.export_weights`), which
``create_model(arch, checkpoint=out)`` and ``fusionzoo pansharpen --checkpoint out`` load.

The settings of a run are kept in ``<out>/finetune.json``; resuming with other data or hyper-parameters is
refused (only ``steps`` may change).
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Sequence

__all__ = ["finetune", "FinetuneError", "RUN_FILE"]

RUN_FILE = "finetune.json"
CKPT_DIR = "checkpoints"


class FinetuneError(ValueError):
    """Fine-tuning cannot start (the message says why and what to change)."""


def _progress_callback(total: int):
    """One tqdm bar over the optimiser steps (across epochs), with the training loss."""
    import lightning.pytorch as pl
    from tqdm.auto import tqdm

    class StepProgress(pl.Callback):
        def on_train_start(self, trainer, pl_module) -> None:
            self.bar = tqdm(total=total, initial=trainer.global_step, desc="fine-tuning", unit="step",
                            file=sys.stderr, dynamic_ncols=True)

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
            self.bar.update(trainer.global_step - self.bar.n)
            loss = trainer.callback_metrics.get("train_loss")
            if loss is not None:
                self.bar.set_postfix(loss=f"{float(loss):.3g}", refresh=False)

        def teardown(self, trainer, pl_module, stage: str) -> None:
            bar = getattr(self, "bar", None)
            if bar is not None:
                bar.close()

    return StepProgress()


def _save_on_exception(path: Path):
    """Save the state (``path``) when training stops on an exception, Ctrl-C included, to resume from it."""
    import lightning.pytorch as pl

    class SaveOnException(pl.Callback):
        def on_exception(self, trainer, pl_module, exception) -> None:
            if trainer.global_step > 0:
                trainer.save_checkpoint(path, weights_only=False)

    return SaveOnException()


def _newest_checkpoint(ckdir: Path) -> tuple[Path, int] | None:
    from .trainers.export import read_lightning_checkpoint

    found = []
    for p in (ckdir / "last.ckpt", ckdir / "interrupted.ckpt"):
        if p.is_file():
            found.append((int(read_lightning_checkpoint(p).get("global_step", 0)), p.stat().st_mtime, p))
    if not found:
        return None
    step, _, p = max(found)
    return p, step


def _settings(**kw: Any) -> dict[str, Any]:
    def norm(v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            return [norm(x) for x in v]
        if isinstance(v, os.PathLike):
            return str(Path(v).expanduser().resolve())
        return v

    return {k: norm(v) for k, v in kw.items()}


def finetune(model: str, out: str | os.PathLike, pan: Sequence[str | os.PathLike] = (),
             ms: Sequence[str | os.PathLike] = (), pairs: Sequence[str | os.PathLike] = (),
             scenes: Sequence[str | os.PathLike] = (), steps: int = 1000, lr: float = 1e-4, batch_size: int = 16,
             resume: bool = False, checkpoint: str | os.PathLike | None = None, patch_size: int = 64,
             stride: int | None = None, block: int = 128, val_fraction: float = 0.1, sensor: str | None = None,
             bit_depth: int | None = None, check_georef: bool = True, augment: bool = True, seed: int = 0,
             device: str = "auto", num_workers: int = 0, checkpoint_every: int | None = None,
             tag: str = "finetuned", progress: bool = True, callbacks: Sequence[Any] = (),
             log=print) -> Path:
    """Fine-tune ``model`` (``arch`` or ``arch.tag``) on the given scenes; returns the exported ``.safetensors``.

    ``pan`` / ``ms``: GeoTIFF pairs (``pan[i]`` with ``ms[i]``); ``pairs``: folders of ``*pan*`` / ``*ms*`` pairs;
    ``scenes``: other paths (``.mat`` scenes, folders) or catalogued names.  ``stride`` defaults to
    ``patch_size // 2``; ``val_fraction`` of the blocks are held out for validation.  ``sensor`` (its MTF
    degrades the scenes; default: the weights' sensor when the band counts agree, else ``'generic'``) and
    ``bit_depth`` (default: 8 for uint8 files, else the sensor's) say how the files are read.  ``device`` is
    ``"auto"``, ``"cpu"`` or ``"cuda"``.  ``callbacks`` are extra Lightning callbacks.  See the module docstring
    for the run folder ``out``.
    """
    import lightning.pytorch as pl
    import torch
    from lightning.pytorch.callbacks import ModelCheckpoint

    from .datamodules import WaldPatchesDataModule
    from .registry import get_arch, get_weights, split_name
    from .trainers import PansharpeningTask
    from .trainers.export import export_weights

    entry = get_arch(model)
    if entry.cfg.task != "pansharpening":
        raise FinetuneError(f"{model} is a {entry.cfg.task} model; fusionzoo finetune trains pansharpening models "
                            f"(use train.py with a recipe for the others)")
    if entry.cfg.classical:
        raise FinetuneError(f"{entry.arch} is a classical method: it has no parameters to fine-tune")
    if steps < 1 or batch_size < 1 or not lr > 0:
        raise FinetuneError(f"steps and batch size must be >= 1 and lr > 0, got {steps}, {batch_size}, {lr}")
    if not 0 <= val_fraction < 1:
        raise FinetuneError(f"val_fraction must be in [0, 1), got {val_fraction}")
    if device not in ("auto", "cpu", "cuda"):
        raise FinetuneError(f"device must be auto, cpu or cuda, got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise FinetuneError("device cuda asked, but torch sees no CUDA device; use --device cpu")
    if len(pan) != len(ms):
        raise FinetuneError(f"give one --ms per --pan: got {len(pan)} PAN and {len(ms)} MS files")
    if not (pan or pairs or scenes):
        raise FinetuneError("no training data: give --pan P.tif --ms M.tif (repeatable) or --pairs DIR")
    published = get_weights(model) if entry.cfg.weights and split_name(model)[1] is not None else (
        entry.cfg.weights[0] if entry.cfg.weights else None)
    if published is None and checkpoint is None:
        raise FinetuneError(f"{entry.arch} has no pretrained weights to start from; pass --checkpoint DIR (your "
                            f"own weights) or train it from scratch with train.py")
    stride = stride or max(patch_size // 2, 1)

    out = Path(out).expanduser()
    ckdir = out / CKPT_DIR
    settings = _settings(model=model, checkpoint=Path(checkpoint) if checkpoint else None,
                         pan=[Path(p) for p in pan], ms=[Path(p) for p in ms], pairs=[Path(p) for p in pairs],
                         scenes=[Path(s) if Path(s).exists() else str(s) for s in scenes], lr=lr,
                         batch_size=batch_size, patch_size=patch_size, stride=stride, block=block,
                         val_fraction=val_fraction, sensor=sensor, bit_depth=bit_depth, augment=augment, seed=seed)
    previous = _newest_checkpoint(ckdir) if ckdir.is_dir() else None
    if resume:
        if previous is None:
            raise FinetuneError(f"nothing to resume: {ckdir} holds no last.ckpt or interrupted.ckpt")
        old = json.loads((out / RUN_FILE).read_text(encoding="utf-8")) if (out / RUN_FILE).is_file() else {}
        changed = sorted(k for k in settings if k in old and old[k] != settings[k])
        if changed:
            raise FinetuneError(f"--resume with other settings than the run in {out}: {', '.join(changed)} differ "
                                f"(was {', '.join(f'{k}={old[k]}' for k in changed)}); only --steps may change")
        if previous[1] >= steps:
            raise FinetuneError(f"the run in {out} is already at step {previous[1]} >= --steps {steps}; raise "
                                f"--steps to train longer")
    elif previous is not None:
        raise FinetuneError(f"{out} already holds a fine-tuning run (at step {previous[1]}); pass --resume to "
                            f"continue it, or choose another -o")
    out.mkdir(parents=True, exist_ok=True)
    (out / RUN_FILE).write_text(json.dumps({**settings, "steps": steps}, indent=2) + "\n", encoding="utf-8")

    pl.seed_everything(seed, verbose=False)
    fractions = (1.0 - val_fraction, val_fraction, 0.0)
    common = dict(pan=[str(p) for p in pan], ms=[str(p) for p in ms], pairs=[str(p) for p in pairs],
                  scenes=[str(s) for s in scenes], batch_size=batch_size, num_workers=num_workers,
                  patch_size=patch_size, stride=stride, block=block, fractions=fractions, seed=seed,
                  augment=augment, bit_depth=bit_depth, check_georef=check_georef)
    start_sensor = sensor or (published.sensor if published is not None and checkpoint is None else None)
    dm = WaldPatchesDataModule(sensor=start_sensor, **common)
    try:
        loaded = dm.load()
    except ValueError as e:
        if sensor is not None or start_sensor is None or "pass sensor='generic'" not in str(e):
            raise
        dm = WaldPatchesDataModule(sensor="generic", **common)  # the weights' sensor has other bands
        loaded = dm.load()
    data = dm.describe_data()
    if len({(s.ms.shape[0], s.ratio) for s in loaded}) > 1:
        raise FinetuneError("the scenes differ in band count or ratio: "
                            + ", ".join(f"{s.name} {s.ms.shape[0]} bands ratio {s.ratio}" for s in loaded))
    if patch_size % data["ratio"] or stride % data["ratio"] or block % data["ratio"]:
        raise FinetuneError(f"patch size, stride and block must be multiples of the ratio {data['ratio']}, got "
                            f"{patch_size}, {stride}, {block}")
    dm.setup("fit")
    n_train, n_val = len(dm.train_dataset), len(dm.val_dataset)
    if n_val == 0 and val_fraction > 0:
        log(f"note: no validation patches (each scene has too few {block}-pixel blocks at reduced resolution); "
            f"lower --block for a held-out validation")
    if n_train == 0:
        sizes = ", ".join(f"{s.name} PAN {s.pan.shape[-1]}x{s.pan.shape[-2]}" for s in loaded)
        raise FinetuneError(f"the scenes give no training patch ({sizes}; patches are cut at 1/{data['ratio']} of the "
                            f"PAN size inside {block}-pixel blocks): lower --patch-size / --block or give more data")

    model_kwargs: dict[str, Any] = {}
    ref_kwargs = dict(published.model_kwargs) if published is not None else {}
    if checkpoint is not None:
        from .builder import checkpoint_config, checkpoint_file

        cfg = checkpoint_config(checkpoint_file(checkpoint)) or {}
        ref_kwargs = dict(cfg.get("model_kwargs") or ref_kwargs)
        model_kwargs["checkpoint"] = str(Path(checkpoint).expanduser().resolve())
    if ref_kwargs.get("bands") != data["bands"]:
        model_kwargs["bands"] = data["bands"]
        log(f"note: the weights take {ref_kwargs.get('bands')} bands and the data has {data['bands']}: the "
            f"band-dependent layers are adapted (see fusionzoo.weights.adapt_band_layers)")
    if ref_kwargs.get("ratio", data["ratio"]) != data["ratio"]:
        model_kwargs["ratio"] = data["ratio"]
    task = PansharpeningTask(model=model, model_kwargs=model_kwargs or None, pretrained=checkpoint is None,
                             lr=lr, bit_depth=data["bit_depth"])
    base = task.base_weights or {}
    every = checkpoint_every or max(1, min(100, steps // 10))
    log(f"fine-tuning {entry.arch} from {base.get('name', 'its initialisation')} on {len(loaded)} scene(s) "
        f"({data['sensor']}, {data['bands']} bands, ratio {data['ratio']}, {data['bit_depth']}-bit): {n_train} "
        f"training / {n_val} validation patches of {patch_size} px; {steps} steps, batch {batch_size}, Adam lr "
        f"{lr:g}; checkpoints every {every} steps in {ckdir}")
    cbs = [ModelCheckpoint(dirpath=ckdir, filename="last", save_top_k=0, save_last=True, every_n_train_steps=every,
                           enable_version_counter=False),
           _save_on_exception(ckdir / "interrupted.ckpt"), *callbacks]
    if progress:
        cbs.append(_progress_callback(steps))
    accelerator = {"auto": "auto", "cpu": "cpu", "cuda": "gpu"}[device]
    trainer = pl.Trainer(max_steps=steps, max_epochs=-1, accelerator=accelerator, devices=1, logger=False,
                         callbacks=cbs, enable_progress_bar=False, enable_model_summary=False,
                         default_root_dir=out, limit_val_batches=1.0 if n_val else 0, num_sanity_val_steps=0,
                         check_val_every_n_epoch=None, val_check_interval=every if n_val else None,
                         log_every_n_steps=max(1, min(50, every)))
    ckpt_path = str(previous[0]) if resume and previous is not None else None
    with warnings.catch_warnings():
        # resuming mid-epoch restarts the epoch's shuffled order; harmless for fine-tuning
        warnings.filterwarnings("ignore", message=".*resuming from a checkpoint that ended before the epoch ended")
        try:
            trainer.fit(task, datamodule=dm, ckpt_path=ckpt_path, weights_only=True)
        except SystemExit:  # Lightning's graceful Ctrl-C handling ends in sys.exit(1)
            log(f"interrupted at step {trainer.global_step}; checkpoint {ckdir / 'interrupted.ckpt'}; continue with "
                f"the same command plus --resume")
            raise KeyboardInterrupt from None
    if trainer.interrupted:
        raise KeyboardInterrupt
    last = ckdir / "last.ckpt"
    trainer.save_checkpoint(last, weights_only=False)
    (ckdir / "interrupted.ckpt").unlink(missing_ok=True)
    weights_file = export_weights(last, out, tag=tag)
    from .weights import sha256sum

    val = {k: round(float(v), 4) for k, v in trainer.callback_metrics.items() if k.startswith("val_")}
    log(f"trained to step {trainer.global_step}" + (f"; validation {val}" if val else ""))
    log(f"wrote {weights_file} (sha256 {sha256sum(weights_file)}) and {out / 'config.json'}; use them with "
        f"`fusionzoo pansharpen --model {entry.arch} --checkpoint {out} ...` or "
        f"create_model({entry.arch!r}, checkpoint={str(out)!r})")
    return weights_file
