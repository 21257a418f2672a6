"""Exporting trained weights: a Lightning checkpoint of a fusionzoo task -> ``model.safetensors`` + ``config.json``.

The folder written by :func:`export_weights` loads with ``create_model(arch, checkpoint=folder)`` and
``fusionzoo pansharpen --model arch --checkpoint folder``.  ``config.json`` has the layout of the published
Hub folders (``architecture``, ``tag``, ``task``, ``inputs``, ``model_kwargs`` and the whole weights record
under ``weights``, which becomes the model's ``pretrained_cfg``) plus where the weights come from:
``base_weights`` (the published or fine-tuned weights training started from: name and sha256),
``training`` (the training data by file name, the number of optimiser steps, sensor, bit depth, ratio, the
last validation scores) and ``sha256``, the file's own.  The same description, without the file's own
sha256, is stored in the safetensors header (``fusionzoo_config``), so a lone ``.safetensors`` file still says
what it is.  Both files are written atomically with ordinary permissions (``0666`` less the umask).

Reading runs no code: the checkpoint is read with ``torch.load(weights_only=True)``; a file that needs more
(pickled objects) is refused with one line naming the object.
"""

from __future__ import annotations

import json
import os
import pickle
import re
from pathlib import Path
from typing import Any

import torch

__all__ = ["export_weights", "read_lightning_checkpoint", "ExportError", "CONFIG_KEY", "fusionzoo_info"]

#: The safetensors header key that holds the description of exported weights (JSON).
CONFIG_KEY = "fusionzoo_config"
#: The checkpoint key where :class:`~fusionzoo.trainers.base.BaseTask` stores what export needs.
CKPT_KEY = "fusionzoo"
#: Constructor arguments that say where weights come from, never how the network is built.
_NOT_MODEL_KWARGS = ("checkpoint", "source", "pretrained", "tag", "band_names")


class ExportError(ValueError):
    """A checkpoint cannot be exported (the message says what it is and what to pass instead)."""


def _umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


def _write_atomic(path: Path, write) -> None:
    """``write(tmp)`` then rename onto ``path``; the file gets the permissions of an ordinary new file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_lightning_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """A Lightning checkpoint read with ``weights_only=True``; any other file is an :class:`ExportError` whose
    one-line message says what the file is (never torch's advice to load it with ``weights_only=False``)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise ExportError(f"checkpoint {p} does not exist")
    try:
        ckpt = torch.load(p, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        m = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(e))
        if m is None:
            cause = re.search(r"Unpickler error:\s*([^\n]+)", str(e))
            raise ExportError(f"{p} is not a readable PyTorch checkpoint ("
                              f"{cause.group(1).strip() if cause else type(e).__name__})") from None
        raise ExportError(f"{p} holds a pickled {m.group(1)} object, which cannot be read without running code from "
                          f"the file (weights_only=True); it is not a checkpoint written by train.py or fusionzoo "
                          f"finetune") from None
    except (RuntimeError, EOFError, OSError, ValueError) as e:
        cause = " ".join(str(e).split())[:160]
        raise ExportError(f"{p} is not a readable PyTorch checkpoint ({type(e).__name__}: {cause})") from None
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get("state_dict"), dict):
        if isinstance(ckpt, dict) and ckpt and all(isinstance(v, torch.Tensor) for v in ckpt.values()):
            what = f"a plain state dict of {len(ckpt)} tensors"
        else:
            what = f"a {type(ckpt).__name__}" + (f" with keys {sorted(map(str, ckpt))[:6]}" if isinstance(ckpt, dict)
                                                 else "")
        raise ExportError(f"{p} is {what}, not a Lightning checkpoint (no 'state_dict'); export-weights takes the "
                          f".ckpt files of train.py and fusionzoo finetune")
    return ckpt


def fusionzoo_info(ckpt: dict[str, Any], path: str | os.PathLike = "checkpoint") -> dict[str, Any]:
    """What a fusionzoo task stored in its checkpoint (``ckpt["fusionzoo"]``), or what can be recovered from an
    older checkpoint of a fusionzoo task (its hyper-parameters); an :class:`ExportError` for anything else."""
    from ..registry import get_arch

    hp = ckpt.get("hyper_parameters") or {}
    info = ckpt.get(CKPT_KEY)
    if isinstance(info, dict) and "arch" in info:
        return info
    name = hp.get("model") if isinstance(hp, dict) else None
    try:
        entry = get_arch(name) if isinstance(name, str) else None
    except KeyError:
        entry = None
    keys = list(ckpt["state_dict"])
    if entry is None or not any(k.startswith("model.") for k in keys):
        hps = ", ".join(sorted(map(str, hp))[:6]) if isinstance(hp, dict) and hp else "none"
        raise ExportError(f"{path} is a Lightning checkpoint of another module (hyper-parameters: {hps}; weights "
                          f"like {', '.join(keys[:3]) or 'none'}), not of a fusionzoo task; export-weights takes the "
                          f"checkpoints of train.py and fusionzoo finetune")
    base = None
    if hp.get("pretrained") and entry.cfg.weights:
        from ..registry import get_weights

        w = get_weights(name)
        base = {"name": f"{entry.arch}.{w.tag}", "sha256": w.sha256}
    return {"arch": entry.arch, "task": entry.cfg.task, "model_kwargs": dict(hp.get("model_kwargs") or {}),
            "base": base, "data": None, "steps": int(ckpt.get("global_step", 0)), "val": {},
            "bit_depth": hp.get("bit_depth")}


def _band_names(model: torch.nn.Module, n: int | None, sensor, base) -> tuple[tuple[str, ...], Any]:
    names = getattr(model, "band_names", None)
    if names and len(names) == n:
        return tuple(names), None
    if sensor is not None and (n is None or sensor.num_bands == n):
        return tuple(sensor.bands), sensor.wavelengths
    if base is not None and (n is None or base.num_bands == n):
        return tuple(base.bands), base.wavelengths
    return tuple(f"b{i + 1}" for i in range(n or 1)), None


def _record(info: dict[str, Any], model: torch.nn.Module, tag: str, num_params: int, ckpt_name: str):
    """The :class:`~fusionzoo.weights.Weights` record of exported weights (sha256 left empty)."""
    from ..registry import get_weights
    from ..sensors import get_sensor
    from ..weights import Weights

    try:  # the published record training started from (None for the user's own weights)
        base = get_weights(info["base"]["name"]) if info.get("base") else None
    except KeyError:
        base = None
    data = info.get("data") or {}
    n = getattr(model, "num_bands", None)
    sensor_name = data.get("sensor") or (base.sensor if base is not None else "generic")
    try:
        sensor = get_sensor(sensor_name, num_bands=n) if n is not None else None
    except (KeyError, ValueError):
        sensor = None
    bands, wavelengths = _band_names(model, n, sensor, base)
    bits = int(data.get("bit_depth") or info.get("bit_depth") or (base.bit_depth if base is not None else 11))
    ratio = int(getattr(model, "ratio", None) or data.get("ratio") or (base.ratio if base is not None else 1))
    scenes = data.get("scenes") or []
    train_data = tuple({"name": s["name"], "terms": "the user's own data" if ("pan" in s or "file" in s)
                        else "see the catalogue (fusionzoo.datasets.PUBLIC_SCENES)",
                        "description": " + ".join(f"{k.upper()} {s[k]}" for k in ("pan", "ms", "file") if k in s)
                        or s["name"]} for s in scenes) or (
                           {"name": "unrecorded", "terms": "unknown", "description": "unrecorded data"},)
    started = (f"fine-tuned from {info['base']['name']} (sha256 {info['base']['sha256'][:12]}...)"
               if info.get("base") else "trained from scratch")
    desc = (f"{info['arch']} {started} for {info.get('steps', 0)} optimiser steps on "
            f"{', '.join(d['description'] for d in train_data)}; exported from {ckpt_name}")
    kwargs = {k: v for k, v in info.get("model_kwargs", {}).items() if k not in _NOT_MODEL_KWARGS}
    if n is not None:
        kwargs["bands"] = n
    if getattr(model, "ratio", None) is not None:
        kwargs["ratio"] = int(model.ratio)
    scale = data.get("scale")
    scaling = (f"DN / {2**bits - 1} ({bits}-bit); inputs and output in [0, 1]" if scale in (None, 2**bits - 1)
               else "inputs already on [0, 1] (floating-point files); output on the same scale")
    return Weights(
        tag=tag, sensor=sensor.name if sensor is not None else sensor_name, bands=bands,
        wavelengths=tuple(wavelengths) if wavelengths else None, ratio=ratio, bit_depth=bits, scaling=scaling,
        normalization=base.normalization if base is not None else "none beyond the scaling",
        train_data=train_data, eval_data=(), metrics={}, num_params=num_params,
        license=(f"{base.license} (derived from {info['base']['name']})" if base is not None
                 else "the user's own weights"),
        recipe=info.get("recipe") or "train.py / fusionzoo finetune", sha256="", hf_revision="",
        model_kwargs=kwargs, description=desc,
        protocol={"training": {"steps": info.get("steps", 0), "split": data.get("fractions"),
                               "patch_size": data.get("patch_size"), "seed": data.get("seed")}})


def export_weights(checkpoint: str | os.PathLike, out: str | os.PathLike, tag: str = "finetuned") -> Path:
    """Write the model weights of a Lightning checkpoint of a fusionzoo task, with their description.

    ``out`` is a folder (it gets ``model.safetensors`` and ``config.json``, see the module docstring) or a
    ``.safetensors`` file (the description then lives in its header only).  ``tag`` names the weights in their
    record (``pretrained_cfg.tag``).  The weights are checked by a strict load into the architecture before
    anything is written.  Returns the ``.safetensors`` path.
    """
    from safetensors.torch import save_file

    from .. import __version__
    from ..registry import create_model, get_arch
    from ..weights import CONFIG_FILE, WEIGHTS_FILE, sha256sum

    ckpt = read_lightning_checkpoint(checkpoint)
    info = fusionzoo_info(ckpt, checkpoint)
    sd = {k.removeprefix("model."): v.contiguous() for k, v in ckpt["state_dict"].items() if k.startswith("model.")}
    entry = get_arch(info["arch"])
    kwargs = {k: v for k, v in info.get("model_kwargs", {}).items() if k not in _NOT_MODEL_KWARGS}
    model = create_model(info["arch"], **kwargs)
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise ExportError(f"{checkpoint}: its model.* weights do not fit {info['arch']}({kwargs}): "
                          f"{' '.join(str(e).split())[:300]}") from None
    record = _record(info, model, tag, sum(int(v.numel()) for v in sd.values()), Path(checkpoint).name)
    config = {
        "architecture": entry.arch, "arch": entry.arch, "tag": tag, "task": entry.cfg.task,
        "inputs": list(entry.cfg.inputs), "model_kwargs": dict(record.model_kwargs), "weights": record.to_dict(),
        "base_weights": info.get("base"),
        "training": {"data": (info.get("data") or {}).get("scenes"), "steps": info.get("steps", 0),
                     "sensor": record.sensor, "bit_depth": record.bit_depth, "ratio": record.ratio,
                     "bands": list(record.bands), "validation": info.get("val") or {}},
        "exported_from": Path(checkpoint).name, "fusionzoo_version": __version__,
    }
    out = Path(out).expanduser()
    folder_form = out.suffix != ".safetensors"
    wfile = out / WEIGHTS_FILE if folder_form else out
    wfile.parent.mkdir(parents=True, exist_ok=True)
    header = {"format": "pt", CONFIG_KEY: json.dumps(config, sort_keys=True, allow_nan=False)}
    _write_atomic(wfile, lambda p: save_file(sd, str(p), metadata=header))
    if folder_form:
        sha = sha256sum(wfile)
        config["sha256"] = sha
        config["weights"]["sha256"] = sha
        text = json.dumps(config, indent=2, sort_keys=True, allow_nan=False) + "\n"
        _write_atomic(out / CONFIG_FILE, lambda p: p.write_text(text, encoding="utf-8"))
    return wfile
