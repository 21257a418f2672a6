"""Pretrained weights: their metadata, where they come from, and how they are loaded.

Every set of weights is a :class:`Weights` record (torchvision style) kept beside its architecture in the
model family's file.  The files are published as Hugging Face Hub repositories holding
``model.safetensors`` + ``config.json`` + ``README.md``.  Until the Hub organisation exists the very same
folders ship inside the package under ``fusionzoo/published/<org>/<name>/``, so a source checkout,
``pip install .`` and torch.hub's copy of the repository all load them without the network.

Where a file comes from, in order (:func:`resolve_weights_file`):

1. an explicit ``checkpoint`` path (a ``.safetensors`` file or a folder holding ``model.safetensors``);
2. the folder named by the ``FUSIONZOO_WEIGHTS_DIR`` environment variable, laid out as ``<org>/<name>/``;
3. the copy bundled with the package;
4. the Hub, through :func:`huggingface_hub.hf_hub_download` at the pinned revision (its cache,
   ``HF_HUB_OFFLINE`` and ``HF_ENDPOINT`` work as the Hugging Face documentation describes).

Loading never unpickles: the state dict is read with :mod:`safetensors`, its sha256 is checked against the
record, and it is loaded strictly.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch

__all__ = [
    "Weights",
    "WeightsError",
    "ChecksumError",
    "BandMismatchError",
    "sha256sum",
    "resolve_weights_file",
    "load_state_dict",
    "adapt_band_layers",
    "band_dims",
    "validate_weights_metadata",
    "PUBLISHED_DIR",
    "WEIGHTS_FILE",
    "CONFIG_FILE",
]

log = logging.getLogger(__name__)

PUBLISHED_DIR = Path(__file__).resolve().parent / "published"
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
HUB_ORG = "fusionzoo"


class WeightsError(RuntimeError):
    """Weights could not be found or loaded."""


class ChecksumError(WeightsError):
    """A weights file does not have the sha256 its record names."""


class BandMismatchError(ValueError):
    """Inputs do not have the bands a model expects."""


@dataclass(frozen=True)
class Weights:
    """Metadata of one set of pretrained weights (``arch.tag``).

    ``metrics`` is ``{dataset: {protocol: {metric: value}}}``; ``baselines`` has the same layout for the
    reference methods measured on the same data (e.g. EXP), so a card can put them side by side.
    ``model_kwargs`` are the constructor arguments the weights were trained with (e.g. ``bands``, ``ratio``).
    """

    tag: str
    sensor: str
    bands: tuple[str, ...]
    wavelengths: tuple[float, ...] | None
    ratio: int
    bit_depth: int
    scaling: str
    normalization: str
    train_data: tuple[Mapping[str, str], ...]
    eval_data: tuple[Mapping[str, str], ...]
    metrics: Mapping[str, Mapping[str, Mapping[str, float]]]
    num_params: int
    license: str
    recipe: str
    sha256: str
    hf_revision: str
    model_kwargs: Mapping[str, Any] = field(default_factory=dict)
    baselines: Mapping[str, Mapping[str, Mapping[str, Mapping[str, float]]]] = field(default_factory=dict)
    description: str = ""
    file_name: str = WEIGHTS_FILE
    hf_repo: str = ""  # filled in by the registry: "<org>/<arch>.<tag>"
    # Optional fields, left out of config.json while unset (so records that do not need them keep their files):
    primary: str = ""  # the modality the flat fields above describe (default: the task's primary one)
    modalities: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # the other inputs: name -> InputSpec
    classes: tuple[Mapping[str, Any], ...] = ()  # classifiers: {"name": ..., "color": "#rrggbb"} in output order
    protocol: Mapping[str, Any] = field(default_factory=dict)  # task-specific protocol metadata (split, seeds...)

    @property
    def num_bands(self) -> int:
        return len(self.bands)

    @property
    def bands_summary(self) -> str:
        """``"8 bands"``, or the one entry of a band-count-independent record (e.g. ``"any band count"``)."""
        return f"{self.num_bands} bands" if self.num_bands > 1 or self.wavelengths else self.bands[0]

    @property
    def class_names(self) -> tuple[str, ...]:
        return tuple(c["name"] for c in self.classes)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["bands"] = list(self.bands)
        d["wavelengths"] = list(self.wavelengths) if self.wavelengths else None
        d["train_data"] = [dict(x) for x in self.train_data]
        d["eval_data"] = [dict(x) for x in self.eval_data]
        for k in _OPTIONAL:
            if not d[k]:
                del d[k]
        if "classes" in d:
            d["classes"] = [dict(c) for c in self.classes]
        return d


_OPTIONAL = ("primary", "modalities", "classes", "protocol")


_REQUIRED_STR = ("tag", "sensor", "scaling", "normalization", "license", "recipe", "sha256", "hf_revision",
                 "file_name", "hf_repo")


def validate_weights_metadata(w: Weights, model: torch.nn.Module | None = None, task: str | None = None
                              ) -> list[str]:
    """Check a record against the schema; returns the list of problems (empty when it is valid).

    With ``task`` the task's own checks run too (every input modality described: sensor, bands, wavelengths,
    scaling, ratio or ground sampling; see :meth:`fusionzoo.tasks.Task.weights_problems`).  With ``model``
    (built with ``w.model_kwargs``) the parameter count and the input band count are checked against the
    network itself.
    """
    problems = []
    for k in _REQUIRED_STR:
        if not isinstance(getattr(w, k), str) or not getattr(w, k):
            problems.append(f"{k} must be a non-empty string")
    if len(w.sha256) != 64 or any(c not in "0123456789abcdef" for c in w.sha256):
        problems.append("sha256 must be 64 lowercase hex digits")
    if not w.bands:
        problems.append("bands must list the input bands in order")
    if w.wavelengths is not None and len(w.wavelengths) != len(w.bands):
        problems.append("wavelengths must have one entry per band")
    if not isinstance(w.ratio, int) or w.ratio < 1:
        problems.append("ratio must be a positive integer")
    if not isinstance(w.bit_depth, int) or not 1 <= w.bit_depth <= 32:
        problems.append("bit_depth must be an integer in 1..32")
    for key in ("train_data", "eval_data"):
        entries = getattr(w, key)
        if not entries:
            problems.append(f"{key} must name at least one dataset")
        for e in entries:
            if not {"name", "terms"} <= set(e):
                problems.append(f"each {key} entry needs 'name' and 'terms'")
    if not w.metrics:
        problems.append("metrics must report at least one dataset")
    for ds, protocols in w.metrics.items():
        if not protocols or not all(isinstance(v, (int, float)) for p in protocols.values() for v in p.values()):
            problems.append(f"metrics[{ds!r}] must map protocol -> metric -> number")
    for c in w.classes:
        if "name" not in c:
            problems.append("each class needs a 'name' (and optionally a display 'color')")
    if task is not None:
        from .tasks import get_task

        problems += get_task(task).weights_problems(w)
    if model is not None:
        n = sum(p.numel() for p in model.parameters())
        if n != w.num_params:
            problems.append(f"num_params {w.num_params} differs from the model's {n}")
        nb = getattr(model, "num_bands", None)
        if nb is not None and nb != len(w.bands):
            problems.append(f"{len(w.bands)} band names for a model of {nb} input bands")
    return problems


def sha256sum(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _local_candidate(base: Path, w: Weights) -> Path | None:
    for p in (base / w.hf_repo / w.file_name, base / w.hf_repo.split("/")[-1] / w.file_name):
        if p.is_file():
            return p
    return None


def hub_download(w: Weights, filename: str | None = None, **kwargs: Any) -> Path:
    """Download a published file through the Hugging Face Hub client at the pinned revision."""
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import (EntryNotFoundError, LocalEntryNotFoundError, RepositoryNotFoundError,
                                            RevisionNotFoundError)
    except ImportError as e:  # pragma: no cover - huggingface_hub is a dependency
        raise WeightsError("huggingface_hub is needed to download weights: pip install huggingface_hub") from e
    filename = filename or w.file_name
    try:
        return Path(hf_hub_download(w.hf_repo, filename, revision=w.hf_revision, **kwargs))
    except LocalEntryNotFoundError as e:
        raise WeightsError(
            f"cannot download {filename} of {w.hf_repo} (revision {w.hf_revision}): no network and not in the "
            f"Hugging Face cache. On a machine with network run `hf download {w.hf_repo} "
            f"{filename} --revision {w.hf_revision}` (it fills the cache, ~/.cache/huggingface/hub), or put "
            f"the file in a folder and pass checkpoint=<folder> or set FUSIONZOO_WEIGHTS_DIR=<dir> holding "
            f"{w.hf_repo}/{filename}."
        ) from e
    except (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError) as e:
        raise WeightsError(
            f"{w.hf_repo} has no {filename} at revision {w.hf_revision} on {os.environ.get('HF_ENDPOINT', 'the Hub')} "
            f"({type(e).__name__}); use the copy bundled with fusionzoo (source='auto'), or pass "
            f"checkpoint=<file or folder>") from e


def resolve_weights_file(w: Weights, checkpoint: str | os.PathLike | None = None, source: str = "auto") -> Path:
    """Find the file of ``w``; ``source`` is ``"auto"`` (the order in the module docstring), ``"local"``
    (never the network) or ``"hub"`` (always through the Hub client and its cache)."""
    if source not in ("auto", "local", "hub"):
        raise ValueError(f"source must be 'auto', 'local' or 'hub', got {source!r}")
    if checkpoint is not None:
        p = Path(checkpoint).expanduser()
        if p.is_dir():
            p = p / w.file_name
        if not p.is_file():
            raise FileNotFoundError(f"checkpoint {p} does not exist; pass a .safetensors file or a folder "
                                    f"holding {w.file_name}")
        return p
    if source in ("auto", "local"):
        env = os.environ.get("FUSIONZOO_WEIGHTS_DIR")
        for base in ([Path(env)] if env else []) + [PUBLISHED_DIR]:
            found = _local_candidate(base, w)
            if found is not None:
                return found
        if source == "local":
            raise WeightsError(f"{w.hf_repo}/{w.file_name} is neither bundled nor in FUSIONZOO_WEIGHTS_DIR; "
                               f"use source='auto' or 'hub' to download it")
    return hub_download(w)


def load_state_dict(path: str | os.PathLike, sha256: str | None = None) -> dict[str, torch.Tensor]:
    """Read a ``.safetensors`` state dict (never a pickle), checking its sha256 when one is given."""
    from safetensors.torch import load_file

    path = Path(path)
    if path.suffix not in (".safetensors",):
        raise WeightsError(f"{path}: fusionzoo loads only .safetensors files (pickled checkpoints can run "
                           f"arbitrary code); convert it first, e.g. with `fusionzoo convert`")
    if sha256 is not None:
        got = sha256sum(path)
        if got != sha256:
            raise ChecksumError(f"checksum mismatch for {path}: expected sha256 {sha256}, got {got}. "
                                f"{_why_different(path)}")
    return load_file(str(path))


def _why_different(path: Path) -> str:
    """What a file with another sha256 than the published one is: damaged, or a different (valid) file."""
    import json

    from safetensors import safe_open

    fix_own = ("load your own weights with create_model(ARCH, checkpoint=<its folder>) or `fusionzoo pansharpen "
               "--checkpoint <its folder>`, and keep FUSIONZOO_WEIGHTS_DIR for copies of the published files")
    try:
        with safe_open(str(path), "pt") as f:
            meta = f.metadata() or {}
            for k in f.keys():  # every tensor's bytes lie inside the file
                f.get_slice(k)
    except Exception as e:  # noqa: BLE001 - any failure to parse is damage
        return (f"The file is damaged (not readable as safetensors: {' '.join(str(e).split())[:120]}): delete it "
                f"(and its Hugging Face cache entry) and download it again")
    described = meta.get("fusionzoo_config")
    if described is None and (path.parent / CONFIG_FILE).is_file():
        try:
            side = json.loads((path.parent / CONFIG_FILE).read_text(encoding="utf-8"))
            described = json.dumps(side) if side.get("base_weights") or side.get("training") else None
        except (OSError, ValueError, AttributeError):
            described = None
    if described is not None:
        try:
            base = (json.loads(described).get("base_weights") or {}).get("name")
        except (ValueError, AttributeError):
            base = None
        started = f" (fine-tuned from {base})" if base else ""
        return (f"It is not damaged but a different file than the published one: weights exported by fusionzoo"
                f"{started}; {fix_own}")
    return (f"It is a readable safetensors file, so either a damaged copy or a different file than the published "
            f"one: if it is your own, {fix_own}; otherwise delete it (and its Hugging Face cache entry) and "
            f"download it again")


def _map_bands(old: int, new: int, old_wl: tuple[float, ...] | None, new_wl: tuple[float, ...] | None) -> list[int]:
    """For each new band, the index of the pretrained band whose weights it starts from."""
    if old_wl and new_wl and len(new_wl) == new and len(old_wl) == old:
        return [min(range(old), key=lambda i: abs(old_wl[i] - wl)) for wl in new_wl]
    return [i % old for i in range(new)]


def band_dims(spec: int | str | tuple) -> list[tuple[int, bool, int]]:
    """``1`` / ``"in:1"`` -> [(1, True, 1)]; ``0`` / ``"out:0"`` -> [(0, False, 1)]; ``"out:0*4"`` -> [(0, False,
    4)] (each band owns 4 consecutive entries, as before a PixelShuffle); tuples combine entries."""
    if isinstance(spec, tuple):
        return [d for x in spec for d in band_dims(x)]
    if isinstance(spec, int):
        return [(spec, spec == 1, 1)]
    role, _, rest = str(spec).partition(":")
    dim, _, group = rest.partition("*")
    if role not in ("in", "out") or not dim.lstrip("-").isdigit() or (group and not group.isdigit()) \
            or group == "0":
        raise ValueError(f"band layer spec must be an int, 'in:<dim>', 'out:<dim>' (optionally '*<group size>') or "
                         f"a tuple of them, got {spec!r}")
    return [(int(dim), role == "in", int(group or 1))]


def adapt_band_layers(
    state_dict: dict[str, torch.Tensor],
    band_layers: Mapping[str, int | str | tuple],
    old_bands: int,
    new_bands: int,
    old_wavelengths: tuple[float, ...] | None = None,
    new_wavelengths: tuple[float, ...] | None = None,
) -> dict[str, torch.Tensor]:
    """Adapt pretrained weights to another number of spectral bands.

    ``band_layers`` maps a parameter name to the dimension(s) that index MS bands (the first ``old_bands``
    entries along it; any further entries, such as the PAN channel, are kept as they are): ``1`` or
    ``"in:<dim>"`` for an input dimension, ``0`` or ``"out:<dim>"`` for an output dimension, or a tuple of
    these for a parameter that depends on the bands along several (e.g. ``("in:0", "out:1")`` for a
    transposed convolution from MS to MS); ``"out:0*4"`` when each band owns 4 consecutive entries along the
    dimension (a sub-pixel convolution before ``PixelShuffle(2)``), which are moved together.

    The rule: each new band takes the slice of the pretrained band nearest in centre wavelength when both
    wavelength lists are known, otherwise band ``i % old_bands`` (cyclic repetition, as timm does for input
    channels).  Along an *input* dimension the copied slices are scaled by ``old_bands / new_bands``, so that
    a spectrally flat image produces the same response as before; output slices are copied unchanged.
    """
    src = _map_bands(old_bands, new_bands, old_wavelengths, new_wavelengths)
    out = dict(state_dict)
    for name, spec in band_layers.items():
        t = state_dict[name]
        for dim, is_input, g in band_dims(spec):
            bands_idx = [b * g + j for b in src for j in range(g)]
            idx = torch.tensor(bands_idx + list(range(old_bands * g, t.shape[dim])), dtype=torch.long)
            t = t.index_select(dim, idx).clone()
            if is_input:
                t.narrow(dim, 0, new_bands * g).mul_(old_bands / new_bands)
        out[name] = t
        log.info("adapted %s from %d to %d bands along %s (source bands %s)", name, old_bands, new_bands, spec, src)
    return out
