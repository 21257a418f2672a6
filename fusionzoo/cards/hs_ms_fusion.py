"""The generated sections of the HS-MS fusion model cards and the README's held-out table, made from the
``Weights`` records (whose numbers are ``fusionzoo/results/hs_ms_fusion/*.json``): per tag, the held-out images
with PSNR / SAM / ERGAS / SSIM beside bicubic upsampling and the fusion methods measured on the same images,
and whether the tag meets its target (beat bicubic on PSNR and SAM on every held-out image)."""

from __future__ import annotations

from ..metrics.base import is_better
from ..registry import get_arch, get_weights, list_models
from ..weights import Weights

__all__ = ["weights_section", "heldout_table", "METRICS"]

METRICS = ("PSNR", "SAM", "ERGAS", "SSIM")


def _v(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def _scores(scores: dict, image: str) -> dict[str, float]:
    """The one protocol's metrics of an image (records keep ``{image: {protocol: {metric: value}}}``)."""
    protocols = scores.get(image, {})
    return next(iter(protocols.values()), {}) if protocols else {}


def _verdict(name: str, w: Weights, image: str) -> str:
    mine, bic = _scores(w.metrics, image), _scores(w.baselines.get("bicubic", {}), image)
    parts = []
    for m in ("PSNR", "SAM"):
        if m in mine and m in bic:
            ok = is_better(m, mine[m], bic[m])
            parts.append(f"{m} {mine[m]:.2f} vs {bic[m]:.2f}: {'beats it' if ok else 'does not beat it'} "
                         f"({mine[m] - bic[m]:+.2f})")
    return f"- `{name}` on `{image}` against bicubic: " + "; ".join(parts) + "." if parts else ""


def weights_section(arch: str) -> str:
    """The generated Markdown of ``arch``'s weights (empty string when it has none)."""
    weights = get_arch(arch).cfg.weights
    if not weights:
        return ""
    lines = ["## fusionzoo weights", "", "| tag | ratio | parameters | trained on | held-out images | recipe |",
             "|---|---:|---:|---|---|---|"]
    for i, w in enumerate(weights):
        tag = f"`{arch}.{w.tag}`" + (" (default)" if i == 0 else "")
        names = lambda es: ", ".join(f"`{e['name']}`" for e in es)  # noqa: E731
        lines.append(f"| {tag} | {w.ratio} | {w.num_params:,} | {names(w.train_data)} | {names(w.eval_data)} | "
                     f"`{w.recipe}` |")
    lines += ["", "Held-out images, never seen in training, whole images without border cut (values on the [0, 1] "
              "scale; PSNR with peak 1 averaged over the bands, SAM in degrees, ERGAS with the ratio, SSIM with "
              "data range 1 averaged over the bands). The fusion methods also "
              "see the MS image; the network sees the HS alone.", ""]
    verdicts = []
    for w in weights:
        name = f"{arch}.{w.tag}"
        lines += [f"### `{name}`", "", w.description, "", "| image | method | " + " | ".join(METRICS) + " |",
                  "|---|---|" + "---:|" * len(METRICS)]
        for image in w.metrics:
            rows = [(f"**`{name}`**", w.metrics)] + [(f"`{b}`", s) for b, s in w.baselines.items()]
            for j, (label, scores) in enumerate(rows):
                vals = _scores(scores, image)
                cells = [_v(vals.get(m)) for m in METRICS]
                if j == 0:
                    cells = [f"**{c}**" for c in cells]
                lines.append(f"| {f'`{image}`' if j == 0 else ''} | {label} | " + " | ".join(cells) + " |")
            verdicts.append(_verdict(name, w, image))
        lines.append("")
    verdicts = [v for v in verdicts if v]
    if verdicts:
        lines += ["Against bicubic upsampling on each held-out image (the target is to beat it on PSNR and SAM):",
                  "", *verdicts, ""]
    lines += ["Every method on the benchmark scenes: `docs/benchmarks/hs_ms_fusion.md`.", ""]
    return "\n".join(lines).rstrip() + "\n"


def heldout_table() -> str:
    """Every HS-MS ``arch.tag`` on its held-out images beside bicubic upsampling (Markdown; empty if none)."""
    names = list_models(task="hs_ms_fusion", pretrained=True)
    if not names:
        return ""
    lines = ["| weights | held-out image | PSNR | SAM | ERGAS | SSIM | bicubic PSNR | bicubic SAM |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name in names:
        w = get_weights(name)
        for image in w.metrics:
            mine, bic = _scores(w.metrics, image), _scores(w.baselines.get("bicubic", {}), image)
            cells = [_v(mine.get(m)) for m in METRICS] + [_v(bic.get("PSNR")), _v(bic.get("SAM"))]
            lines.append(f"| `{name}` | `{image}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
