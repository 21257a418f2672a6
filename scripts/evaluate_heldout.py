"""Score pansharpening models on held-out real scenes (reduced resolution, toolbox conventions).

    python scripts/evaluate_heldout.py --models exp pnn.wv23 --scenes wv3_cdif --root ../shared/data
    python scripts/evaluate_heldout.py --models pnn --checkpoint runs/x/model.safetensors --bands 8 --scenes wv3_cdif

Prints one JSON line per (model, scene): the numbers recorded in the weights' metadata and model cards.
"""

import argparse
import json

import fusionzoo
from fusionzoo.datasets import load_scene
from fusionzoo.benchmarks.pansharpening import evaluate_reduced


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", required=True)
    p.add_argument("--scenes", nargs="+", required=True)
    p.add_argument("--root", default="../shared/data")
    p.add_argument("--checkpoint", help="a .safetensors file for the (single) learned model")
    p.add_argument("--bands", type=int)
    p.add_argument("--metrics", nargs="+", default=["SAM", "ERGAS", "Q2n", "SCC"])
    a = p.parse_args()
    for sc in a.scenes:
        scene = load_scene(sc, a.root)
        for name in a.models:
            kw = {"bands": a.bands} if a.bands else {}
            if a.checkpoint and name.split(".")[0] != "exp":
                model = fusionzoo.create_model(name, checkpoint=a.checkpoint, **kw)
            else:
                model = fusionzoo.create_model(name, pretrained=bool(fusionzoo.get_arch(name).cfg.weights), **kw)
            print(json.dumps({"model": name, "scene": sc, **evaluate_reduced(model, scene, a.metrics)}))


if __name__ == "__main__":
    main()
