"""Building a registered model: constructor arguments from its weights, loading, band adaptation."""

from __future__ import annotations

import inspect
import logging
import os
from pathlib import Path
from typing import Any

import torch

from .registry import get_arch
from .weights import WEIGHTS_FILE, WeightsError, adapt_band_layers, band_dims, load_state_dict, resolve_weights_file

log = logging.getLogger(__name__)

__all__ = ["build_model"]


def _checkpoint_file(checkpoint: str | os.PathLike) -> Path:
    p = Path(checkpoint).expanduser()
    if p.is_dir():
        p = p / WEIGHTS_FILE
    if not p.is_file():
        raise FileNotFoundError(f"checkpoint {p} does not exist; pass a .safetensors file or a folder holding "
                                f"{WEIGHTS_FILE}")
    return p


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
    band count of its default weights) and are overridden by ``kwargs``.  When ``bands`` differs from the
    weights', the band-dependent layers are adapted before a strict load.
    """
    entry = get_arch(arch)
    cfg = entry.cfg
    weights = None
    if cfg.weights:
        weights = cfg.weights[0] if tag is None else next(w for w in cfg.weights if w.tag == tag)
    elif pretrained or tag is not None:
        raise WeightsError(f"model {arch!r} has no pretrained weights (it is {'a classical method' if cfg.classical else 'untrained'})")
    init = dict(weights.model_kwargs) if weights is not None else {}
    # metadata the model keeps for clear errors (band names, sensor)
    if weights is not None and _takes(cls, "band_names"):
        init.setdefault("band_names", weights.bands)
    if "bands" in kwargs and weights is not None and kwargs["bands"] != weights.num_bands:
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
    same_bands = weights is not None and (nb is None or nb == weights.num_bands)
    model.pretrained_cfg = weights if same_bands else None  # type: ignore[assignment]
    if not (pretrained or checkpoint is not None):
        return model
    if weights is None:  # an architecture without published weights, loaded from the user's own file
        model.load_state_dict(load_state_dict(_checkpoint_file(checkpoint)), strict=True)
        return model
    path = resolve_weights_file(weights, checkpoint=checkpoint, source=source)
    # an explicit checkpoint may be the user's own fine-tuned file: its hash is not the published one
    sd = load_state_dict(path, sha256=None if checkpoint is not None else weights.sha256)
    new_bands = getattr(model, "num_bands", weights.num_bands)
    old_bands = _file_bands(sd, model, cfg.band_layers, new_bands)
    if old_bands is not None and old_bands != new_bands:
        new_wl = kwargs.get("wavelengths")
        old_wl = weights.wavelengths if old_bands == weights.num_bands else None
        sd = adapt_band_layers(sd, cfg.band_layers, old_bands, new_bands, old_wl, new_wl)
        log.warning("%s: weights trained on %d bands%s adapted to %d bands (see adapt_band_layers)", arch,
                    old_bands, f" {list(weights.bands)}" if old_bands == weights.num_bands else "", new_bands)
    model.load_state_dict(sd, strict=True)
    return model
