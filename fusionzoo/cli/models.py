"""``fusionzoo list`` and ``fusionzoo info``: the registry as tables and descriptions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from ..cards import MODEL_CARDS_DIR, _default_params
from ..registry import get_arch, get_weights, list_aliases, list_models, split_name
from ..tasks import get_task
from ..weights import Weights

__all__ = ["cmd_list", "cmd_info"]


def _fmt_int(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _weights_of(name: str) -> Weights | None:
    entry = get_arch(name)
    _, tag = split_name(name)
    if tag is None and not entry.cfg.weights:
        return None
    return get_weights(name)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])



def cmd_list(args: argparse.Namespace) -> int:
    names = list_models(task=args.task, pretrained=True if args.pretrained else None, pattern=args.pattern)
    if not names:
        print("no model matches", file=sys.stderr)
        return 0
    rows = []
    for name in names:
        cfg = get_arch(name).cfg
        w = _weights_of(name)
        if cfg.classical or cfg.fitted:
            avail = "not needed" + (" (fitted to each input)" if cfg.fitted else "")
        elif w is not None:
            avail = f"yes ({w.sensor}, {w.bands_summary})"
        else:
            avail = "no (not trained yet)"
        inputs = (w.model_kwargs.get("modalities") if w is not None else None) or cfg.inputs
        rows.append([name, cfg.task, "+".join(inputs), cfg.kind, avail])
    print(_table(["name", "task", "inputs", "kind", "weights"], rows))
    return 0


# --- info ------------------------------------------------------------------------------------------------
def _card_path(cfg) -> Path | None:
    if not cfg.card:
        return None
    p = MODEL_CARDS_DIR / cfg.card  # present in a source checkout only
    return p if p.is_file() else None


def _fmt_metrics(metrics) -> list[str]:
    out = []
    for ds, protocols in metrics.items():
        for proto, vals in protocols.items():
            v = ", ".join(f"{k}={x:.4g}" if isinstance(x, float) else f"{k}={x}" for k, x in vals.items())
            out.append(f"{ds} / {proto}: {v}")
    return out


def cmd_info(args: argparse.Namespace) -> int:
    entry = get_arch(args.name)
    name, tag = split_name(args.name)
    arch = entry.arch  # the architecture's own name when args.name is an alias
    cfg = entry.cfg
    weights = [get_weights(args.name)] if tag is not None else list(cfg.weights)
    aliases = list(list_aliases(arch))
    lines = [f"{arch}: {cfg.summary}" + (f" ({name!r} is an alias of {arch!r})" if name != arch else ""),
             f"  task:    {cfg.task} ({cfg.kind})",
             f"  inputs:  {', '.join(cfg.inputs)}",
             f"  paper:   {cfg.paper}"]
    if aliases:
        lines.append(f"  aliases: {', '.join(aliases)}")
    if cfg.url:
        lines.append(f"  url:     {cfg.url}")
    card = _card_path(cfg)
    if card is not None:
        lines.append(f"  card:    {card}")
    if not weights:
        lines.append(f"  params:  {_default_params(arch)} (default configuration)")
        lines.append("  weights: none needed (classical method)" if cfg.classical
                     else "  weights: none needed (fitted to each input)" if cfg.fitted
                     else "  weights: none yet (the architecture can be trained, see `fusionzoo list --pretrained`)")
    for i, w in enumerate(weights):
        default = " (default)" if cfg.weights and w.tag == cfg.weights[0].tag else ""
        wl = f" at {', '.join(f'{x:g}' for x in w.wavelengths)} nm" if w.wavelengths else ""
        lines += [
            "",
            f"  {arch}.{w.tag}{default}" + (f": {w.description}" if w.description else ""),
            f"    sensor:      {w.sensor}",
            f"    bands:       {w.num_bands}: {', '.join(w.bands)}{wl}",
            f"    ratio:       {w.ratio}",
            f"    bit depth:   {w.bit_depth} (inputs scaled as {w.scaling}; {w.normalization})",
            f"    parameters:  {_fmt_int(w.num_params)}",
            *(f"    input {m}:{' ' * max(1, 8 - len(m))}{s.sensor}, {len(s.bands)} bands ({', '.join(s.bands)}), "
              f"{s.scaling}" for m, s in get_task(cfg.task).describe_inputs(w).items()),
            *([f"    classes:     {', '.join(w.class_names)}"] if w.classes else []),
            "    trained on:  " + "; ".join(f"{d['name']} ({d['terms']})" for d in w.train_data),
            "    evaluated:   " + "; ".join(f"{d['name']} ({d['terms']})" for d in w.eval_data),
            "    metrics:",
            *(f"      {m}" for m in _fmt_metrics(w.metrics)),
        ]
        if w.baselines:
            lines.append("    baselines (same data):")
            for method, metrics in w.baselines.items():
                lines += [f"      {method}: {m}" for m in _fmt_metrics(metrics)]
        lines += [
            f"    licence:     {w.license}",
            f"    recipe:      {w.recipe}",
            f"    hub:         {w.hf_repo} @ {w.hf_revision}",
            f"    sha256:      {w.sha256}",
        ]
    print("\n".join(lines))
    return 0
