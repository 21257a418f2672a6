"""The generated sections of the pansharpening model cards and the README's held-out table, made from the
``Weights`` records (tags, training and held-out data, held-out metrics beside the baselines measured on the
same images, and how each tag stands against the best of those baselines)."""

from __future__ import annotations


from ..metrics.base import HIGHER_IS_BETTER, is_better
from ..registry import get_arch, list_models
from ..weights import Weights

__all__ = ["weights_section", "heldout_table"]

_REDUCED = ("Q2n", "SAM", "ERGAS", "SCC")
_FULL = ("D_lambda", "D_s", "HQNR")


def _v(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def _names(entries) -> str:
    return ", ".join(f"`{e['name']}`" for e in entries)


def _get(scores: dict, ds: str, protocol: str, metric: str) -> float | None:
    return scores.get(ds, {}).get(protocol, {}).get(metric)


def _verdicts(name: str, w: Weights, classical: list[str]) -> list[str]:
    """One line per held-out image: the tag against the best classical baseline on Q2n and SAM."""
    out = []
    for ds in w.metrics:
        parts = []
        for metric in ("Q2n", "SAM"):
            mine = _get(w.metrics, ds, "reduced_resolution", metric)
            best = _best(w, ds, metric, classical)
            if mine is None or best is None:
                continue
            better = is_better(metric, mine, best[1])
            parts.append(f"{metric} {mine:.4f} vs {best[1]:.4f} (`{best[0]}`): "
                         f"{'beats it' if better else 'does not beat it'}")
        if parts:
            out.append(f"- `{name}` on `{ds}`: " + "; ".join(parts) + ".")
    return out


def _best(w: Weights, ds: str, metric: str, classical: list[str]) -> tuple[str, float] | None:
    cands = [(b, _get(w.baselines[b], ds, "reduced_resolution", metric)) for b in classical]
    cands = [(b, v) for b, v in cands if v is not None]
    return (max if HIGHER_IS_BETTER[metric] else min)(cands, key=lambda bv: bv[1]) if cands else None


def _classical(w: Weights) -> list[str]:
    names = set(list_models(task="pansharpening"))
    return [b for b in w.baselines if b in names and get_arch(b).cfg.classical and b != "exp"]


def heldout_table() -> str:
    """Every pansharpening ``arch.tag`` on its held-out images: reduced-resolution Q2n, SAM, ERGAS and
    full-resolution HQNR, beside the best classical baseline on the same image (Markdown)."""
    lines = ["| weights | held-out image | Q2n | SAM | ERGAS | HQNR | best classical Q2n | best classical SAM |",
             "|---|---|---:|---:|---:|---:|---|---|"]
    for name in list_models(task="pansharpening", pretrained=True):
        w = get_arch(name).cfg.weights[[x.tag for x in get_arch(name).cfg.weights].index(name.split(".")[1])]
        for ds in w.metrics:
            cells = [_v(_get(w.metrics, ds, "reduced_resolution", m)) for m in ("Q2n", "SAM", "ERGAS")]
            cells.append(_v(_get(w.metrics, ds, "full_resolution", "HQNR")))
            for m in ("Q2n", "SAM"):
                b = _best(w, ds, m, _classical(w))
                cells.append("-" if b is None else f"{b[1]:.4f} (`{b[0]}`)")
            lines.append(f"| `{name}` | `{ds}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def weights_section(arch: str) -> str:
    """The generated Markdown of ``arch``'s weights (empty string when it has none)."""
    weights = get_arch(arch).cfg.weights
    if not weights:
        return ""
    lines = ["## fusionzoo weights", "",
             "| tag | bands | parameters | trained on (Wald's protocol) | held-out images | recipe |",
             "|---|---|---:|---|---|---|"]
    for i, w in enumerate(weights):
        tag = f"`{arch}.{w.tag}`" + (" (default)" if i == 0 else "")
        lines.append(f"| {tag} | {w.num_bands}: {', '.join(w.bands)} | {w.num_params:,} | "
                     f"{_names(w.train_data)} | {_names(w.eval_data)} | `{w.recipe}` |")
    lines += ["", "Held-out images, never seen in training. Reduced resolution: against the reference, DN scale, "
              "20/21-pixel border cut, SAM in degrees. Full resolution: the same images' input pair at its native "
              "scale, without the reference. The other rows are classical methods run on the same images.", ""]
    verdicts: list[str] = []
    for w in weights:
        name = f"{arch}.{w.tag}"
        lines += [f"### `{name}`", "", w.description, "",
                  "| image | method | " + " | ".join(_REDUCED + _FULL) + " |",
                  "|---|---|" + "---:|" * (len(_REDUCED) + len(_FULL))]
        for ds in w.metrics:
            rows = [(f"**`{name}`**", w.metrics)] + [(f"`{b}`", s) for b, s in w.baselines.items()]
            for j, (label, scores) in enumerate(rows):
                cells = [_v(_get(scores, ds, "reduced_resolution", m)) for m in _REDUCED]
                cells += [_v(_get(scores, ds, "full_resolution", m)) for m in _FULL]
                if j == 0:
                    cells = [f"**{c}**" for c in cells]
                lines.append(f"| {f'`{ds}`' if j == 0 else ''} | {label} | " + " | ".join(cells) + " |")
        lines.append("")
        verdicts += _verdicts(name, w, _classical(w))
    if verdicts:
        lines += ["Against the best classical method on each held-out image (reduced resolution; the target is to "
                  "beat it on Q2n and SAM):", "", *verdicts, ""]
    lines += ["Inference speed of every tag (MPix/s of PAN on this project's 2-core CPU, synthetic 2048 x 2048 "
              "scene): `docs/benchmarks/pansharpening_speed.md`; every method on every real scene: "
              "`docs/benchmarks/pansharpening_reduced.md` and `pansharpening_full.md`.", ""]
    return "\n".join(lines).rstrip() + "\n"
