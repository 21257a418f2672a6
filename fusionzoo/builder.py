"""Building a registered model: constructor arguments from its weights, loading, band adaptation."""

from __future__ import annotations

import inspect
import json
import logging
import os
from pathlib import Path
from typing import Any

import torch

from .registry import get_arch
from .weights import (CONFIG_FILE, WEIGHTS_FILE, Weights, WeightsError, adapt_band_layers, band_dims,
                      load_state_dict, resolve_weights_file, sha256sum)

log = logging.getLogger(__name__)

__all__ = ["build_model", "checkpoint_file", "checkpoint_config"]


def checkpoint_file(checkpoint: str | os.PathLike) -> Path:
    """The ``.safetensors`` file of a ``checkpoint`` argument (a file, or a folder holding ``model.safetensors``)."""
    p = Path(checkpoint).expanduser()
    if p.is_dir():
        p = p / WEIGHTS_FILE
    if not p.is_file():
        raise FileNotFoundError(f"checkpoint {p} does not exist; pass a .safetensors file or a folder holding "
                                f"{WEIGHTS_FILE}")
    return p


def checkpoint_config(path: str | os.PathLike) -> dict[str, Any] | None:
    """The description of a weights file: the ``config.json`` beside a ``model.safetensors`` (written by
    ``fusionzoo finetune`` / ``export-weights``, ``convert`` or ``publish``), else the one in its safetensors
    header (``fusionzoo_config``), else None.  A ``config.json`` that records another file's sha256 is an error."""
    from safetensors import safe_open

    from .trainers.export import CONFIG_KEY

    path = Path(path)
    side = path.parent / CONFIG_FILE
    if path.name == WEIGHTS_FILE and side.is_file():
        try:
            config = json.loads(side.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise WeightsError(f"{side} is not valid JSON ({e}); re-export the weights or remove it") from None
        recorded = config.get("sha256") or (config.get("weights") or {}).get("sha256")
        if recorded:
            got = sha256sum(path)
            if got != recorded:
                raise WeightsError(f"{side} describes another file (sha256 {recorded}) than {path} (sha256 {got}); "
                                   f"re-export the weights or remove the stale {CONFIG_FILE}")
        return config
    try:
        with safe_open(str(path), "pt") as f:
            meta = f.metadata() or {}
    except Exception:  # noqa: BLE001 - an unreadable file is reported by the load itself
        return None
    return json.loads(meta[CONFIG_KEY]) if CONFIG_KEY in meta else None


def _record_from_config(config: dict[str, Any], path: Path, arch: str) -> Weights | None:
    """The weights record a checkpoint's description gives (its sha256 the file's own); None when it has none."""
    from dataclasses import replace

    from .hub import weights_from_config

    if isinstance(config.get("weights"), dict):
        try:
            w = weights_from_config(config)
        except (KeyError, TypeError) as e:
            raise WeightsError(f"the description of {path} has an incomplete weights record ({e}); re-export "
                               f"the weights") from None
        return replace(w, sha256=sha256sum(path), hf_repo=w.hf_repo or f"local/{arch}.{w.tag}")
    if "bands" in config and "sensor" in config:  # a `fusionzoo convert` folder: flat fields
        src = config.get("source") or {}
        return Weights(
            tag=config.get("tag", "converted"), sensor=config["sensor"], bands=tuple(config["bands"]),
            wavelengths=tuple(config["wavelengths"]) if config.get("wavelengths") else None,
            ratio=int(config.get("ratio", config.get("model_kwargs", {}).get("ratio", 4))),
            bit_depth=int(config.get("bit_depth", 11)), scaling=config.get("scaling", ""),
            normalization="none beyond the scaling",
            train_data=({"name": src.get("project", "unknown"), "terms": config.get("license", "unknown")},),
            eval_data=(), metrics={}, num_params=int(config.get("num_params", 0)),
            license=config.get("license", "unknown"), recipe=config.get("converted_with", ""),
            sha256=sha256sum(path), hf_revision="", model_kwargs=dict(config.get("model_kwargs", {})),
            description=f"converted from {src.get('file', 'a third-party checkpoint')}",
            hf_repo=f"local/{arch}.{config.get('tag', 'converted')}")
    return None


def _file_bands(sd: dict[str, torch.Tensor], model: torch.nn.Module, band_layers: dict, new_bands: int | None
                ) -> int | None:
    """How many MS bands the weights in ``sd`` were made for, read off the first band-dependent layer."""
    if not band_layers or new_bands is None:
        return None
    name, spec = next(iter(band_layers.items()))
    if name not in sd:
        return None
    dim, _, group = band_dims(spec)[0]
    extra = model.state_dict()[name].shape[dim] - new_bands * group  # entries that are not bands (e.g. the PAN)
    return (sd[name].shape[dim] - extra) // group


def _takes(cls: type, name: str) -> bool:
    """Whether the constructor of ``cls`` (or of a base it passes ``**kwargs`` on to) takes argument ``name``."""
    return any(name in inspect.signature(c.__init__).parameters for c in cls.__mro__ if "__init__" in vars(c))


def _strict_load(model: torch.nn.Module, sd: dict[str, torch.Tensor], path: Path, what: str) -> None:
    """Load strictly; a file that does not fit says which parameters differ, in one line."""
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        own = model.state_dict()
        missing = [k for k in own if k not in sd]
        extra = [k for k in sd if k not in own]
        shapes = [f"{k} {tuple(sd[k].shape)} vs {tuple(v.shape)}" for k, v in own.items()
                  if k in sd and sd[k].shape != v.shape]
        parts = [f"{len(missing)} parameters missing (e.g. {', '.join(missing[:3])})" if missing else "",
                 f"{len(extra)} unexpected (e.g. {', '.join(extra[:3])})" if extra else "",
                 f"shapes differ: {'; '.join(shapes[:3])}" if shapes else ""]
        why = "; ".join(x for x in parts if x) or " ".join(str(e).split())[:200]
        raise WeightsError(f"{path} does not fit {what}: {why}") from None


def build_model(
    cls: type[torch.nn.Module],
    arch: str,
    pretrained: bool = False,
    tag: str | None = None,
    checkpoint: str | os.PathLike | None = None,
    source: str = "auto",
    **kwargs: Any,
) -> torch.nn.Module:
    """Instantiate ``cls`` for the registered ``arch`` and, if asked, load its weights ``tag``.

    Constructor arguments start from the weights' ``model_kwargs`` (so ``create_model("pnn")`` has the
    band count of its default weights) and are overridden by ``kwargs``.  When ``bands`` is given and differs
    from the weights', the band-dependent layers are adapted before a strict load, with a logged warning, and
    ``pretrained_cfg`` is None (the record no longer describes the model).

    ``checkpoint`` (the user's own weights: a ``.safetensors`` file or a folder holding ``model.safetensors``)
    is described by its ``config.json`` or safetensors header (:func:`checkpoint_config`, written by
    ``fusionzoo finetune`` / ``export-weights`` / ``convert`` / ``publish``): its architecture must be
    ``arch``, its ``model_kwargs`` are the defaults and its record becomes ``pretrained_cfg``.  A file without
    a description is the published file of ``arch`` when its sha256 is one (``pretrained_cfg`` that record),
    otherwise unknown (``pretrained_cfg`` None).  Refused, each with the fix: a description of another
    architecture; bands or ratio other than those of an explicitly named ``arch.tag`` or of an explicit
    ``ratio=``; a file for another band count than the model's unless ``bands=`` asks for the adaptation.
    """
    entry = get_arch(arch)
    cfg = entry.cfg
    weights = None
    if cfg.weights:
        weights = cfg.weights[0] if tag is None else next(w for w in cfg.weights if w.tag == tag)
    elif (pretrained or tag is not None) and checkpoint is None:
        raise WeightsError(f"model {arch!r} has no pretrained weights "
                           f"(it is {'a classical method' if cfg.classical else 'untrained'})")
    described, path, c_kwargs = weights, None, None
    if checkpoint is not None:
        path = resolve_weights_file(weights, checkpoint=checkpoint) if weights else checkpoint_file(checkpoint)
        config = checkpoint_config(path)
        if config is not None:
            c_arch = config.get("architecture") or config.get("arch")
            if c_arch and c_arch != arch:
                raise WeightsError(f"{path} holds {c_arch} weights, not {arch}; load them with "
                                   f"create_model({c_arch!r}, checkpoint=...) (or --model {c_arch})")
            described = _record_from_config(config, path, arch)
            c_kwargs = dict(config.get("model_kwargs") or (described.model_kwargs if described else {}))
        else:
            sha = sha256sum(path)
            described = next((w for w in cfg.weights if w.sha256 == sha), None)  # a copy of a published file
            c_kwargs = dict(described.model_kwargs) if described is not None else None
        if c_kwargs is not None:
            for key in ("bands", "ratio"):
                if tag is not None and weights is not None and key in c_kwargs \
                        and c_kwargs[key] != weights.model_kwargs.get(key, c_kwargs[key]):
                    raise WeightsError(
                        f"{path} holds {arch} weights for {key}={c_kwargs[key]}, but {arch}.{tag} is for {key}="
                        f"{weights.model_kwargs[key]}; load them with create_model({arch!r}, checkpoint=...) "
                        f"(without the tag)")
            if "ratio" in kwargs and "ratio" in c_kwargs and kwargs["ratio"] != c_kwargs["ratio"]:
                raise WeightsError(f"{path} holds weights trained at resolution ratio {c_kwargs['ratio']}, but "
                                   f"ratio={kwargs['ratio']} was asked; use data of ratio {c_kwargs['ratio']}")
    init = dict(c_kwargs) if c_kwargs is not None else dict(weights.model_kwargs) if weights is not None else {}
    # metadata the model keeps for clear errors (band names, sensor)
    if described is not None and _takes(cls, "band_names"):
        init.setdefault("band_names", described.bands)
    if "bands" in kwargs and described is not None and kwargs["bands"] != described.num_bands:
        init.pop("band_names", None)
    # a model built for other inputs or classes than the weights' (e.g. to train on one's own data) does not
    # inherit the metadata that describes the weights' data (class names, raster preprocessing)
    if any(k in kwargs for k in getattr(cls, "shape_kwargs", ())):
        for k in getattr(cls, "data_kwargs", ()):
            if k not in kwargs:
                init.pop(k, None)
    init.update(kwargs)
    model = cls(**init)
    # the record describes the model only while the band count is the weights' own
    nb = getattr(model, "num_bands", None)  # None: any band count (classical methods, 3D-FCNN)
    same_bands = described is not None and (nb is None or nb == described.num_bands)
    model.pretrained_cfg = described if same_bands else None  # type: ignore[assignment]
    if not (pretrained or checkpoint is not None):
        return model
    if path is None:  # the published weights, checked against their record
        path = resolve_weights_file(weights, source=source)
        sd = load_state_dict(path, sha256=weights.sha256)
    else:  # the user's own file: its hash is its own
        sd = load_state_dict(path)
    what = f"{arch}{f'.{tag}' if tag else ''}({', '.join(f'{k}={v}' for k, v in init.items() if k != 'band_names')})"
    new_bands = getattr(model, "num_bands", None)
    old_bands = _file_bands(sd, model, cfg.band_layers, new_bands)
    if old_bands is not None and old_bands != new_bands:
        if checkpoint is not None and "bands" not in kwargs:
            raise WeightsError(f"{path} holds weights for {old_bands} MS bands, but {what} takes {new_bands}; pass "
                               f"bands={old_bands} to load them as they are, or bands={new_bands} to adapt their "
                               f"band-dependent layers (see adapt_band_layers)")
        src = described if described is not None and old_bands == described.num_bands else None
        sd = adapt_band_layers(sd, cfg.band_layers, old_bands, new_bands, src.wavelengths if src else None,
                               kwargs.get("wavelengths"))
        model.pretrained_cfg = None  # type: ignore[assignment]
        log.warning("%s: weights trained on %d bands%s adapted to %d bands (see adapt_band_layers); "
                    "pretrained_cfg is None", arch, old_bands, f" {list(src.bands)}" if src else "", new_bands)
    _strict_load(model, sd, path, what)
    return model
