"""Train (or fit) the crossmodal methods of a protocol over seeds, then record the published tags.

    python scripts/train_crossmodal.py houston2013 --root ../shared/data               # every method, seeds 0 1 2
    python scripts/train_crossmodal.py houston2018_crop --methods "cospace*" "lema"
    python scripts/train_crossmodal.py houston2013 --record                             # results + weights
    python scripts/train_crossmodal.py houston2013 --tables                             # docs/benchmarks tables

As ``scripts/train_classification.py`` (runs under ``<out>/<protocol>/<method>/seed<k>.json``, seed 0's weights
kept, resumable), with :mod:`fusionzoo.benchmarks.crossmodal`'s protocols and methods: trained with HS + the
other modality (and the unlabelled pool), scored with the test modality alone.  ``--record`` writes
``fusionzoo/results/crossmodal/<arch>.<tag>.json`` (tag ``<protocol>``, e.g. ``xmodalnet.houston2013``),
``baselines.<protocol>.json`` and the bundled weights.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import shutil
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_classification import (PUBLISHED, ROOT, _sha256, final_epoch_metrics, run_main, save_run,  # noqa: E402
                                  slug)

from fusionzoo.benchmarks.classification import summarize  # noqa: E402
from fusionzoo.benchmarks.crossmodal import CROSSMODAL_METHODS, CROSSMODAL_PROTOCOLS, load_crossmodal  # noqa: E402
from fusionzoo.benchmarks.crossmodal import run_crossmodal_method  # noqa: E402
from fusionzoo.results import write_result  # noqa: E402


def tag_of(protocol: str) -> str:
    return protocol.replace("_", "")  # houston2018_crop -> houston2018crop, as the classification tags


def train(a: argparse.Namespace) -> None:
    methods = [m for m in CROSSMODAL_METHODS if not a.methods or any(fnmatch.fnmatch(m["label"], p) for p in a.methods)]
    if not methods:
        sys.exit(f"no method matches {a.methods}; the methods are {', '.join(m['label'] for m in CROSSMODAL_METHODS)}")
    data = None
    for m in methods:
        folder = a.out / a.protocol / slug(m["label"])
        folder.mkdir(parents=True, exist_ok=True)
        for seed in a.seeds:
            report = folder / f"seed{seed}.json"
            if report.is_file():
                continue
            data = data or load_crossmodal(a.protocol, a.root)
            t0 = time.perf_counter()
            model, res = run_crossmodal_method(m, data, seed=seed, epochs=a.epochs)
            summary = {k: (round(v["OA"], 4), round(v["kappa"], 4)) for k, v in res["tests"].items()}
            print(f"{a.protocol} {m['label']} seed {seed}: {summary} ({time.perf_counter() - t0:.0f} s)", flush=True)
            save_run(model, res, m, seed, folder)


def record(a: argparse.Namespace) -> None:
    from fusionzoo import create_model

    baselines, tagged = {}, []
    for m in CROSSMODAL_METHODS:
        folder = a.out / a.protocol / slug(m["label"])
        runs = [json.loads(p.read_text()) for p in sorted(folder.glob("seed*.json"))]
        if len(runs) < 3:
            print(f"skip {m['label']}: {len(runs)} seed(s) run, 3 needed", file=sys.stderr)
            continue
        summ = summarize(runs)
        metrics = final_epoch_metrics(summ)
        baselines[m["label"]] = metrics
        if m.get("tag"):
            tagged.append((m, folder, runs, summ, metrics))
    write_result("crossmodal", f"baselines.{a.protocol}", baselines)
    for m, folder, runs, summ, metrics in tagged:
        kwargs = json.loads((folder / "model_kwargs.json").read_text())
        num_params = sum(p.numel() for p in create_model(m["arch"], **kwargs).parameters())
        name = f"{m['arch']}.{tag_of(a.protocol)}"
        dest = PUBLISHED / name / "model.safetensors"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / "seed0.safetensors", dest)
        write_result("crossmodal", name, {
            "sha256": _sha256(folder / "seed0.safetensors"), "num_params": num_params, "protocol": a.protocol,
            "method": m["label"], "seeds": [r["seed"] for r in runs],
            "training": {"epochs": runs[0]["train"].get("epochs"),
                         "seconds_mean": round(sum(r["train"]["seconds"] for r in runs) / len(runs), 1),
                         "threads": torch.get_num_threads()},
            "model_kwargs": kwargs, "metrics": metrics, "per_class": {t: d["per_class"] for t, d in summ.items()}})
        print(f"recorded {name}")
    print(f"recorded baselines.{a.protocol} ({len(baselines)} methods)")


def tables(a: argparse.Namespace) -> None:
    from fusionzoo.benchmarks.classification import summary_rows, write_tables

    rows, notes, classes = [], {}, {}
    for proto in CROSSMODAL_PROTOCOLS:
        for m in CROSSMODAL_METHODS:
            runs = [json.loads(p.read_text()) for p in sorted((a.out / proto / slug(m["label"])).glob("seed*.json"))]
            if not runs:
                continue
            rows += summary_rows(proto, m["label"], "test modality only" if m.get("baseline") else
                                 "trained with HS + it", runs)
        try:
            data = load_crossmodal(proto, a.root)
        except Exception:  # noqa: BLE001 - notes are optional
            continue
        notes.update({f"{proto}:{t}": n for t, n in data.notes.items()})
        classes[proto] = data.classes
    write_tables(rows, ROOT / "docs" / "benchmarks", notes, source="`scripts/train_crossmodal.py --tables`",
                 name="crossmodal", title="Crossmodal learning benchmark", context=(), classes=classes)
    print(f"wrote docs/benchmarks/crossmodal.md ({len(rows)} rows)")


if __name__ == "__main__":
    run_main(CROSSMODAL_PROTOCOLS, "runs/crossmodal", train, record, tables, "crossmodal")
