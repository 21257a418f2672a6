"""The multimodal classification protocols: how the project's weights are trained and every model is scored.

Protocols (:data:`PROTOCOLS`; each loads the real data of ``../shared/data`` through the datasets):

* ``houston2013``: the EndNet / MDL-RS pixel sets of Houston 2013 (HS spectra of the 2,832 official training
  pixels, scaled by one global min-max; the 21 morphological-profile features of the LiDAR DSM of the training
  and the 12,197 official test pixels).  The HS test spectra are not available, so the training pixels are split
  into spatially disjoint blocks (:data:`HOUSTON2013_HOLDOUT`): the networks train on the others and are scored
  (a) ``heldout_blocks``, MML: HS + LiDAR on the held-out training blocks (not the official test), and
  (b) ``official_test``, CML: the LiDAR features alone on the official test pixels, the HS zero-filled.
* ``houston2018_crop``: the DFC2018 HS + RGB crop, on the HS grid (RGB by space-to-depth, 48 channels), a
  published spatially disjoint block split; ``heldout_blocks``: HS + RGB on the test blocks.

Every network is trained as the authors' scripts train it (Adam 1e-3, batch 64, the staircase decay 0.5 every 30
epochs' worth of steps, their L2 and extra terms) for a fixed number of epochs, and scored at the **final
epoch** (never the best epoch on the test set, which the authors' scripts report), with seeds 0, 1, 2: mean and
standard deviation.  The shallow classifiers (SVM, random forest) are fitted on the same training pixels.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch

from ..metrics.classification import classification_report
from ..registry import create_model
from .runner import md_table, write_csv, write_text_atomic

__all__ = ["PROTOCOLS", "ProtocolData", "load_protocol", "train_network", "fit_classifier", "evaluate",
           "run_method", "summarize", "run_classification_benchmark", "add_arguments", "run_cli", "DESCRIPTION"]

DESCRIPTION = (
    "Train and score every classification method of a protocol (houston2013: HS + LiDAR pixel sets, MML on "
    "held-out training blocks and CML with the LiDAR alone on the official test pixels; houston2018_crop: HS + "
    "RGB on a disjoint block split) over seeds: OA, AA, kappa (mean and std), per-class accuracy and run time; "
    "writes classification.{md,csv} under --out.")

SEEDS = (0, 1, 2)


@dataclass
class ProtocolData:
    """Training arrays and the test sets of a protocol: modality -> (N, C) or (N, C, k, k) float32."""

    name: str
    classes: tuple[str, ...]
    train: dict[str, np.ndarray]
    train_y: np.ndarray  # 0-based
    tests: dict[str, tuple[dict[str, np.ndarray], np.ndarray]]
    notes: dict[str, str] = field(default_factory=dict)
    preprocess: dict[str, list] = field(default_factory=dict)  # per modality: the steps of the raw rasters

    def select(self, modalities: Sequence[str]) -> "ProtocolData":
        """The same protocol restricted to ``modalities`` (tests keep what they have of them)."""
        train = {k: v for k, v in self.train.items() if k in modalities}
        tests = {n: ({k: v for k, v in x.items() if k in modalities}, y) for n, (x, y) in self.tests.items()}
        return ProtocolData(self.name, self.classes, train, self.train_y, tests, self.notes,
                            {k: v for k, v in self.preprocess.items() if k in modalities})


# --- data ---------------------------------------------------------------------------------------------------
def load_protocol(name: str, root: str | os.PathLike, mode: str = "pixel", patch_size: int = 7) -> ProtocolData:
    """The arrays of protocol ``name`` from the data root (``../shared/data``); ``mode`` ``"pixel"`` or
    ``"patch"`` (houston2018_crop only: the Houston 2013 HS is available as pixel vectors alone)."""
    if name not in PROTOCOLS:
        raise KeyError(f"unknown protocol {name!r}; the protocols are {', '.join(PROTOCOLS)}")
    return PROTOCOLS[name](Path(root), mode, patch_size)


#: Houston 2013: the held-out part of the official training pixels (square blocks of the split map, seed 0):
#: block side in pixels and the fraction of the training pixels held out
HOUSTON2013_HOLDOUT = {"block": 32, "test_fraction": 0.25, "seed": 0}
#: the steps that turn the contest's rasters into the authors' pixel sets: the HS cube by one global min-max
#: (the sets' value step is exactly 1/65413: a range of 65,413 DN; the minimum is taken as 0, which the staged
#: data cannot confirm), the DSM into the 21 morphological-profile features (families.md B4)
def _h13_preprocess() -> dict[str, list]:
    from ..features.profiles import DEFAULT_SIZES, HOUSTON2013_DSM_STRETCH

    return {"hs": [{"op": "minmax", "min": 0.0, "max": 65413.0}],
            "lidar": [{"op": "morphological_profile", "sizes": list(DEFAULT_SIZES),
                       "stretch": list(HOUSTON2013_DSM_STRETCH), "include_original": True}]}


HOUSTON2013_PREPROCESS = _h13_preprocess()


def _houston2013(root: Path, mode: str, patch_size: int) -> ProtocolData:
    from ..datasets.classification import HoustonMDLRSSets
    from ..datasets.classification.sampling import block_split

    if mode != "pixel":
        raise ValueError("houston2013 has the HS as pixel vectors only (the authors' FC sets); use mode='pixel'")
    d = root / "classification" / "houston2013"
    tr = HoustonMDLRSSets(d / "pixel_sets_fc", "train", split_maps=d / "split_maps")
    te = HoustonMDLRSSets(d / "pixel_sets_fc", "test", modalities=["lidar"])
    x, y = tr.arrays()
    tr_map = tr.label_map("train")
    _, hold_map = block_split(tr_map, **HOUSTON2013_HOLDOUT)
    hold = hold_map[tr.rows, tr.cols] > 0
    xt, yt = te.arrays()
    return ProtocolData(
        "houston2013", tuple(tr.classes), {k: v[~hold] for k, v in x.items()}, y[~hold],
        {"heldout_blocks": ({k: v[hold] for k, v in x.items()}, y[hold]), "official_test": (xt, yt)},
        notes={"heldout_blocks": f"MML (HS + LiDAR) on {int(hold.sum())} of the 2,832 official training pixels, "
                                 f"in {HOUSTON2013_HOLDOUT['block']}-pixel blocks held out from training (not the "
                                 f"official test)",
               "official_test": "CML: the LiDAR features alone on the 12,197 official test pixels (the HS test "
                                "spectra are not available; fusion models get it zero-filled)"},
        preprocess=HOUSTON2013_PREPROCESS)


def _houston2018_crop(root: Path, mode: str, patch_size: int) -> ProtocolData:
    from ..datasets.classification import Houston2018CropClassification
    from ..datasets.classification.sampling import patches, pixel_vectors
    from ..datasets.hs_ms_fusion._common import hwc_to_chw, read_mat_variable
    from ..features import apply_preprocess, fit_minmax

    ds = Houston2018CropClassification(root / "hsms" / "houston2018_crop", split="train")
    path = ds.files["hs"]
    raw = {"hs": hwc_to_chw(read_mat_variable(path, "hyprImg")).astype(np.float32),
           "ms": hwc_to_chw(read_mat_variable(path, "rgbImg")).astype(np.float32)}
    pre = {"hs": [fit_minmax(raw["hs"], per_band=True)],
           "ms": [{"op": "space_to_depth", "factor": ds.ratio}, {"op": "minmax", "min": 0.0, "max": 255.0}]}
    rasters = {k: apply_preprocess(pre[k], v, what=k) for k, v in raw.items()}

    def take(split: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
        from ..datasets.classification.sampling import labelled_pixels

        rows, cols, ids = labelled_pixels(ds.label_map(split))
        if mode == "patch":
            xs = {k: patches(v, rows, cols, patch_size) for k, v in rasters.items()}
        else:
            xs = {k: pixel_vectors(v, rows, cols) for k, v in rasters.items()}
        return xs, ids.astype(np.int64) - 1

    x, y = take("train")
    return ProtocolData("houston2018_crop", tuple(ds.classes), x, y, {"heldout_blocks": take("test")},
                        notes={"heldout_blocks": f"HS + RGB on the published test blocks ({ds.BLOCK} x {ds.BLOCK} "
                                                 f"HS pixels) of the crop"},
                        preprocess=pre)


PROTOCOLS: dict[str, Callable[[Path, str, int], ProtocolData]] = {"houston2013": _houston2013,
                                                                   "houston2018_crop": _houston2018_crop}


# --- training and scoring -------------------------------------------------------------------------------------
def train_network(model: torch.nn.Module, x: Mapping[str, np.ndarray], y: np.ndarray, *, epochs: int = 150,
                  batch_size: int = 64, lr: float = 1e-3, decay_epochs: float = 30.0, gamma: float = 0.5,
                  seed: int = 0, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Train ``model`` on the arrays as the authors' scripts do: Adam ``lr``, shuffled minibatches (the last one
    smaller), ``lr * gamma ** floor(step / (decay_epochs * m / batch_size))`` per optimiser step, the model's
    own loss; returns the run's summary (final-epoch training loss, seconds)."""
    from ..trainers.classification import staircase

    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    xs = {k: torch.from_numpy(np.ascontiguousarray(v, np.float32)) for k, v in x.items()}
    ys = torch.from_numpy(np.asarray(y)).long()
    m = len(ys)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, staircase(decay_epochs * m / batch_size, gamma))
    model.train()
    t0 = time.perf_counter()
    last = float("nan")
    for epoch in range(epochs):
        perm = torch.randperm(m, generator=g)
        total, n = 0.0, 0
        for s in range(0, m, batch_size):
            idx = perm[s:s + batch_size]
            if len(idx) < 2:  # BatchNorm needs two samples
                continue
            losses = model.training_losses(ys[idx], **{k: v[idx] for k, v in xs.items()})
            opt.zero_grad()
            losses["total"].backward()
            opt.step()
            sched.step()
            total += float(losses["total"].detach()) * len(idx)
            n += len(idx)
        last = total / max(n, 1)
        if log and (epoch + 1) % max(1, epochs // 5) == 0:
            log(f"  epoch {epoch + 1}/{epochs}: loss {last:.4f}")
    model.eval()
    return {"epochs": epochs, "final_loss": last, "seconds": time.perf_counter() - t0}


def fit_classifier(model: torch.nn.Module, x: Mapping[str, np.ndarray], y: np.ndarray, *, seed: int = 0
                   ) -> dict[str, Any]:
    """Fit a classifier that is fitted rather than trained by gradient (SVM, random forest)."""
    t0 = time.perf_counter()
    model.fit({k: np.asarray(v) for k, v in x.items()}, np.asarray(y), seed=seed)
    return {"seconds": time.perf_counter() - t0}


def evaluate(model: torch.nn.Module, x: Mapping[str, np.ndarray], y: np.ndarray, batch_size: int = 4096,
             bn_mode: str = "eval") -> dict[str, Any]:
    """OA, AA, kappa, per-class accuracy and the confusion matrix of ``model`` on the arrays (eval mode; the
    model's other modalities zero-filled), and the seconds it took.  ``bn_mode="batch"``: the authors' CML
    test, BatchNorm on the statistics of the whole test set run as one batch."""
    model.eval()
    previous = getattr(model, "bn_mode", "eval")
    if bn_mode == "batch":
        model.bn_mode, batch_size = "batch", len(y)
    t0 = time.perf_counter()
    preds = []
    with torch.no_grad():
        for s in range(0, len(y), batch_size):
            batch = {k: torch.from_numpy(np.ascontiguousarray(v[s:s + batch_size], np.float32)) for k, v in x.items()}
            preds.append(model(**batch).argmax(1))
    if bn_mode == "batch":
        model.bn_mode = previous
    rep = classification_report(torch.cat(preds), torch.from_numpy(np.asarray(y)).long(), model.num_classes)
    rep["seconds"] = time.perf_counter() - t0
    return rep


def run_method(arch: str, data: ProtocolData, *, model_kwargs: Mapping[str, Any] | None = None,
               seed: int = 0, epochs: int = 150, log: Callable[[str], None] | None = None
               ) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Build ``arch`` for the protocol's modalities, train (or fit) it with ``seed`` and score it on every test
    set the model has a modality of: ``(model, {"train": ..., "tests": {name: report}})``."""
    mods = tuple(data.train)
    kw = dict(num_classes=len(data.classes), modalities=mods,
              in_channels=tuple(int(data.train[k].shape[1]) for k in mods), class_names=data.classes,
              preprocess=data.preprocess)
    kw.update(model_kwargs or {})
    torch.manual_seed(seed)
    model = create_model(arch, **kw)
    if hasattr(model, "fit"):
        run = fit_classifier(model, data.train, data.train_y, seed=seed)
    else:
        run = train_network(model, data.train, data.train_y, epochs=epochs, seed=seed, log=log)
    tests = {}
    has_bn = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in model.modules())
    for name, (x, y) in data.tests.items():
        x = {k: v for k, v in x.items() if k in model.modalities}
        if x:
            tests[name] = evaluate(model, x, y)
            if has_bn and len(x) < len(model.modalities):  # CML: also the authors' transductive BatchNorm
                tests[f"{name}_bn_batch"] = evaluate(model, x, y, bn_mode="batch")
    return model, {"train": run, "tests": tests}


def summarize(runs: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Per test set: the mean and the sample standard deviation (ddof 1) of OA, AA and kappa over the runs (one
    run per seed), the mean per-class accuracy and the mean scoring time."""
    out: dict[str, dict[str, Any]] = {}
    for name in runs[0]["tests"]:
        reps = [r["tests"][name] for r in runs]
        d: dict[str, Any] = {}
        for k in ("OA", "AA", "kappa"):
            vals = np.array([r[k] for r in reps], np.float64)
            d[k] = float(vals.mean())
            d[f"{k}_std"] = float(vals.std(ddof=1)) if len(vals) > 1 else 0.0
        d["seeds"] = len(reps)
        pc = np.array([r["per_class"] for r in reps], np.float64)  # NaN: no test sample of the class
        seen = (~np.isnan(pc)).sum(0)
        mean = np.where(seen > 0, np.nansum(pc, 0) / np.maximum(seen, 1), np.nan)
        d["per_class"] = [None if np.isnan(v) else round(float(v), 6) for v in mean]
        d["seconds"] = float(np.mean([r["seconds"] for r in reps]))
        out[name] = d
    return out


# --- the methods of each protocol ----------------------------------------------------------------------------
#: per protocol: (label, arch, modalities, constructor arguments, mode); fusion networks beside their
#: single-modality counterparts of the same family and budget, and the shallow classifiers
_HL, _HM = ("hs", "lidar"), ("hs", "ms")
METHODS: dict[str, list[dict[str, Any]]] = {
    "houston2013": [
        *(dict(label=f"mdlrs_fc_{f}", arch=f"mdlrs_fc_{f}", modalities=_HL, tag="houston2013")
          for f in ("early", "middle", "late", "endec", "cross")),
        dict(label="mdlrs_fc_endec (CML training)", arch="mdlrs_fc_endec", modalities=_HL,
             kwargs={"cml_training": True}, tag="houston2013_cml"),
        dict(label="endnet", arch="endnet", modalities=_HL, tag="houston2013"),
        dict(label="mdlrs_fc_single (HS)", arch="mdlrs_fc_single", modalities=("hs",), tag="houston2013_hs"),
        dict(label="mdlrs_fc_single (LiDAR)", arch="mdlrs_fc_single", modalities=("lidar",),
             tag="houston2013_lidar"),
        dict(label="random_forest (LiDAR MP)", arch="random_forest", modalities=("lidar",), tag="houston2013_lidar"),
        dict(label="svm_rbf (LiDAR MP)", arch="svm_rbf", modalities=("lidar",), tag="houston2013_lidar"),
        dict(label="random_forest (HS + LiDAR MP)", arch="random_forest", modalities=_HL),
        dict(label="svm_rbf (HS + LiDAR MP)", arch="svm_rbf", modalities=_HL),
    ],
    "houston2018_crop": [
        *(dict(label=f"mdlrs_cnn_{f}", arch=f"mdlrs_cnn_{f}", modalities=_HM, mode="patch", tag="houston2018crop")
          for f in ("early", "middle", "late", "endec", "cross")),
        dict(label="ccrnet", arch="ccrnet", modalities=_HM, mode="patch", tag="houston2018crop"),
        dict(label="mdlrs_cnn_single (HS)", arch="mdlrs_cnn_single", modalities=("hs",), mode="patch",
             tag="houston2018crop_hs"),
        dict(label="mdlrs_cnn_single (RGB)", arch="mdlrs_cnn_single", modalities=("ms",), mode="patch",
             tag="houston2018crop_rgb"),
        dict(label="endnet", arch="endnet", modalities=_HM, tag="houston2018crop"),
        dict(label="mdlrs_fc_single (HS)", arch="mdlrs_fc_single", modalities=("hs",)),
        dict(label="mdlrs_fc_single (RGB)", arch="mdlrs_fc_single", modalities=("ms",)),
        dict(label="random_forest (HS + RGB)", arch="random_forest", modalities=_HM),
        dict(label="svm_rbf (HS + RGB)", arch="svm_rbf", modalities=_HM),
    ],
}
_NAMES = {"hs": "HS", "lidar": "LiDAR", "ms": "RGB"}
for _ms in METHODS.values():
    for _m in _ms:
        _m.setdefault("kwargs", {})
        _m.setdefault("mode", "pixel")
        _m.setdefault("tag", None)
        if len(_m["modalities"]) > 1 and _m["tag"]:  # a fusion tag: the single-modality nets of its family and mode
            _fam = "cnn" if _m["mode"] == "patch" else "fc"
            _m.setdefault("against", [f"mdlrs_{_fam}_single ({_NAMES[k]})" for k in _m["modalities"]])


def summary_rows(protocol: str, label: str, modalities: str, runs: Sequence[Mapping[str, Any]]
                 ) -> list[dict[str, Any]]:
    """The table rows of one method's runs (one per seed): per test set, OA / AA / kappa mean and std and the
    mean training time."""
    return [{"protocol": protocol, "test": test, "method": label, "modalities": modalities,
             **{k: d[k] for k in ("OA", "OA_std", "AA", "AA_std", "kappa", "kappa_std", "seeds")},
             "train_seconds": float(np.mean([r["train"]["seconds"] for r in runs])), "per_class": d["per_class"]}
            for test, d in summarize(runs).items()]


# --- the benchmark --------------------------------------------------------------------------------------------
def run_classification_benchmark(root: str | os.PathLike, methods: Mapping[str, Sequence[tuple]] | None = None,
                                 protocols: Sequence[str] | None = None, seeds: Sequence[int] = SEEDS,
                                 epochs: int = 150, out: str | os.PathLike | None = None,
                                 log: Callable[[str], None] | None = print) -> list[dict[str, Any]]:
    """Train and score the methods of each protocol over ``seeds``; rows for the tables (and the files under
    ``out``: ``classification.md`` / ``.csv``)."""
    methods = methods or METHODS
    rows, classes = [], {}
    for proto in protocols or list(PROTOCOLS):
        base = None
        for meth in methods[proto]:
            if base is None or base[0] != meth["mode"]:
                base = (meth["mode"], load_protocol(proto, root, mode=meth["mode"]))
            data = base[1].select(meth["modalities"])
            classes[proto] = data.classes
            runs = []
            for s in seeds:
                if log:
                    log(f"{proto} {meth['label']} seed {s}")
                runs.append(run_method(meth["arch"], data, model_kwargs=meth["kwargs"], seed=s, epochs=epochs)[1])
            rows += summary_rows(proto, meth["label"], "+".join(meth["modalities"]), runs)
    if out is not None:
        write_tables(rows, Path(out), classes=classes)
    return rows


COLUMNS = ("protocol", "test", "method", "modalities", "OA", "OA_std", "AA", "AA_std", "kappa", "kappa_std",
           "seeds", "train_seconds")


#: published numbers for context (MFT, Roy et al., TGRS 2023, Tables I-II: their re-runs on the official
#: Houston 2013 split with the HS test spectra, 11 x 11 patches, 3 runs; not comparable with our protocols)
PUBLISHED_CONTEXT = (
    "## Published numbers, for context only",
    "",
    "MFT (Roy et al., IEEE TGRS 2023, Tables I and II) re-ran these methods on the official Houston 2013 split "
    "**with the HS test spectra** (which are not available here), 11 x 11 patches, 3 runs; OA / AA / kappa×100. "
    "They are not comparable with the protocols above (held-out training blocks; LiDAR-only official test). The "
    "EndNet, MDL-RS and CCR-Net papers' own tables could not be read here; their scripts report the best epoch on "
    "the test set (max over the epochs' test accuracies), which this project never does.",
    "",
    "| method | inputs | OA | AA | kappa×100 |",
    "|---|---|---:|---:|---:|",
    "| RF | HS + LiDAR | 73.83 ± 0.31 | 76.72 ± 0.28 | 71.78 ± 0.33 |",
    "| SVM | HS + LiDAR | 71.94 | 71.16 | 69.67 |",
    "| CNN2D | HS + LiDAR | 71.88 ± 0.36 | 70.51 ± 0.27 | 69.56 ± 0.39 |",
    "| ViT | HS + LiDAR | 85.05 ± 0.47 | 86.83 ± 0.53 | 83.84 ± 0.51 |",
    "| MFT | HS + LiDAR | 89.80 ± 0.53 | 91.51 ± 0.40 | 88.93 ± 0.59 |",
    "| RF | HS | 74.87 ± 0.09 | 77.94 | 72.93 |",
    "| MFT | HS | 88.45 | 90.05 | 87.46 |",
    "",
)


def write_tables(rows: Sequence[Mapping[str, Any]], out: Path, notes: Mapping[str, str] | None = None,
                 source: str = "`fusionzoo benchmark classification`", name: str = "classification",
                 title: str = "Multimodal classification benchmark", context: Sequence[str] = PUBLISHED_CONTEXT,
                 classes: Mapping[str, Sequence[str]] | None = None) -> None:
    """``<name>.md`` (per protocol and test set: the OA / AA / kappa table and, given the protocol's
    ``classes``, the per-class accuracies; then ``context``) and ``<name>.csv`` under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    write_csv(rows, COLUMNS, out / f"{name}.csv")
    lines = [f"# {title}", "",
             f"Generated by {source} on {_dt.date.today().isoformat()} "
             f"({platform.machine()}, torch {torch.__version__}). Final epoch (no model selection on any test set), "
             "mean ± sample std over the seeds; percentages; `train s`: mean training (or fitting) time per seed on "
             "one CPU thread.", ""]
    for proto in dict.fromkeys(r["protocol"] for r in rows):
        for test in dict.fromkeys(r["test"] for r in rows if r["protocol"] == proto):
            lines += [f"## {proto}: {test}", ""] + ([notes[f"{proto}:{test}"], ""] if notes and
                                                    f"{proto}:{test}" in notes else [])
            body = [[r["method"], r["modalities"], *(f"{100 * r[k]:.2f} ± {100 * r[k + '_std']:.2f}"
                                                     for k in ("OA", "AA", "kappa")), f"{r['train_seconds']:.1f}"]
                    for r in rows if r["protocol"] == proto and r["test"] == test]
            lines += md_table(["method", "modalities", "OA", "AA", "kappa×100", "train s"], body) + [""]
            these = [r for r in rows if r["protocol"] == proto and r["test"] == test and r.get("per_class")]
            if classes and proto in classes and these:
                lines += ["Per-class accuracy (%, mean over the seeds; methods in the order above):", ""]
                head = ["class", *(f"{i + 1}" for i in range(len(these)))]
                body = [[c, *("-" if r["per_class"][j] is None else f"{100 * r['per_class'][j]:.1f}" for r in these)]
                        for j, c in enumerate(classes[proto])]
                lines += md_table(head, body) + ["", "Columns: " + "; ".join(f"{i + 1} = {r['method']}"
                                                                            for i, r in enumerate(these)), ""]
    lines += list(context)
    write_text_atomic(out / f"{name}.md", "\n".join(lines))


def add_arguments(parser) -> None:
    parser.add_argument("--root", default="../shared/data", help="data root (default ../shared/data)")
    parser.add_argument("--protocols", nargs="+", choices=list(PROTOCOLS), help="default: every protocol")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="default: 0 1 2")
    parser.add_argument("--epochs", type=int, default=150, help="network epochs (default 150, the authors')")
    parser.add_argument("--out", default="docs/benchmarks", help="folder of classification.{md,csv}")


def run_cli(args) -> int:
    rows = run_classification_benchmark(args.root, protocols=args.protocols, seeds=args.seeds, epochs=args.epochs,
                                        out=args.out)
    print(f"{len(rows)} rows written to {Path(args.out) / 'classification.md'}")
    return 0

