"""fusionzoo against the reference implementations, side by side, on the same inputs, in one run.

    python scripts/bench_references.py --port DIR [--dlpan DIR] [--size 2048] [--bands 4 8] [--repeat 3]
        [--methods exp bt ihs ...] [--cnns pnn dicnn ...] [--cnn-sizes 256 1024] [--threads 2]
        [--out docs/benchmarks/pansharpening_references.md]

Two comparisons:

* classical methods: fusionzoo against the NumPy port of the MATLAB toolbox, ``codegaj/py_pansharpening``
  (MIT licence; not on PyPI: ``git clone https://github.com/codegaj/py_pansharpening DIR``; its ``utils.py``
  needs ``opencv-python`` (``pip install opencv-python-headless``), scikit-learn and SciPy).  The port is
  imported as it is, with one compatibility shim: ``np.int`` (removed in NumPy 1.24) is set to ``int`` when
  missing.  Its functions take ``pan`` (M, N, 1) and ``hs`` (m, n, C) float64 HWC arrays in [0, 1] and return
  ``uint8(clip(F, 0, 1) * 255)`` (``upsample_interp23``, fusionzoo's ``exp``, returns floats); fusionzoo takes
  float32 (1, C, h, w) / (1, 1, H, W) tensors.  Both inputs are prepared before the clock starts.
* CNNs: fusionzoo's networks against the reference PyTorch classes of the DLPan-Toolbox
  (``liangjiandeng/DLPan-Toolbox``, GPL-3.0: used from a checkout, never copied here: ``git clone
  https://github.com/liangjiandeng/DLPan-Toolbox DIR``), 8 bands (the toolbox's WorldView-3 classes).  Each
  reference class is built (random initialisation) and its ``state_dict`` is loaded into the fusionzoo model
  through fusionzoo's own ``checkpoint_filter_fn``, so both hold the same weights.  The reference classes get
  their inputs as their training code prepares them, precomputed and not timed (the upsampled MS ``lms`` by
  fusionzoo's ``interp23tap``, PNN / A-PNN's replicate-padded ``[lms, pan]``, PanNet's high-passed inputs),
  and their output gets the upsampled MS added where their training code adds it (A-PNN, PanNet, FusionNet),
  also untimed; fusionzoo's timed call is the whole ``model(ms, pan)``: input checks, upsampling, high-pass.

Each cell runs both sides ``--repeat`` times, interleaved (A, B, A, B, ...) after one untimed warm-up each,
and reports the median wall time and the median process CPU time (all threads), the ratio reference /
fusionzoo (above 1: fusionzoo is faster) and the largest absolute difference of the outputs (for the port's
uint8 outputs: fusionzoo's output quantised the same way, in units of 1/255).  The Markdown report records the
machine, the torch threads and the load average before and after.  On a loaded machine read the CPU times.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import platform
import statistics
import sys
import time
import types
from pathlib import Path


def _threads_argument(argv: list[str]) -> str:
    """``--threads`` as given (default 2), read before NumPy starts its BLAS / OpenMP thread pools."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "2"


for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):  # the port's BLAS too
    os.environ.setdefault(_var, _threads_argument(sys.argv[1:]))

import numpy as np
import torch
import torch.nn.functional as F

import fusionzoo
from fusionzoo.ops.interp import interp23tap

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_classical import scene  # the same synthetic scene as the speed table

# fusionzoo name -> (port module, function, extra keyword arguments); exp is the port's upsampler
PORT_METHODS = {
    "exp": ("utils", "upsample_interp23", {}),
    "bt": ("Brovey", "Brovey", {}),
    "ihs": ("IHS", "IHS", {}),
    "pca": ("PCA", "PCA", {}),
    "gs": ("GS", "GS", {}),
    "gsa": ("GSA", "GSA", {}),
    "sfim": ("SFIM", "SFIM", {}),
    "mtf_glp": ("MTF_GLP", "MTF_GLP", {}),
    "mtf_glp_hpm": ("MTF_GLP_HPM", "MTF_GLP_HPM", {}),
}
# where the port follows the toolbox step by step, so that the outputs should agree (the others differ by
# design: GSA regresses on a cv2-bicubic-reduced PAN, SFIM filters with circular borders, the MTF-GLP pair
# uses a 9-tap Gaussian of its own, PCA is sklearn's (sign and final equalisation differ))
PORT_AGREES = {"exp", "bt", "ihs", "gs"}

# fusionzoo name -> (folder, file, class, constructor arguments) in the DLPan-Toolbox
DLPAN = "01-DL-toolbox(Pytorch)/UDL/pansharpening/models"
REF_CNNS = {
    "pnn": ("PNN", "model_pnn.py", "PNN", (8, None)),
    "apnn": ("APNN", "model_wv3.py", "APNN", ()),
    "dicnn": ("DiCNN", "model_dicnn.py", "DiCNN", (8, None)),
    "drpnn": ("DRPNN", "model_drpnn.py", "DRPNN", (8, None)),
    "msdcnn": ("MSDCNN", "model_msdcnn.py", "MSDCNN", (8, None)),
    "pannet": ("PanNet", "model_pannet.py", "PanNet", (8, None)),
    "fusionnet": ("FusionNet", "model_fusionnet.py", "FusionNet", (8, None)),
    "bdpn": ("BDPN", "model_bdpn.py", "BDPN", (8, None)),
}


# --- timing ----------------------------------------------------------------------------------------------
def _run(fn) -> tuple[float, float, object]:
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t, time.process_time() - c, out


def interleaved(fa, fb, repeat: int) -> dict:
    """Warm up both, then A, B, A, B... ``repeat`` times; medians of wall and CPU seconds, last outputs."""
    out_a, out_b = fa(), fb()
    wa, ca, wb, cb = [], [], [], []
    for _ in range(repeat):
        w, c, out_a = _run(fa)
        wa.append(w)
        ca.append(c)
        w, c, out_b = _run(fb)
        wb.append(w)
        cb.append(c)
    med = statistics.median
    return {"a": (med(wa), med(ca)), "b": (med(wb), med(cb)), "out_a": out_a, "out_b": out_b}


# --- the port ----------------------------------------------------------------------------------------------
def load_port(port_dir: Path) -> dict[str, types.ModuleType]:
    if not (port_dir / "utils.py").is_file() or not (port_dir / "methods").is_dir():
        raise SystemExit(f"--port {port_dir}: not a checkout of codegaj/py_pansharpening (utils.py, methods/)")
    if not hasattr(np, "int"):
        np.int = int  # the port calls np.int, removed in NumPy 1.24
    sys.path[:0] = [str(port_dir), str(port_dir / "methods")]
    try:
        import cv2  # noqa: F401
    except ImportError as e:
        raise SystemExit(f"the port needs OpenCV: pip install opencv-python-headless ({e})") from e
    mods = {}
    for mod, _, _ in PORT_METHODS.values():
        if mod not in mods:
            mods[mod] = importlib.import_module(mod)
    mods["PCA"].princomp = _pca3d()  # the port passes (M, N, C) arrays to inverse_transform
    return mods


def _pca3d():
    from sklearn.decomposition import PCA

    class PCA3D(PCA):
        """scikit-learn's PCA, whose ``inverse_transform`` takes (M, N, C) arrays again, as the port expects
        (scikit-learn >= 1.x accepts 2-D arrays only)."""

        def inverse_transform(self, X):
            X = np.asarray(X)
            return super().inverse_transform(X.reshape(-1, X.shape[-1])).reshape(X.shape)
    return PCA3D


def bench_port(mods, names, sizes_bands, ratio, repeat, log) -> list[dict]:
    rows = []
    for size, bands in sizes_bands:
        ms_t, pan_t = scene(size, bands, ratio, torch.float32, "cpu")
        ms_np = ms_t[0].permute(1, 2, 0).double().numpy().copy()  # (m, n, C) float64
        pan_np = pan_t[0].permute(1, 2, 0).double().numpy().copy()  # (M, N, 1)
        for name in names:
            mod, fn_name, kw = PORT_METHODS[name]
            port_fn = getattr(mods[mod], fn_name)
            model = fusionzoo.create_model(name, ratio=ratio)
            if name == "exp":
                def fb(port_fn=port_fn, ms_np=ms_np):
                    return port_fn(ms_np, ratio)
            else:
                def fb(port_fn=port_fn, ms_np=ms_np, pan_np=pan_np, kw=kw):
                    with contextlib.redirect_stdout(io.StringIO()):  # the port prints the ratio
                        return port_fn(pan_np, ms_np, **kw)

            def fa(model=model, ms_t=ms_t, pan_t=pan_t):
                with torch.no_grad():
                    return model(ms_t, pan_t)
            r = interleaved(fa, fb, repeat)
            ours = r["out_a"][0].permute(1, 2, 0).double().numpy()
            theirs = np.asarray(r["out_b"])
            if theirs.dtype == np.uint8:  # the port's uint8(clip(F, 0, 1) * 255)
                ours = np.clip(ours, 0, 1) * 255
                ours = ours.astype(np.uint8).astype(np.float64)
                diff = np.abs(ours - theirs.astype(np.float64)).max()
                unit = "/255"
            else:
                diff = np.abs(ours - theirs).max()
                unit = ""
            row = {"method": name, "bands": bands, "size": size, "fz": r["a"], "ref": r["b"],
                   "diff": f"{diff:.3g}{unit}", "agrees": name in PORT_AGREES}
            rows.append(row)
            log(_fmt_row(row, f"{name} ({bands} bands)"))
    return rows


# --- the DLPan-Toolbox classes ---------------------------------------------------------------------------
def load_dlpan(dlpan_dir: Path) -> dict[str, type]:
    root = dlpan_dir / DLPAN
    if not root.is_dir():
        raise SystemExit(f"--dlpan {dlpan_dir}: not a checkout of liangjiandeng/DLPan-Toolbox ({DLPAN} missing)")
    # the model files import a few names from the toolbox's package; stand-ins keep its heavy framework out
    init = dlpan_dir / "01-DL-toolbox(Pytorch)/UDL/Basis/variance_sacling_initializer.py"
    spec = importlib.util.spec_from_file_location("UDL.Basis.variance_sacling_initializer", init)
    vsi = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vsi)
    for name in ("UDL", "UDL.Basis", "UDL.pansharpening", "UDL.pansharpening.models"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["UDL.Basis.variance_sacling_initializer"] = vsi
    sys.modules["variance_sacling_initializer"] = vsi
    sys.modules["UDL.pansharpening.models"].PanSharpeningModel = type("PanSharpeningModel", (), {})
    classes = {}
    for name, (folder, fname, cls, _) in REF_CNNS.items():
        spec = importlib.util.spec_from_file_location(f"dlpan_{name}", root / folder / fname)
        mod = importlib.util.module_from_spec(spec)
        with contextlib.redirect_stdout(io.StringIO()):
            spec.loader.exec_module(mod)
        classes[name] = getattr(mod, cls)
    return classes


def _pair_models(name: str, ref_cls: type):
    """The reference model (random init) and the fusionzoo model loaded with its weights."""
    with contextlib.redirect_stdout(io.StringIO()):
        ref = ref_cls(*REF_CNNS[name][3]).eval()
    family = importlib.import_module(f"fusionzoo.models.pansharpening.{name}")
    state = family.checkpoint_filter_fn(ref.state_dict())
    model = fusionzoo.create_model(name, bands=8).eval()
    missing, unexpected = model.load_state_dict(state, strict=True)
    assert not missing and not unexpected
    return ref, model


def _ref_call(name: str, ref, ms, pan):
    """The reference forward on its prepared inputs, and what is added to its output afterwards."""
    lms = interp23tap(ms, 4)
    if name in ("pnn", "apnn"):
        x = F.pad(torch.cat([lms, pan], 1), (8,) * 4, mode="replicate")
        return (lambda: ref(x)), (lms if name == "apnn" else None)
    if name == "pannet":
        from fusionzoo.models.pansharpening.pannet import high_pass
        ms_hp, pan_hp = high_pass(ms), high_pass(pan)
        return (lambda: ref(ms_hp, pan_hp)), lms
    if name == "bdpn":
        return (lambda: ref(ms, pan)[0]), None
    return (lambda: ref(lms, pan)), (lms if name == "fusionnet" else None)


def bench_cnns(classes, names, sizes, repeat, log) -> list[dict]:
    rows = []
    for size in sizes:
        ms, pan = scene(size, 8, 4, torch.float32, "cpu")
        for name in names:
            ref, model = _pair_models(name, classes[name])
            fb, add = _ref_call(name, ref, ms, pan)

            def fa(model=model, ms=ms, pan=pan):
                with torch.no_grad():
                    return model(ms, pan)

            def fb_ng(fb=fb):
                with torch.no_grad():
                    return fb()
            r = interleaved(fa, fb_ng, repeat)
            theirs = r["out_b"] + add if add is not None else r["out_b"]
            row = {"method": name, "bands": 8, "size": size, "fz": r["a"], "ref": r["b"],
                   "diff": f"{(r['out_a'] - theirs).abs().max().item():.3g}", "agrees": True}
            rows.append(row)
            log(_fmt_row(row, f"{name} ({size}x{size})"))
    return rows


# --- report ----------------------------------------------------------------------------------------------
def _fmt_row(r: dict, label: str) -> str:
    (wf, cf), (wr, cr) = r["fz"], r["ref"]
    return (f"| {label} | {wf:.3f} / {cf:.3f} | {wr:.3f} / {cr:.3f} | {wr / wf:.2f} / {cr / cf:.2f} | "
            f"{r['diff']}{'' if r['agrees'] else ' (differs by design)'} |")


def machine() -> list[str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [f"- machine: {platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} logical CPUs",
            (f"- Python {platform.python_version()}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
            f"NumPy {np.__version__}")]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=Path, help="checkout of codegaj/py_pansharpening (classical methods)")
    ap.add_argument("--dlpan", type=Path, help="checkout of liangjiandeng/DLPan-Toolbox (CNNs)")
    ap.add_argument("--size", type=int, default=2048, help="PAN size of the classical comparison (square)")
    ap.add_argument("--bands", type=int, nargs="+", default=[4, 8])
    ap.add_argument("--methods", nargs="*", default=list(PORT_METHODS), choices=list(PORT_METHODS))
    ap.add_argument("--cnns", nargs="*", default=list(REF_CNNS), choices=list(REF_CNNS))
    ap.add_argument("--cnn-sizes", type=int, nargs="+", default=[256, 1024], help="PAN sizes of the CNN runs")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="torch threads, and NumPy's BLAS / OpenMP threads "
                    "unless OMP_NUM_THREADS etc. are set (on a loaded machine use 1 and read the CPU times)")
    ap.add_argument("--out", type=Path, default=None, help="Markdown report (default: print only)")
    a = ap.parse_args(argv)
    if a.port is None and a.dlpan is None:
        ap.error("give --port and/or --dlpan (see the module docstring for where to get them)")
    torch.set_num_threads(a.threads)
    lines = ["# fusionzoo against the reference implementations", "",
             (f"Written by `scripts/bench_references.py` ({' '.join(sys.argv[1:] if argv is None else argv)}), "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}."), "", *machine(),
             f"- load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", ""]
    def log(s: str) -> None:
        print(s, flush=True)
    head = ("| {what} | fusionzoo wall / CPU (s) | reference wall / CPU (s) | ratio wall / CPU | "
            "max abs diff |\n|---|---:|---:|---:|---:|")
    if a.port is not None:
        mods = load_port(a.port)
        lines += [(f"## Classical methods: fusionzoo vs the NumPy port (codegaj/py_pansharpening), PAN {a.size}x"
                  f"{a.size}, ratio 4, {a.repeat} interleaved runs"), "",
                  ("Ratio: port time / fusionzoo time (above 1: fusionzoo is faster). fusionzoo in float32, the "
                  "port in float64 (its own choice). Differences of uint8 outputs are in units of 1/255."), "",
                  head.format(what="method (bands)")]
        log("\n".join(lines[-1:]))
        rows = bench_port(mods, a.methods, [(a.size, b) for b in a.bands], 4, a.repeat, log)
        lines += [_fmt_row(r, f"`{r['method']}` ({r['bands']})") for r in rows] + [""]
    if a.dlpan is not None:
        classes = load_dlpan(a.dlpan)
        lines += [(f"## CNNs: fusionzoo vs the DLPan-Toolbox classes, same weights, 8 bands, {a.repeat} interleaved "
                  f"runs"), "",
                  ("Ratio: reference time / fusionzoo time. fusionzoo's time includes the input checks, the 23-tap "
                  "upsampling and (PanNet) the high-pass filters; the reference gets them precomputed."), "",
                  head.format(what="network (PAN size)")]
        log("\n".join(lines[-1:]))
        rows = bench_cnns(classes, a.cnns, a.cnn_sizes, a.repeat, log)
        lines += [_fmt_row(r, f"`{r['method']}` ({r['size']}x{r['size']})") for r in rows] + [""]
    before = next(i for i, s in enumerate(lines) if s.startswith("- load average before"))
    lines.insert(before + 1, f"- load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    text = "\n".join(lines).rstrip() + "\n"
    if a.out is not None:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = a.out.with_suffix(a.out.suffix + ".tmp")
        tmp.write_text(text)
        tmp.replace(a.out)
        print(f"wrote {a.out}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
