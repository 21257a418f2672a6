"""The task abstraction: what a task's models take and return, and how the shared machinery (command line,
trainers, benchmark, model cards, Hub cards) handles it.

A task is one object (a :class:`Task` subclass instance registered with :func:`register_task`).  The shared
modules never test a task's name: they ask the task.  Adding a task means writing its file here and its model
subpackage, nothing else (see CONTRIBUTING.md, "Adding a task").
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover

    from ..weights import Weights

__all__ = ["Modality", "InputSpec", "Task", "TaskError"]


class TaskError(ValueError):
    """Inputs or outputs that do not fit a task (one line, says what to change)."""


@dataclass(frozen=True)
class Modality:
    """One input of a task's forward contract.

    ``kind`` is ``"image"`` ((B, C, H, W) at the modality's own resolution), ``"pixels"`` ((B, C) vectors) or
    ``"patch"`` ((B, C, k, k) neighbourhoods).
    """

    name: str
    description: str
    required: bool = True
    kind: str = "image"


@dataclass(frozen=True)
class InputSpec:
    """What a set of weights expects of one input modality."""

    sensor: str
    bands: tuple[str, ...]
    wavelengths: tuple[float, ...] | None
    scaling: str
    bit_depth: int | None = None
    ratio: int | None = None  # resolution ratio to the output grid (1: already on it)
    gsd: float | None = None  # ground sampling distance in metres, where known

    def problems(self) -> list[str]:
        out = []
        if not self.sensor:
            out.append("sensor must be named")
        if not self.bands:
            out.append("bands must list the input bands in order")
        if self.wavelengths is not None and len(self.wavelengths) != len(self.bands):
            out.append("wavelengths must have one entry per band")
        if not self.scaling:
            out.append("scaling must say how inputs are scaled")
        if self.bit_depth is not None and not 1 <= self.bit_depth <= 32:
            out.append("bit_depth must be an integer in 1..32")
        if self.ratio is None and self.gsd is None:
            out.append("ratio or gsd must be given")
        return out


class Task:
    """Base of the task objects.  Subclasses set the class attributes and override what differs.

    ``modalities``: the inputs, in the positional order of ``model(...)``; ``output``: what a model returns;
    ``metrics``: the default metrics; ``protocols``: evaluation protocol name -> description; ``primary``: the
    modality whose bands the flat fields of a :class:`~fusionzoo.weights.Weights` record describe.
    """

    name: str = ""
    title: str = ""
    modalities: tuple[Modality, ...] = ()
    output: str = ""
    metrics: tuple[str, ...] = ()
    protocols: Mapping[str, str] = {}
    primary: str = ""
    #: command-line shorthand (``fusionzoo pansharpen``): its name, help and default model ("" for none)
    shorthand: str = ""
    shorthand_help: str = ""
    default_model: str = ""
    #: ``fusionzoo benchmark <task>``: one line; the protocol module ``fusionzoo.benchmarks.<benchmark_module>``
    #: (its ``DESCRIPTION``, ``add_arguments(parser)``, ``run_cli(args)``) and its function ``benchmark_runner``
    benchmark_summary: str = "no benchmark protocol yet"
    benchmark_module: str = ""
    benchmark_runner: str = ""

    # --- the forward contract ---------------------------------------------------------------------------
    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.modalities)

    def modality(self, name: str) -> Modality:
        for m in self.modalities:
            if m.name == name:
                return m
        raise KeyError(f"task {self.name} has no modality {name!r}; it takes {', '.join(self.input_names)}")

    def describe_inputs(self, w: "Weights") -> dict[str, InputSpec]:
        """Per modality, what the weights ``w`` expect (the primary from the record's flat fields, the others
        from ``w.modalities``)."""
        out = {}
        for m in self.modalities:
            if m.name in w.modalities:
                out[m.name] = InputSpec(**_spec_kwargs(w.modalities[m.name]))
            elif m.name == (w.primary or self.primary):
                out[m.name] = InputSpec(sensor=w.sensor, bands=tuple(w.bands), wavelengths=w.wavelengths,
                                        scaling=w.scaling, bit_depth=w.bit_depth, ratio=w.ratio)
        return out

    def weights_problems(self, w: "Weights") -> list[str]:
        """Task-specific schema checks of a weights record (beyond :func:`~fusionzoo.weights.validate_weights_metadata`)."""
        specs = self.describe_inputs(w)
        out = []
        for m in self.modalities:
            if m.required and m.name not in specs:
                out.append(f"input {m.name!r} is not described (give it in modalities=)")
        for name, spec in specs.items():
            out += [f"{name}: {p}" for p in spec.problems()]
        return out

    # --- command line -----------------------------------------------------------------------------------
    def add_run_arguments(self, parser: argparse.ArgumentParser, names: Sequence[str]) -> None:
        """Options of ``fusionzoo run MODEL``: one ``--<modality> FILE`` per input of the model, then the
        task's own."""
        for n in names:
            m = self.modality(n)
            parser.add_argument(f"--{n}", metavar=f"{n.upper()}.tif", required=m.required,
                                help=f"{m.description} (GeoTIFF)")
        parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
        parser.add_argument("-o", "--output", required=True, metavar="OUT.tif",
                            help="output GeoTIFF; a quicklook PNG is written beside it")

    def run_cli(self, name: str, args: argparse.Namespace) -> int:  # pragma: no cover - overridden
        raise TaskError(f"the command line cannot run {self.name} models yet")

    def _benchmark_protocol(self) -> Any:
        if not self.benchmark_module:
            raise TaskError(f"task {self.name} has no benchmark protocol yet")
        import importlib

        return importlib.import_module(f"fusionzoo.benchmarks.{self.benchmark_module}")

    @property
    def benchmark_description(self) -> str:
        """The long description of ``fusionzoo benchmark <task>`` (the protocol module's ``DESCRIPTION``)."""
        return self._benchmark_protocol().DESCRIPTION if self.benchmark_module else ""

    def add_benchmark_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Options of ``fusionzoo benchmark <task>``."""
        if self.benchmark_module:
            self._benchmark_protocol().add_arguments(parser)

    def benchmark_cli(self, args: argparse.Namespace) -> int:
        return self._benchmark_protocol().run_cli(args)

    def benchmark(self, **kwargs: Any) -> Any:
        return getattr(self._benchmark_protocol(), self.benchmark_runner)(**kwargs)

    # --- cards ------------------------------------------------------------------------------------------
    def weights_section(self, arch: str) -> str:
        """The generated Markdown section of an architecture's model card (empty: none)."""
        return ""

    def heldout_table(self) -> str:
        """The README's table of this task's weights on their held-out data (empty: none)."""
        return ""

    def hub_rows(self, w: "Weights") -> list[tuple[str, str]]:
        """Rows of the Hub card's metadata table that describe the inputs."""
        rows = []
        for name, spec in self.describe_inputs(w).items():
            rows.append((f"Input `{name}`", f"{spec.sensor}, {len(spec.bands)} bands, scaling: {spec.scaling}"))
        return rows

    def usage_lines(self, name: str, w: "Weights") -> list[str]:
        """The Python snippet of the Hub card (inside a code block, after ``model = create_model(...)``)."""
        args = ", ".join(f"{m.name}={m.name}" for m in self.modalities if m.required)
        return ["with torch.no_grad():", f"    out = model({args})"]



def _spec_kwargs(d: Mapping[str, Any]) -> dict[str, Any]:
    d = dict(d)
    d["bands"] = tuple(d["bands"])
    if d.get("wavelengths") is not None:
        d["wavelengths"] = tuple(d["wavelengths"])
    return d
