"""The shipped weights on their held-out real images: the recorded numbers (both protocols) are reproduced and
beat EXP; the recorded baselines are what the classical methods score.

Needs the real data in ../shared/data (not redistributable); skipped where it is absent.
"""


import pytest

import fusionzoo
from fusionzoo.benchmarks.pansharpening import build_method, evaluate_full, evaluate_reduced
from fusionzoo.datasets import PUBLIC_SCENES, load_scene
from tests.helpers import DATA

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real data folder {DATA} is absent")

CASES = [(name, ds) for name in fusionzoo.list_models(pretrained=True)
         for ds, protocols in fusionzoo.get_weights(name).metrics.items()
         if ds in PUBLIC_SCENES and "reduced_resolution" in protocols]


@pytest.mark.parametrize("name, scene_name", CASES)
def test_recorded_metrics_reproduce_and_beat_exp(name, scene_name):
    w = fusionzoo.get_weights(name)
    assert scene_name in {e["name"] for e in w.eval_data}, "metrics must be on declared evaluation data"
    scene = load_scene(scene_name, DATA)
    recorded = w.metrics[scene_name]["reduced_resolution"]
    model = fusionzoo.create_model(name, pretrained=True)
    got = evaluate_reduced(model, scene, tuple(recorded))
    for k, v in recorded.items():
        assert got[k] == pytest.approx(v, rel=2e-3, abs=2e-4), k
    if "full_resolution" in w.metrics[scene_name]:
        full = evaluate_full(model, scene)
        for k, v in w.metrics[scene_name]["full_resolution"].items():
            assert full[k] == pytest.approx(v, rel=2e-3, abs=2e-4), k
    exp = evaluate_reduced(fusionzoo.create_model("exp"), scene, ("Q2n", "SAM", "ERGAS"))
    assert w.baselines["exp"][scene_name]["reduced_resolution"]["SAM"] == pytest.approx(exp["SAM"], abs=2e-4)
    # every tag beats EXP on Q2n and ERGAS on every held-out image; SAM is not asserted: several tags lose SAM to
    # EXP on some images (listed, with the reasons, in docs/benchmarks/README.md and in the cards' verdicts)
    assert got["Q2n"] > exp["Q2n"] and got["ERGAS"] < exp["ERGAS"]


def test_training_scenes_and_evaluation_scenes_are_disjoint():
    for name in fusionzoo.list_models(pretrained=True):
        w = fusionzoo.get_weights(name)
        assert not {e["name"] for e in w.train_data} & {e["name"] for e in w.eval_data}


BASELINE_CASES = sorted({(b, ds) for name in fusionzoo.list_models(pretrained=True)
                         for b, scores in fusionzoo.get_weights(name).baselines.items() for ds in scores
                         if ds in PUBLIC_SCENES})


@pytest.mark.parametrize("method, scene_name", BASELINE_CASES)
def test_recorded_baselines_reproduce(method, scene_name):
    scene = load_scene(scene_name, DATA)
    model = build_method(method, scene.ratio, scene.sensor)
    got = {"reduced_resolution": evaluate_reduced(model, scene, ("Q2n", "SAM", "ERGAS", "SCC")),
           "full_resolution": evaluate_full(model, scene)}
    for name in fusionzoo.list_models(pretrained=True):
        recorded = fusionzoo.get_weights(name).baselines.get(method, {}).get(scene_name, {})
        for protocol, metrics in recorded.items():
            for k, v in metrics.items():
                assert got[protocol][k] == pytest.approx(v, rel=2e-3, abs=2e-4), (name, protocol, k)
