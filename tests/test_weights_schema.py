"""The weights-record schema covers every task: per input modality its sensor, bands, wavelengths, scaling and
ratio or ground sampling; class names for classifiers; the record survives config.json unchanged."""

from __future__ import annotations

import json

import pytest

from fusionzoo.hub import weights_from_config
from fusionzoo.tasks import get_task, list_tasks
from fusionzoo.weights import Weights, validate_weights_metadata

SHA = "0" * 64
DATA = ({"name": "somewhere", "terms": "CC BY 4.0"},)


def _record(task: str, **extra) -> Weights:
    base = dict(tag="t", sensor="S", bands=("b1", "b2"), wavelengths=(500.0, 600.0), ratio=4, bit_depth=12,
                scaling="DN / 4095", normalization="none", train_data=DATA, eval_data=DATA,
                metrics={"img": {"p": {"OA": 0.9}}}, num_params=10, license="mit", recipe=f"configs/{task}/x.yaml",
                sha256=SHA, hf_revision="v0", hf_repo="org/x.t")
    base.update(extra)
    return Weights(**base)


EXTRA = {
    "pansharpening": {},
    "hs_ms_fusion": {"modalities": {"ms": {"sensor": "Nikon D700", "bands": ["B", "G", "R"], "wavelengths": None,
                                           "scaling": "[0, 1]", "ratio": 1}}},
    "classification": {"modalities": {"lidar": {"sensor": "Optech", "bands": ["dsm"], "wavelengths": None,
                                                "scaling": "8-bit stretch", "gsd": 2.5}},
                       "classes": ({"name": "grass", "color": "#00ff00"}, {"name": "road", "color": "#808080"}),
                       "protocol": {"split": "official", "seeds": [0, 1, 2]}},
    "crossmodal": {"classes": ({"name": "grass"},), "protocol": {"missing_at_test": "hs"}},
}


@pytest.mark.parametrize("task", list_tasks())
def test_a_complete_record_of_every_task_is_valid_and_round_trips(task):
    w = _record(task, **EXTRA[task])
    assert validate_weights_metadata(w, task=task) == []
    specs = get_task(task).describe_inputs(w)
    for m in get_task(task).modalities:
        if m.required:
            assert m.name in specs, f"{task}: required input {m.name} undescribed"
    back = weights_from_config(json.loads(json.dumps(w.to_dict())))
    assert back == w


def test_pansharpening_record_describes_the_pan_without_new_fields():
    w = _record("pansharpening")
    specs = get_task("pansharpening").describe_inputs(w)
    assert specs["ms"].bands == ("b1", "b2") and specs["pan"].bands == ("pan",) and specs["pan"].ratio == 1
    d = w.to_dict()  # optional fields stay out of config.json while unset
    assert not {"primary", "modalities", "classes", "protocol"} & set(d)


def test_missing_modality_and_bad_class_are_reported():
    w = _record("classification", modalities={"lidar": {"sensor": "", "bands": [], "wavelengths": None,
                                                         "scaling": "x"}}, classes=({"colour": "#fff"},))
    problems = validate_weights_metadata(w, task="classification")
    assert any("lidar: sensor must be named" in p for p in problems)
    assert any("lidar: bands must list" in p for p in problems)
    assert any("lidar: ratio or gsd" in p for p in problems)
    assert any("each class needs a 'name'" in p for p in problems)
    w = _record("hs_ms_fusion", primary="ms")  # the flat fields describe ms: hs is then undescribed
    assert any("input 'hs' is not described" in p for p in validate_weights_metadata(w, task="hs_ms_fusion"))
