"""Write the result files of a 3D-FCNN tag trained by ``scripts/train_fcnn3d.py``, with the baselines beside it.

    python scripts/record_hs_weights.py cave_x2 runs/fcnn3d_cave_x2 --root ../shared/data

Reads ``<run>/record.json`` (the tag's held-out scores and bicubic's, measured by the training script on the
held-out images) and measures, on the very same held-out pairs (the authors' ``gaussian_down_sample`` LR-HS),
the fusion methods that also see an MS image made from the reference with a sensor response (CAVE: the Nikon
D700 table of CUCaNet's code; airborne: WorldView-2): ``gsa_hs``, ``sfim_hs``, ``glp_hs``, ``fuse`` (the fast
ones; every method is in ``docs/benchmarks/hs_ms_fusion.md``).  Writes
``fusionzoo/results/hs_ms_fusion/fcnn3d.<tag>.json`` and ``baselines.fcnn3d_<tag>.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

import fusionzoo
from fusionzoo.degradation import load_srf
from fusionzoo.results import write_result

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_fcnn3d as T  # noqa: E402  (the training script's data and metric functions)

FUSION = ("gsa_hs", "sfim_hs", "glp_hs", "fuse")
WV2_MS = ("COASTAL", "BLUE", "GREEN", "YELLOW", "RED", "REDEDGE", "NIR1", "NIR2")
WAVELENGTHS = {"cave": [400.0 + 10 * i for i in range(31)],
               "hysu_hyspex": [417.0 + (903.0 - 417.0) * i / 134 for i in range(135)],
               "houston2018_casi": [380.0 + (1050.0 - 380.0) * i / 47 for i in range(48)]}


def msi(name: str, hr: torch.Tensor) -> torch.Tensor:
    """The HR-MS of a held-out image: the reference times a sensor response (rows normalised to sum 1)."""
    if name in WAVELENGTHS:
        wl, srf = WAVELENGTHS[name], load_srf("WorldView2").select(WV2_MS)
    else:
        wl, srf = WAVELENGTHS["cave"], load_srf("nikon_d700_cucanet")
    R = torch.as_tensor(srf.matrix(wl, normalise="sum"), dtype=torch.float64)
    return torch.einsum("cb,bhw->chw", R, hr.double()).float()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tag")
    ap.add_argument("run", type=Path, help="the training run folder holding record.json")
    ap.add_argument("--root", type=Path, default=Path("../shared/data"))
    a = ap.parse_args()
    rec = json.loads((a.run / "record.json").read_text())
    ratio = rec["model_kwargs"]["ratio"]
    data = T.PRESETS[a.tag]["data"]
    _, _, test = T.load_sets(a.root, data, ratio)
    baselines = {"bicubic": rec["baselines"]["bicubic"], **{m: {} for m in FUSION}}
    for name, hr, lr, _ in test:
        ms = msi(name, hr)
        for m in FUSION:
            t0 = time.perf_counter()
            out = fusionzoo.create_model(m)(hs=lr[None].float(), ms=ms[None])[0].float()
            baselines[m][name] = {f"x{ratio}": T.metrics(out.clamp_min(0), hr, ratio)}
            print(f"{name} {m}: {baselines[m][name]} in {time.perf_counter() - t0:.1f} s", flush=True)
    training = {k: rec["recipe"][k] for k in ("epochs_run", "chosen_epoch", "chosen_why", "lr", "batch", "patch",
                                              "train_minutes", "degradation", "init")}
    training["training_regions"] = rec["training_regions"]
    out = {"sha256": rec["sha256"], "num_params": rec["num_params"], "training": training,
           "train_data": rec["training_data"], "eval_data": rec["held_out"], "scaling": rec["scaling"],
           "metrics": rec["metrics"]}
    print("wrote", write_result("hs_ms_fusion", f"fcnn3d.{a.tag}", out))
    print("wrote", write_result("hs_ms_fusion", f"baselines.fcnn3d_{a.tag}", baselines))


if __name__ == "__main__":
    main()
