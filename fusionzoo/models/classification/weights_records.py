"""The weights records of the classification families, built from the measured results.

Each tag names the data its weights were trained on (``houston2013``, ``houston2013_lidar``,
``houston2018crop``, ...).  The numbers (mean and standard deviation over seeds 0-2 at the final epoch, the
seed-0 weights' sha256, the constructor arguments including the raster preprocessing) are
``fusionzoo/results/classification/<arch>.<tag>.json``, written by ``scripts/train_classification.py
--record``; this module adds what the data are (sensors, bands, scaling, classes, terms) per protocol, so a
family file declares a set of weights in one line: ``classification_weights("mdlrs_fc_middle", "houston2013")``.
"""

from __future__ import annotations

from typing import Any

from ...results import load_result, result_path
from ...weights import Weights

__all__ = ["classification_weights", "available_weights", "PROTOCOL_DATA"]

_H13_TERMS = ("2013 IEEE GRSS Data Fusion Contest: scientific use, cite '2013_IEEE_GRSS_DF_Contest' and "
              "acknowledge the University of Houston, NCALM and the GRSS-DFTC; no redistribution")
_H18_TERMS = "2018 IEEE GRSS Data Fusion Contest: research use, acknowledge NCALM, the UH HyperSpectral lab and GRSS"
_H13_CLASSES = ("Healthy grass", "Stressed grass", "Synthetic grass", "Trees", "Soil", "Water", "Residential",
                "Commercial", "Road", "Highway", "Railway", "Parking Lot 1", "Parking Lot 2", "Tennis Court",
                "Running Track")
_H13_COLORS = ("#00cd00", "#7fff00", "#2e8b57", "#008b00", "#a0522d", "#00ffff", "#ffffff", "#d8bfd8", "#ff0000",
               "#8b0000", "#000000", "#ffff00", "#ee9a00", "#551a8b", "#ff7f50")
_MP = tuple([f"opening {s}x{s}" for s in range(3, 22, 2)] + [f"closing {s}x{s}" for s in range(3, 22, 2)]
            + ["DSM (8-bit stretch)"])

#: per protocol: the input modalities as the weights expect them (InputSpec fields), the classes, the data
PROTOCOL_DATA: dict[str, dict[str, Any]] = {
    "houston2013": {
        "modalities": {
            "hs": dict(sensor="ITRES CASI-1500 (DFC2013), 144 bands 364-1046 nm",
                       bands=tuple(f"CASI band {i}" for i in range(1, 145)), wavelengths=None, bit_depth=16,
                       gsd=2.5, scaling="the cube divided by one global range, (DN - 0) / 65413 (the authors' "
                                        "pixel sets: value step exactly 1/65413; minimum 0 assumed)"),
            "lidar": dict(sensor="NCALM LiDAR DSM (DFC2013), 21 morphological-profile features", bands=_MP,
                          wavelengths=None, bit_depth=8, gsd=2.5,
                          scaling="the DSM in metres stretched to 8 bits over 10.31-28.334 m, /255; greyscale "
                                  "openings and closings with square SEs 3..21 (computed from the DSM on the fly)"),
        },
        "classes": tuple({"name": n, "color": c} for n, c in zip(_H13_CLASSES, _H13_COLORS)),
        "train": {"name": "Houston 2013 official training pixels (EndNet / MDL-RS pixel sets), outside the held-out "
                          "32-pixel blocks", "terms": _H13_TERMS},
        "eval": ({"name": "houston2013_heldout_blocks: 25 % of the official training pixels, 32-pixel blocks "
                          "held out from training (MML, not the official test)", "terms": _H13_TERMS},
                 {"name": "houston2013_official_test: the 12,197 official test pixels, LiDAR features only (CML)",
                  "terms": _H13_TERMS}),
        "license": "cc-by-nc-4.0",
    },
    "houston2018_crop": {
        "modalities": {
            "hs": dict(sensor="ITRES CASI 1500 (DFC2018), 48 bands 380-1050 nm",
                       bands=tuple(f"CASI band {i}" for i in range(1, 49)), wavelengths=None, bit_depth=16,
                       ratio=1, scaling="per-band min-max over the crop (values stored with the weights)"),
            "ms": dict(sensor="DFC2018 very-high-resolution RGB, 4x finer than the HS grid", bands=("red", "green",
                                                                                                  "blue"),
                       wavelengths=None, bit_depth=8, ratio=4,
                       scaling="RGB / 255; the 4 x 4 RGB pixels under each HS pixel as 48 channels "
                               "(space-to-depth, computed on the fly)"),
        },
        "classes": (),  # filled from the dataset below
        "train": {"name": "Houston 2018 crop of featurefusion_igarss2021 (HS 128 x 128 x 48 + RGB 512 x 512), "
                          "training blocks of the published 16 x 16-block split", "terms": _H18_TERMS},
        "eval": ({"name": "houston2018crop_heldout_blocks: the test blocks of the same split (spatially disjoint)",
                  "terms": _H18_TERMS},),
        "license": "cc-by-nc-4.0",
    },
}


#: crossmodal tags: the same data, used differently (every training pixel, an unlabelled pool, one test modality)
CROSSMODAL_DATA: dict[str, dict[str, Any]] = {
    "houston2013": {
        "train": {"name": "Houston 2013: HS + LiDAR features of the 2,832 official training pixels; unlabelled pool: "
                          "the LiDAR features of 20,000 scene pixels in neither the training nor the test map",
                  "terms": _H13_TERMS},
        "eval": ({"name": "houston2013_official_test: the 12,197 official test pixels, LiDAR features only",
                  "terms": _H13_TERMS},)},
    "houston2018_crop": {
        "train": {"name": "Houston 2018 crop: HS + RGB of the training blocks of the published 16 x 16-block split; "
                          "unlabelled pool: the unlabelled pixels of the training blocks (both modalities)",
                  "terms": _H18_TERMS},
        "eval": ({"name": "houston2018crop_heldout_blocks: the test blocks, RGB only", "terms": _H18_TERMS},)},
}


def _crop_classes() -> tuple[dict[str, str], ...]:
    from ...datasets.classification.houston2018 import Houston2018CropClassification as D

    return tuple({"name": n, "color": c} for n, c in zip(D.classes, D.colors))


def _baselines(protocol: str, task: str = "classification") -> dict:
    """Every method of the protocol measured the same way (empty until ``--record`` wrote them)."""
    if not result_path(task, f"baselines.{protocol}").is_file():
        return {}
    return load_result(task, f"baselines.{protocol}")


def available_weights(arch: str, tags: tuple[str, ...], task: str = "classification") -> tuple[Weights, ...]:
    """The records of those ``tags`` of ``arch`` whose results exist (a tag is published once it is measured)."""
    return tuple(classification_weights(arch, t, task) for t in tags if result_path(task, f"{arch}.{t}").is_file())


def classification_weights(arch: str, tag: str, task: str = "classification") -> Weights:
    """The :class:`~fusionzoo.weights.Weights` of ``arch.tag`` from its result file and its protocol's data
    (``task="crossmodal"``: the inputs described are the test modalities; the training ones are in
    ``protocol``)."""
    rec = load_result(task, f"{arch}.{tag}")
    proto = PROTOCOL_DATA[rec["protocol"]]
    if task == "crossmodal":
        proto = {**proto, **CROSSMODAL_DATA[rec["protocol"]]}
    kw = dict(rec["model_kwargs"])
    mods = kw.get("test_modalities") or kw["modalities"]
    specs = {m: dict(proto["modalities"][m]) for m in mods}
    primary = mods[0]
    p = specs[primary]
    classes = proto["classes"] or _crop_classes()
    runs = rec["training"]
    what = "fitted" if runs.get("epochs") is None else f"trained {runs['epochs']} epochs (final epoch kept)"
    used = (f"on {', '.join(kw['modalities'])}, used with {', '.join(mods)} alone" if task == "crossmodal"
            else f"on {', '.join(mods)}")
    description = (f"{rec['method']}: {what} {used} with scripts/train_{task}.py {rec['protocol']}; the published "
                   f"weights are seed 0, the metrics the mean and standard deviation over seeds "
                   f"{', '.join(str(s) for s in rec['seeds'])}.")
    return Weights(
        tag=tag, sensor=p["sensor"], bands=tuple(p["bands"]), wavelengths=p["wavelengths"], ratio=p.get("ratio") or 1,
        bit_depth=p["bit_depth"], scaling=p["scaling"], normalization="stored with the weights (model.preprocess)",
        train_data=(proto["train"],), eval_data=proto["eval"], metrics=rec["metrics"], num_params=rec["num_params"],
        license=proto["license"], recipe=f"configs/{task}/{rec['protocol']}.yaml", sha256=rec["sha256"],
        hf_revision="v0.1.0", model_kwargs=kw,
        baselines=_baselines(rec["protocol"], task), description=description,
        primary=primary, modalities={m: {**s, "bands": list(s["bands"])} for m, s in specs.items() if m != primary},
        classes=classes, protocol={"name": rec["protocol"], "seeds": rec["seeds"], "epochs": runs.get("epochs"),
                                   "selection": "final epoch (never the best epoch on the test set)",
                                   **({"training_modalities": kw["modalities"], "test_modalities": list(mods)}
                                      if task == "crossmodal" else {})})
