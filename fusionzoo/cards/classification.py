"""The generated sections of the classification model cards and the README's held-out table, made from the
``Weights`` records (whose numbers are ``fusionzoo/results/classification/*.json``): per tag, every test set of
its protocol with OA / AA / kappa (mean ± standard deviation over seeds, final epoch) beside every method
measured the same way, the per-class accuracies, and whether a fusion tag meets its target (beat each
single-modality counterpart of the same family and budget on OA and kappa)."""

from __future__ import annotations

from ..registry import get_arch, get_weights, list_models
from ..weights import Weights

__all__ = ["weights_section", "heldout_table", "counterparts"]

_TESTS = {"classification": {
    "heldout_blocks": "held-out blocks, every modality (MML)",
    "official_test": "official test, the other modalities zero-filled (CML), BatchNorm in eval mode",
    "official_test_bn_batch": "official test, CML, the authors' BatchNorm on the whole test batch"},
    "crossmodal": {"heldout_blocks": "the test blocks, the test modality alone",
                   "official_test": "the official test pixels, the test modality alone"}}


def _inputs(w: Weights) -> str:
    """The inputs of a tag: ``hs, lidar``; crossmodal: ``lidar (trained with hs, lidar)``."""
    kw = w.model_kwargs
    if kw.get("test_modalities"):
        return f"{', '.join(kw['test_modalities'])} (trained with {', '.join(kw['modalities'])})"
    return ", ".join(kw.get("modalities", ()))


def _pm(d: dict, k: str) -> str:
    return f"{100 * d[k]:.2f} ± {100 * d.get(k + '_std', 0.0):.2f}"


def _scores(metrics: dict, test: str) -> dict | None:
    p = metrics.get(test)
    return next(iter(p.values())) if p else None


def counterparts(arch: str, w: Weights) -> list[str]:
    """The baseline labels a tag is compared with, as its protocol's method list states them (``"against"``): a
    fusion tag's single-modality networks of the same family; a crossmodal tag's classifier of the same kind
    trained on the test modality alone."""
    if w.model_kwargs.get("test_modalities"):
        from ..benchmarks.crossmodal import CROSSMODAL_METHODS as methods
    else:
        from ..benchmarks.classification import METHODS

        methods = METHODS.get(w.protocol.get("name", ""), [])
    for m in methods:
        if m["arch"] == arch and (m.get("tag") is True or m.get("tag") == w.tag) and "against" in m:
            return list(m["against"]) if isinstance(m["against"], list) else [m["against"]]
    return []


def _verdicts(name: str, arch: str, w: Weights) -> list[str]:
    out = []
    for test in w.metrics:
        mine = _scores(w.metrics, test)
        for label in counterparts(arch, w):
            other = _scores(w.baselines.get(label, {}), test)
            if mine is None or other is None:
                continue
            parts = []
            for k in ("OA", "kappa"):
                diff = 100 * (mine[k] - other[k])
                parts.append(f"{k} {100 * mine[k]:.2f} vs {100 * other[k]:.2f} ({diff:+.2f})")
            ok = all(mine[k] > other[k] for k in ("OA", "kappa"))
            out.append(f"- `{name}` vs `{label}` on `{test}`: {'beats it' if ok else '**does not beat it**'}: "
                       + "; ".join(parts) + ".")
    return out


def weights_section(arch: str, task: str = "classification") -> str:
    """The generated Markdown of ``arch``'s weights (empty string when it has none)."""
    weights = get_arch(arch).cfg.weights
    if not weights:
        return ""
    lines = ["## fusionzoo weights", "", "| tag | inputs | parameters | protocol | recipe |", "|---|---|---:|---|---|"]
    for i, w in enumerate(weights):
        tag = f"`{arch}.{w.tag}`" + (" (default)" if i == 0 else "")
        mods = _inputs(w)
        lines.append(f"| {tag} | {mods} | {w.num_params:,} | {w.protocol.get('name', '')} | `{w.recipe}` |")
    lines += ["", "Percentages, mean ± standard deviation over the seeds at the **final epoch** (no model selection "
              "on any test set). Every method of the same protocol is trained and scored the same way "
              f"(`docs/benchmarks/{task}.md`).", ""]
    for w in weights:
        name = f"{arch}.{w.tag}"
        lines += [f"### `{name}`", "", w.description, "", f"Trained on: {w.train_data[0]['name']}.", ""]
        for test in w.metrics:
            lines += [f"**`{test}`** ({_TESTS[task].get(test, test)})", "", "| method | OA | AA | kappa×100 |",
                      "|---|---:|---:|---:|"]
            mine = _scores(w.metrics, test)
            lines.append(f"| **`{name}`** | **{_pm(mine, 'OA')}** | **{_pm(mine, 'AA')}** | "
                         f"**{_pm(mine, 'kappa')}** |")
            for label, scores in w.baselines.items():
                if label == arch:  # this architecture's own runs: the bold row
                    continue
                s = _scores(scores, test)
                if s is not None:
                    lines.append(f"| {label} | {_pm(s, 'OA')} | {_pm(s, 'AA')} | {_pm(s, 'kappa')} |")
            lines.append("")
        per_class = _per_class(name, w, task)
        if per_class:
            lines += per_class
        verdicts = _verdicts(name, arch, w)
        if verdicts:
            lines += ["Against the single-modality counterparts of the same kind and budget (target: beat each on "
                      "OA and kappa):", "", *verdicts, ""]
    return "\n".join(lines).rstrip() + "\n"


def _per_class(name: str, w: Weights, task: str = "classification") -> list[str]:
    from ..results import load_result

    per = load_result(task, name).get("per_class", {})
    if not per:
        return []
    tests = list(per)
    lines = ["Per-class accuracy (%, mean over the seeds):", "", "| class | " + " | ".join(f"`{t}`" for t in tests)
             + " |", "|---|" + "---:|" * len(tests)]
    for i, c in enumerate(w.class_names):
        cells = []
        for t in tests:
            v = per[t][i] if i < len(per[t]) else None
            cells.append("-" if v is None or v != v else f"{100 * v:.1f}")
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def heldout_table(task: str = "classification") -> str:
    """Every classification ``arch.tag`` on its test sets (Markdown; empty if none)."""
    names = list_models(task=task, pretrained=True)
    if not names:
        return ""
    lines = ["| weights | inputs | test set | OA | AA | kappa×100 |", "|---|---|---|---:|---:|---:|"]
    for name in names:
        w = get_weights(name)
        for test in w.metrics:
            s = _scores(w.metrics, test)
            lines.append(f"| `{name}` | {_inputs(w)} | `{test}` | "
                         f"{_pm(s, 'OA')} | {_pm(s, 'AA')} | {_pm(s, 'kappa')} |")
    return "\n".join(lines)
