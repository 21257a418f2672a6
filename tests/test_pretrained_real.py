"""The shipped weights on their held-out real images: the recorded numbers are reproduced and beat EXP.

Needs the real data in ../shared/data (not redistributable); skipped where it is absent.
"""

from pathlib import Path

import pytest

import fusionzoo
from fusionzoo.datasets import PUBLIC_SCENES, load_scene
from fusionzoo.evaluation import evaluate_reduced

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
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
    got = evaluate_reduced(fusionzoo.create_model(name, pretrained=True), scene, tuple(recorded))
    for k, v in recorded.items():
        assert got[k] == pytest.approx(v, rel=2e-3, abs=2e-4), k
    exp = evaluate_reduced(fusionzoo.create_model("exp"), scene, ("SAM", "ERGAS"))
    assert w.baselines["exp"][scene_name]["reduced_resolution"]["SAM"] == pytest.approx(exp["SAM"], abs=2e-4)
    assert got["SAM"] < exp["SAM"] and got["ERGAS"] < exp["ERGAS"]


def test_training_scenes_and_evaluation_scenes_are_disjoint():
    for name in fusionzoo.list_models(pretrained=True):
        w = fusionzoo.get_weights(name)
        assert not {e["name"] for e in w.train_data} & {e["name"] for e in w.eval_data}
