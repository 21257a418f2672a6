"""Measure a trained pansharpening tag on its held-out images and write its ``Weights`` record.

    python scripts/record_weights.py dicnn wv23 runs/dicnn_wv23/export/model.safetensors \\
        --epochs 40 --best "epoch 37 of 40" --write

Scores the weights and the baselines of :mod:`fusionzoo.models.wald_weights` (EXP, MTF-GLP-HPM, BT-H, GSA)
on the tag's evaluation images: reduced resolution against the reference (Q2n, SAM, ERGAS, SCC; DN scale,
20/21-pixel border cut) and full resolution on the input pair at its native scale (D_lambda, D_s, HQNR).
Prints the record's numbers as JSON; with ``--write`` replaces the tag's ``wald_weights(...)`` call in the
family file ``fusionzoo/models/<arch>.py`` (between the ``# weights: <tag>`` markers), with
``--write-baselines`` the tag's baseline scores, shared by every network, in ``wald_weights.BASELINE_SCORES``.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import torch

import fusionzoo
from fusionzoo.benchmark import build_method
from fusionzoo.datasets import load_scene
from fusionzoo.evaluation import evaluate_full, evaluate_reduced
from fusionzoo.models.wald_weights import BASELINES, EVAL_SCENES
from fusionzoo.weights import sha256sum

REDUCED = ("Q2n", "SAM", "ERGAS", "SCC")
ROOT = Path(__file__).resolve().parents[1]


def score(model: torch.nn.Module, scene) -> dict[str, dict[str, float]]:
    """Both protocols on a held-out scene with reference, rounded as the records keep them."""
    return {"reduced_resolution": evaluate_reduced(model, scene, REDUCED), "full_resolution": evaluate_full(model, scene)}


def measure(arch: str, tag: str, checkpoint: str, root: str) -> dict:
    bands = 8 if tag == "wv23" else 4
    model = fusionzoo.create_model(arch, checkpoint=checkpoint, bands=bands)
    out = {"sha256": sha256sum(checkpoint), "num_params": sum(p.numel() for p in model.parameters()),
           "metrics": {}, "baselines": {b: {} for b in BASELINES}}
    for entry in EVAL_SCENES[tag]:
        scene = load_scene(entry["name"], root)
        out["metrics"][scene.name] = score(model, scene)
        for b in BASELINES:
            out["baselines"][b][scene.name] = score(build_method(b, scene.ratio, scene.sensor), scene)
    return out


def _fmt(d: dict, indent: int) -> str:
    """``{scene: {protocol: {metric: value}}}`` with one line per protocol."""
    pad = " " * indent
    lines = ["{"]
    for scene, protocols in d.items():
        lines.append(f'{pad}    "{scene}": {{')
        lines += [f'{pad}        "{p}": {json.dumps(m)},' for p, m in protocols.items()]
        lines.append(f"{pad}    }},")
    return "\n".join(lines + [pad + "}"])


def record_code(arch: str, tag: str, rec: dict, epochs: int, best: str, init: str | None, lr: str) -> str:
    extra = f', init="{init}"' if init else ""
    return (f'    # weights: {tag}\n'
            f'    wald_weights(\n'
            f'        "{arch}", "{tag}", epochs={epochs}, best="{best}", lr="{lr}"{extra},\n'
            f'        sha256="{rec["sha256"]}",\n'
            f'        num_params={rec["num_params"]},\n'
            f'        metrics={_fmt(rec["metrics"], 8)},\n'
            f'    ),\n'
            f'    # weights: {tag} end\n')


def baselines_code(tag: str, baselines: dict) -> str:
    body = "".join(f'        "{b}": {_fmt(v, 8)},\n' for b, v in baselines.items())
    return f'    # baselines: {tag}\n    "{tag}": {{\n{body}    }},\n    # baselines: {tag} end\n'


def write_baselines(tag: str, baselines: dict) -> Path:
    """Replace the tag's block of ``BASELINE_SCORES`` in ``fusionzoo/models/wald_weights.py``."""
    path = ROOT / "fusionzoo" / "models" / "wald_weights.py"
    src = path.read_text()
    block = re.compile(rf"    # baselines: {tag}\n.*?    # baselines: {tag} end\n", re.S)
    if not block.search(src):
        raise SystemExit(f"{path} has no '# baselines: {tag}' block")
    path.write_text(block.sub(lambda _: baselines_code(tag, baselines), src))
    return path


def write_record(arch: str, tag: str, code: str) -> Path:
    """Replace (or add, before the closing parenthesis of ``<ARCH>_WEIGHTS = (``) the tag's block."""
    path = ROOT / "fusionzoo" / "models" / f"{arch}.py"
    src = path.read_text()
    block = re.compile(rf"    # weights: {tag}\n.*?    # weights: {tag} end\n", re.S)
    if block.search(src):
        src = block.sub(lambda _: code, src)
    else:
        head = f"{arch.upper()}_WEIGHTS = (\n"
        if head not in src:
            raise SystemExit(f"{path} has no '{head.strip()}' tuple to add the record to")
        start = src.index(head) + len(head)
        end = re.compile(r"^\)\n", re.M).search(src, start).start()
        src = src[:end] + code + src[end:]
    path.write_text(src)
    return path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("arch")
    p.add_argument("tag", choices=sorted(EVAL_SCENES))
    p.add_argument("checkpoint", help="the exported model.safetensors")
    p.add_argument("--epochs", type=int, required=True)
    p.add_argument("--best", required=True, help='which checkpoint was kept, e.g. "epoch 37 of 40"')
    p.add_argument("--lr", default="5e-4")
    p.add_argument("--init", help="initialisation, when not the default one")
    p.add_argument("--root", default="../shared/data")
    p.add_argument("--write", action="store_true", help="write the record into the family file")
    p.add_argument("--write-baselines", action="store_true",
                   help="also rewrite the tag's baseline scores in fusionzoo/models/wald_weights.py")
    a = p.parse_args()
    rec = measure(a.arch, a.tag, a.checkpoint, a.root)
    print(json.dumps(rec, indent=1))
    if a.write:
        print("wrote", write_record(a.arch, a.tag, record_code(a.arch, a.tag, rec, a.epochs, a.best, a.init, a.lr)))
    if a.write_baselines:
        print("wrote", write_baselines(a.tag, rec["baselines"]))


if __name__ == "__main__":
    main()
