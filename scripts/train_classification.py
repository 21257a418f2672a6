"""Train (or fit) the classification methods of a protocol over seeds, then record the published tags.

    python scripts/train_classification.py houston2013 --root ../shared/data            # every method, seeds 0 1 2
    python scripts/train_classification.py houston2018_crop --epochs 60 --methods "mdlrs_cnn_*"
    python scripts/train_classification.py houston2013 --record                          # results + weights
    python scripts/train_classification.py houston2013 --tables                          # docs/benchmarks tables

Each (method, seed) run writes ``<out>/<protocol>/<method>/seed<k>.json`` (the training summary and every test
set's report) and, for seed 0, ``seed0.safetensors`` + ``model_kwargs.json``; finished runs are skipped, so an
interrupted job resumes where it stopped.  ``--record`` reads the runs and writes, per method with a tag,
``fusionzoo/results/classification/<arch>.<tag>.json`` (mean and standard deviation over the seeds, final epoch,
per-class accuracy, the seed-0 weights' sha256), ``baselines.<protocol>.json`` (every method, for the cards) and
the bundled weights ``fusionzoo/published/fusionzoo/<arch>.<tag>/model.safetensors``.  The protocols, methods
and training schedule are :mod:`fusionzoo.benchmarks.classification`'s.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

import torch

from fusionzoo.benchmarks.classification import METHODS, load_protocol, run_method, summarize
from fusionzoo.results import write_result

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "fusionzoo" / "published" / "fusionzoo"


def slug(label: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in label).strip("_").replace("__", "_")


def _jsonable(rep: dict) -> dict:
    return {k: v for k, v in rep.items() if k != "confusion_matrix"} | {"confusion_matrix": rep["confusion_matrix"]}


def train(a: argparse.Namespace) -> None:
    methods = [m for m in METHODS[a.protocol] if not a.methods or any(fnmatch.fnmatch(m["label"], p)
                                                                       for p in a.methods)]
    if not methods:
        sys.exit(f"no method of {a.protocol} matches {a.methods}; the methods are "
                 f"{', '.join(m['label'] for m in METHODS[a.protocol])}")
    cache: dict[str, object] = {}
    for m in methods:
        folder = a.out / a.protocol / slug(m["label"])
        folder.mkdir(parents=True, exist_ok=True)
        for seed in a.seeds:
            report = folder / f"seed{seed}.json"
            if report.is_file():
                continue
            if m["mode"] not in cache:
                cache[m["mode"]] = load_protocol(a.protocol, a.root, mode=m["mode"])
            data = cache[m["mode"]].select(m["modalities"])
            t0 = time.perf_counter()
            model, res = run_method(m["arch"], data, model_kwargs=m["kwargs"], seed=seed, epochs=a.epochs)
            summary = {k: (round(v["OA"], 4), round(v["kappa"], 4)) for k, v in res["tests"].items()}
            print(f"{a.protocol} {m['label']} seed {seed}: {summary} ({time.perf_counter() - t0:.0f} s)", flush=True)
            save_run(model, res, m, seed, folder)


def save_run(model, res: dict, method: dict, seed: int, folder: Path) -> None:
    """Write ``seed<k>.json`` (atomically: it marks the run done) and, for seed 0, the weights and the constructor
    arguments that rebuild the model."""
    if seed == 0:
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(folder / "seed0.safetensors"))
        kw = {"num_classes": model.num_classes, "modalities": list(model.modalities),
              "in_channels": [model.in_channels[k] for k in model.modalities],
              **({"patch_size": model.patch_size} if model.patch_size else {}),
              "class_names": list(model.class_names or ()), "preprocess": model.preprocess,
              **({"test_modalities": list(model.test_modalities)} if hasattr(model, "test_modalities") else {}),
              **method.get("kwargs", {})}
        (folder / "model_kwargs.json").write_text(json.dumps(kw, indent=1) + "\n")
    res["tests"] = {k: _jsonable(v) for k, v in res["tests"].items()}
    report = folder / f"seed{seed}.json"
    tmp = report.with_suffix(".tmp")
    tmp.write_text(json.dumps({"method": method["label"], "arch": method["arch"], "seed": seed, **res}, indent=1))
    os.replace(tmp, report)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record(a: argparse.Namespace) -> None:
    baselines = {}
    for m in METHODS[a.protocol]:
        folder = a.out / a.protocol / slug(m["label"])
        runs = [json.loads(p.read_text()) for p in sorted(folder.glob("seed*.json"))]
        if len(runs) < 3:
            print(f"skip {m['label']}: {len(runs)} seed(s) run, 3 needed", file=sys.stderr)
            continue
        summ = summarize(runs)
        metrics = final_epoch_metrics(summ)
        baselines[m["label"]] = metrics
        if not m["tag"]:
            continue
        weights = folder / "seed0.safetensors"
        kwargs = {k: v for k, v in json.loads((folder / "model_kwargs.json").read_text()).items()
                  if not (k == "patch_size" and v is None)}
        from fusionzoo import create_model

        num_params = sum(p.numel() for p in create_model(m["arch"], **kwargs).parameters())
        name = f"{m['arch']}.{m['tag']}"
        dest = PUBLISHED / name / "model.safetensors"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(weights, dest)
        write_result("classification", name, {
            "sha256": _sha256(weights), "num_params": num_params, "protocol": a.protocol, "method": m["label"],
            "seeds": [r["seed"] for r in runs],
            "training": {"epochs": runs[0]["train"].get("epochs"),
                         "seconds_mean": round(sum(r["train"]["seconds"] for r in runs) / len(runs), 1),
                         "threads": torch.get_num_threads()},
            "model_kwargs": kwargs, "metrics": metrics,
            "per_class": {t: d["per_class"] for t, d in summ.items()}})
        print(f"recorded {name}")
    write_result("classification", f"baselines.{a.protocol}", baselines)
    print(f"recorded baselines.{a.protocol} ({len(baselines)} methods)")


def tables(a: argparse.Namespace) -> None:
    """docs/benchmarks/classification.{md,csv} from the runs of every protocol (the same numbers as the records)."""
    from fusionzoo.benchmarks.classification import summary_rows, write_tables

    rows, notes, classes = [], {}, {}
    for proto, methods in METHODS.items():
        for m in methods:
            runs = [json.loads(p.read_text()) for p in sorted((a.out / proto / slug(m["label"])).glob("seed*.json"))]
            if not runs:
                continue
            rows += summary_rows(proto, m["label"], "+".join(m["modalities"]), runs)
    for proto in METHODS:
        try:
            data = load_protocol(proto, a.root, mode="pixel")
        except Exception:  # noqa: BLE001 - notes are optional
            continue
        notes.update({f"{proto}:{t}": n for t, n in data.notes.items()})
        classes[proto] = data.classes
    notes["houston2013:official_test_bn_batch"] = ("CML as the authors' scripts score it: BatchNorm normalises by the "
                                                  "statistics of the whole test set run as one batch (transductive).")
    write_tables(rows, ROOT / "docs" / "benchmarks", notes, source="`scripts/train_classification.py --tables`",
                 classes=classes)
    print(f"wrote docs/benchmarks/classification.md ({len(rows)} rows)")


def run_main(protocols, out: str, train_fn, record_fn, tables_fn, name: str) -> None:
    """The command line both training scripts share: ``PROTOCOL [--methods] [--seeds] [--epochs] [--record |
    --tables]``."""
    ap = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("protocol", choices=list(protocols))
    ap.add_argument("--root", type=Path, default=Path("../shared/data"))
    ap.add_argument("--methods", nargs="+", help="method labels (shell wildcards); default every one")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--epochs", type=int, default=150)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path(out))
    ap.add_argument("--record", action="store_true", help="write the results and bundled weights from the runs")
    ap.add_argument("--tables", action="store_true", help=f"write docs/benchmarks/{name}.{{md,csv}} from the runs")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    (tables_fn if a.tables else record_fn if a.record else train_fn)(a)


def final_epoch_metrics(summ: dict) -> dict:
    """``{test: {"final_epoch": {OA, OA_std, AA, AA_std, kappa, kappa_std, seeds}}}`` of :func:`summarize`'s output."""
    return {t: {"final_epoch": {k: round(d[k], 6) for k in ("OA", "OA_std", "AA", "AA_std", "kappa", "kappa_std")}
                | {"seeds": d["seeds"]}} for t, d in summ.items()}


if __name__ == "__main__":
    run_main(METHODS, "runs/classification", train, record, tables, "classification")
