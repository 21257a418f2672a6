"""Measure a trained pansharpening tag on its held-out images and write its ``Weights`` record.

    python scripts/record_weights.py dicnn wv23 runs/dicnn_wv23/export/model.safetensors \\
        --epochs 40 --best "epoch 37 of 40" --write

Scores the weights and the baselines of :mod:`fusionzoo.models.wald_weights` (EXP, MTF-GLP-HPM, BT-H, GSA)
on the tag's evaluation images: reduced resolution against the reference (Q2n, SAM, ERGAS, SCC; DN scale,
20/21-pixel border cut) and full resolution on the input pair at its native scale (D_lambda, D_s, HQNR).
Prints the record's numbers as JSON; with ``--write`` writes them as data to
``fusionzoo/results/pansharpening/<arch>.<tag>.json`` (which the family file's weights record reads), with
``--write-baselines`` the baselines' scores, shared by every network, to ``baselines.<tag>.json``.  Then
``python -m fusionzoo.cards`` regenerates the model cards and the README tables from them.
"""

from __future__ import annotations

import argparse
import json

import torch

import fusionzoo
from fusionzoo.benchmarks.pansharpening import build_method
from fusionzoo.datasets import load_scene
from fusionzoo.benchmarks.pansharpening import evaluate_full, evaluate_reduced
from fusionzoo.models.pansharpening.wald_weights import BASELINES, EVAL_SCENES
from fusionzoo.results import write_result
from fusionzoo.weights import sha256sum

REDUCED = ("Q2n", "SAM", "ERGAS", "SCC")


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


def record(rec: dict, epochs: int, best: str, init: str | None, lr: str) -> dict:
    """The result file of a tag: what the run did and what was measured."""
    training = {"epochs": epochs, "best": best, "lr": lr}
    if init:
        training["init"] = init
    return {"sha256": rec["sha256"], "num_params": rec["num_params"], "training": training, "metrics": rec["metrics"]}


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
    p.add_argument("--write", action="store_true", help="write the result file of the tag")
    p.add_argument("--write-baselines", action="store_true",
                   help="also write the baselines' result file of the tag")
    a = p.parse_args()
    rec = measure(a.arch, a.tag, a.checkpoint, a.root)
    print(json.dumps(rec, indent=1))
    if a.write:
        print("wrote", write_result("pansharpening", f"{a.arch}.{a.tag}",
                                    record(rec, a.epochs, a.best, a.init, a.lr)))
    if a.write_baselines:
        print("wrote", write_result("pansharpening", f"baselines.{a.tag}", rec["baselines"]))


if __name__ == "__main__":
    main()
