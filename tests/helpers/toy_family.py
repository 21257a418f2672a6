"""A tiny pansharpening architecture for the tests only: ``toypan`` with one set of weights, ``toypan.synth``.

It is a model family laid out like ``fusionzoo/models/pansharpening/pnn.py`` (module, configs, entry point), but it is not
registered on import: :func:`register` adds it to fusionzoo's registry (once per process, however often this
module is imported) and :func:`unregister` takes it out again, so other test files never see it.

The weights are deterministic (no random initialisation), so the file's bytes and sha256 are the same on
every machine; :func:`write_weights` puts them where ``FUSIONZOO_WEIGHTS_DIR`` or a published folder expects
them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import save as _save_bytes
from torch import nn

from fusionzoo import registry
from fusionzoo.builder import build_model
from fusionzoo.models.pansharpening.base import PansharpeningModel
from fusionzoo.registry import ArchConfig, register_model
from fusionzoo.weights import Weights

ARCH = "toypan"
TAG = "synth"
NAME = f"{ARCH}.{TAG}"
REVISION = "v0.1.0"
BANDS = ("blue", "green", "red", "nir")
WAVELENGTHS = (485.0, 560.0, 660.0, 830.0)


# --- modules ---------------------------------------------------------------------------------------------
class ToyPan(PansharpeningModel):
    """Nearest-neighbour upsampling plus a 3x3 convolution of [upsampled MS, PAN] (residual)."""

    def __init__(self, bands: int = 4, ratio: int = 4, **kwargs) -> None:
        super().__init__(bands=bands, ratio=ratio, **kwargs)
        self.conv = nn.Conv2d(bands + 1, bands, 3, padding=1)

    def fuse(self, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        lms = F.interpolate(ms, scale_factor=self.ratio, mode="nearest")
        return lms + self.conv(torch.cat([lms, pan], dim=1))


def toy_state_dict(bands: int = 4) -> dict[str, torch.Tensor]:
    """Deterministic weights: small multiples of 1/64, the same bytes everywhere."""
    ref = ToyPan(bands=bands).state_dict()
    return {k: ((torch.arange(v.numel()) % 13 - 6).float() / 64).reshape(v.shape).contiguous()
            for k, v in ref.items()}


WEIGHTS_BYTES = _save_bytes(toy_state_dict())
SHA256 = hashlib.sha256(WEIGHTS_BYTES).hexdigest()
NUM_PARAMS = sum(v.numel() for v in toy_state_dict().values())

METRICS = {
    "Toy-QB": {
        "reduced_resolution": {"Q4": 0.8123, "SAM": 4.25, "ERGAS": 3.5},
        "full_resolution": {"HQNR": 0.9012},
    },
}
BASELINES = {
    "exp": {"Toy-QB": {"reduced_resolution": {"Q4": 0.6501, "SAM": 5.0, "ERGAS": 6.25},
                       "full_resolution": {"HQNR": 0.8}}},
}


# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    ARCH: ArchConfig(
        task="pansharpening",
        inputs=("ms", "pan"),
        paper="(test only) no paper",
        summary="nearest upsampling + one 3x3 convolution on [upsampled MS, PAN], residual",
        url="https://example.org/toypan",
        band_layers={"conv.weight": 1, "conv.bias": 0},
        card="toypan.md",
        weights=(
            Weights(
                tag=TAG,
                sensor="QB",
                bands=BANDS,
                wavelengths=WAVELENGTHS,
                ratio=4,
                bit_depth=11,
                scaling="DN / (2**11 - 1), no clipping",
                normalization="none",
                train_data=({"name": "Toy-QB", "terms": "CC0-1.0", "url": "https://example.org/toy-qb",
                             "split": "train"},),
                eval_data=({"name": "Toy-QB", "terms": "CC0-1.0", "split": "test"},),
                metrics=METRICS,
                baselines=BASELINES,
                num_params=NUM_PARAMS,
                license="MIT",
                recipe="tests/helpers/toy_family.py",
                sha256=SHA256,
                hf_revision=REVISION,
                model_kwargs={"bands": 4, "ratio": 4},
                description="Synthetic weights of a test-only architecture.",
            ),
        ),
    ),
}


# --- entry point (registered by register()) ---------------------------------------------------------------
def toypan(pretrained: bool = False, **kwargs) -> ToyPan:
    """ToyPan: a test-only pansharpening network."""
    return build_model(ToyPan, ARCH, pretrained, **kwargs)


def register() -> None:
    """Put ``toypan`` in fusionzoo's registry unless it is there already (re-imports included)."""
    import fusionzoo.models  # noqa: F401  (the registry is filled on import)
    if ARCH not in registry._REGISTRY:
        register_model(toypan)


def unregister() -> None:
    entry = registry._REGISTRY.get(ARCH)
    if entry is not None and entry.fn is toypan:
        del registry._REGISTRY[ARCH]


def weights() -> Weights:
    return registry.get_weights(NAME)


def write_weights(base: str | Path) -> Path:
    """``<base>/fusionzoo/toypan.synth/model.safetensors`` (the layout of FUSIONZOO_WEIGHTS_DIR)."""
    p = Path(base) / "fusionzoo" / NAME / "model.safetensors"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(WEIGHTS_BYTES)
    return p
