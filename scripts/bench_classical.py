"""Time the classical (parameter-free) pansharpening methods on a synthetic scene.

    python scripts/bench_classical.py --size 2048 --bands 4 8 [--models bt gsa ...] [--dtype float32]
        [--device cpu] [--threads N] [--repeat 1]

``--size`` is the PAN size (square); the MS is ``size / ratio``.  The scene is smooth random texture (values in
[0, 1]); each cell is ``wall / cpu`` seconds of one forward pass (best of ``--repeat``; model creation
excluded): wall-clock time and the process CPU time of all threads.  On a shared, loaded machine the wall time
grows with the load while the single-thread (``--threads 1``) CPU time stays a fair measure of the work.
Methods that reject a band count (e.g. ``ihs`` needs 3 bands) are reported as such.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

import fusionzoo
from fusionzoo.registry import get_arch


def scene(size: int, bands: int, ratio: int, dtype: torch.dtype, device: str, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(1, 1, size // 32, size // 32, generator=g)
    var = torch.rand(1, bands, size // 32, size // 32, generator=g)
    hr = 0.15 + 0.5 * F.interpolate(0.7 * base + 0.3 * var, size=(size, size), mode="bicubic", align_corners=False)
    hr = hr.clamp(0.01, 1.0)
    pan = hr.mean(1, keepdim=True)
    ms = F.avg_pool2d(hr, ratio)
    return ms.to(dtype=dtype, device=device), pan.to(dtype=dtype, device=device)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=2048, help="PAN size (square)")
    ap.add_argument("--bands", type=int, nargs="+", default=[4, 8])
    ap.add_argument("--ratio", type=int, default=4)
    ap.add_argument("--models", nargs="*", default=None, help="default: every classical pansharpening model")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    names = a.models or [n for n in fusionzoo.list_models(task="pansharpening", pretrained=False)
                         if get_arch(n).cfg.classical]
    dtype = getattr(torch, a.dtype)
    print(f"PAN {a.size}x{a.size}, ratio {a.ratio}, {a.dtype}, {a.device}, {torch.get_num_threads()} threads")
    print("| model | " + " | ".join(f"{b} bands: wall / cpu (s)" for b in a.bands) + " |")
    print("|---|" + "---:|" * len(a.bands))
    data = {b: scene(a.size, b, a.ratio, dtype, a.device) for b in a.bands}
    for name in names:
        cells = []
        for b in a.bands:
            ms, pan = data[b]
            model = fusionzoo.create_model(name, ratio=a.ratio)
            best, best_cpu = float("inf"), float("inf")
            try:
                for _ in range(a.repeat):
                    if a.device.startswith("cuda"):
                        torch.cuda.synchronize()
                    t, c = time.perf_counter(), time.process_time()
                    with torch.no_grad():
                        out = model(ms, pan)
                    if a.device.startswith("cuda"):
                        torch.cuda.synchronize()
                    best = min(best, time.perf_counter() - t)
                    best_cpu = min(best_cpu, time.process_time() - c)
                assert out.shape == (1, b, a.size, a.size)
                cells.append(f"{best:.2f} / {best_cpu:.2f}")
            except ValueError as e:
                cells.append("n/a (" + str(e).split(";")[0][:40] + ")")
        print(f"| `{name}` | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
