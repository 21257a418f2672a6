"""The model registry: every architecture and every set of weights, by name.

The registry imports no model family: importing :mod:`fusionzoo` (its ``models`` subpackage) registers them.

Names are ``arch`` or ``arch.tag``; the tag names a set of weights (what they were trained on), and an
architecture's first tag is its default.  A family file registers its architectures with
:func:`register_model` on thin entry-point functions, after the module-level ``default_cfgs`` that
describes each architecture (:class:`ArchConfig`) and its weights (:class:`~fusionzoo.weights.Weights`).
An architecture may also be known by aliases (:func:`register_alias`, e.g. ``gihs`` for ``ihs``): every look-up
accepts them, ``fusionzoo info`` shows them, and listings name each architecture once, by its own name.
"""

from __future__ import annotations

import difflib
import fnmatch
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import torch

from .tasks import get_task, list_tasks
from .weights import HUB_ORG, Weights

__all__ = ["ArchConfig", "register_model", "register_alias", "list_aliases", "list_models", "create_model", "get_arch",
           "list_archs", "split_name"]


@dataclass(frozen=True)
class ArchConfig:
    """What an architecture is: its task, inputs, paper and its sets of weights (first = default).

    ``inputs`` names the modalities of the task's forward contract the model takes, e.g. ``("hs",)`` for an HS
    super-resolution model (default: all of the task's, e.g. ``("ms", "pan")``).
    ``band_layers`` maps parameters whose size follows the number of MS bands to the dimension indexing
    them (see :func:`~fusionzoo.weights.adapt_band_layers`).
    """

    task: str
    paper: str
    summary: str
    inputs: tuple[str, ...] = ()  # default: every modality of the task, in its order
    weights: tuple[Weights, ...] = ()
    classical: bool = False
    fitted: bool = False  # optimised on each input itself (e.g. CUCaNet): neither classical nor pretrained
    band_layers: dict[str, int] = field(default_factory=dict)
    card: str = ""  # file name under model_cards/
    url: str = ""

    @property
    def kind(self) -> str:
        """``"classical"`` (no parameters), ``"fitted"`` (optimised on each input) or ``"learned"``."""
        return "classical" if self.classical else "fitted" if self.fitted else "learned"

    def __post_init__(self) -> None:
        if self.task not in list_tasks():
            raise ValueError(f"task must be one of {list_tasks()}, got {self.task!r}")
        if not self.inputs:
            object.__setattr__(self, "inputs", get_task(self.task).input_names)
        unknown = [i for i in self.inputs if i not in get_task(self.task).input_names]
        if unknown:
            raise ValueError(f"inputs {unknown} are not modalities of task {self.task} "
                             f"({', '.join(get_task(self.task).input_names)})")
        tags = [w.tag for w in self.weights]
        if len(set(tags)) != len(tags):
            raise ValueError(f"duplicate weights tags {tags}")


@dataclass
class _Entry:
    arch: str
    fn: Callable[..., torch.nn.Module]
    cfg: ArchConfig
    module: str


_REGISTRY: dict[str, _Entry] = {}
_ALIASES: dict[str, str] = {}  # alias -> architecture


def split_name(name: str) -> tuple[str, str | None]:
    """``"pnn.wv23"`` -> ``("pnn", "wv23")``; ``"pnn"`` -> ``("pnn", None)``."""
    arch, _, tag = name.partition(".")
    return arch, (tag or None)


def register_model(fn: Callable[..., torch.nn.Module]) -> Callable[..., torch.nn.Module]:
    """Register an entry point under its function name; its config is ``default_cfgs[name]`` of its module."""
    arch = fn.__name__
    if arch in _ALIASES:
        raise ValueError(f"model name {arch!r} is already an alias of {_ALIASES[arch]!r}; names must be unique")
    if arch in _REGISTRY:
        raise ValueError(f"model {arch!r} is already registered (by {_REGISTRY[arch].module}); names must be unique")
    mod = sys.modules[fn.__module__]
    cfgs = getattr(mod, "default_cfgs", {})
    if arch not in cfgs:
        raise ValueError(f"{fn.__module__}.default_cfgs has no entry {arch!r} for the model being registered")
    cfg = cfgs[arch]
    cfg = replace(cfg, weights=tuple(replace(w, hf_repo=w.hf_repo or f"{HUB_ORG}/{arch}.{w.tag}")
                                     for w in cfg.weights))
    cfgs[arch] = cfg
    _REGISTRY[arch] = _Entry(arch, fn, cfg, fn.__module__)
    fn.__fusionzoo_arch__ = arch  # type: ignore[attr-defined]
    return fn


def register_alias(alias: str, arch: str) -> None:
    """Make ``alias`` another name of the registered architecture ``arch`` (``alias`` and ``alias.tag`` then
    resolve to ``arch`` and ``arch.tag`` everywhere; listings keep ``arch`` only)."""
    if arch not in _REGISTRY:
        raise ValueError(f"cannot alias {alias!r} to {arch!r}: no such registered model")
    if alias in _REGISTRY or alias in _ALIASES:
        raise ValueError(f"model name {alias!r} is already taken; names must be unique")
    if not alias or "." in alias:
        raise ValueError(f"an alias is a plain name without a tag, got {alias!r}")
    _ALIASES[alias] = arch


def list_aliases(arch: str | None = None) -> dict[str, str]:
    """``{alias: architecture}``, sorted by alias; only the aliases of ``arch`` when given."""
    return {a: t for a, t in sorted(_ALIASES.items()) if arch is None or t == arch}


def _unknown(name: str, choices: list[str]) -> KeyError:
    close = difflib.get_close_matches(name, choices, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return KeyError(f"unknown model {name!r}{hint} (`fusionzoo list` shows every model)")


def get_arch(name: str) -> _Entry:
    """The registry entry of ``arch`` or ``arch.tag``, ``arch`` possibly an alias (raises a ``KeyError`` naming
    close matches)."""
    arch, _ = split_name(name)
    arch = _ALIASES.get(arch, arch)
    if arch not in _REGISTRY:
        raise _unknown(arch, [*_REGISTRY, *_ALIASES])
    return _REGISTRY[arch]


def get_weights(name: str) -> Weights:
    """The weights record of ``arch.tag`` (or the default tag of ``arch``); ``arch`` may be an alias."""
    entry = get_arch(name)
    _, tag = split_name(name)
    ws = entry.cfg.weights
    if not ws:
        raise KeyError(f"model {entry.arch!r} has no pretrained weights")
    if tag is None:
        return ws[0]
    for w in ws:
        if w.tag == tag:
            return w
    raise _unknown(f"{entry.arch}.{tag}", [f"{entry.arch}.{w.tag}" for w in ws])


def list_archs() -> list[str]:
    """Every registered architecture, by its own name (aliases: :func:`list_aliases`)."""
    return sorted(_REGISTRY)


def list_models(task: str | None = None, pretrained: bool | None = None, pattern: str | None = None) -> list[str]:
    """Registered names: ``arch.tag`` for every set of weights, plain ``arch`` for those without.

    ``task`` filters by task, ``pretrained=True`` keeps only names with weights (``False`` only those
    without), ``pattern`` is a shell wildcard (``"pnn*"``).
    """
    if task is not None and task not in list_tasks():
        raise ValueError(f"task must be one of {list_tasks()}, got {task!r}")
    names = []
    for arch in sorted(_REGISTRY):
        e = _REGISTRY[arch]
        if task is not None and e.cfg.task != task:
            continue
        if e.cfg.weights:
            if pretrained is False:
                continue
            names += [f"{arch}.{w.tag}" for w in e.cfg.weights]
        elif pretrained is not True:
            names.append(arch)
    if pattern is not None:
        names = [n for n in names if fnmatch.fnmatch(n, pattern)]
    return names


def create_model(name: str, pretrained: bool = False, **overrides: Any) -> torch.nn.Module:
    """Create a registered model, optionally with its pretrained weights.

    ``name`` is ``arch`` (default weights) or ``arch.tag``, ``arch`` its name or an alias.  ``overrides`` go to
    the constructor (e.g. ``bands=4`` to fine-tune 8-band weights on a 4-band sensor: the band-dependent layers
    are adapted, see :func:`~fusionzoo.weights.adapt_band_layers`), plus ``checkpoint=`` (a local file or folder) and
    ``source=`` (``"auto"``, ``"local"``, ``"hub"``) for where the weights come from.
    """
    entry = get_arch(name)
    _, tag = split_name(name)
    if tag is not None:
        get_weights(name)  # validates the tag
    return entry.fn(pretrained=pretrained, tag=tag, **overrides)
