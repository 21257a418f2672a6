"""The pansharpening benchmark protocol: pansharpening methods on real scenes, with the conventions of the published tables.

:func:`run_pansharpening_benchmark` runs every registered pansharpening method (the classical ones, and the
learned ones whose weights are registered; or the names given) on a set of scenes, under two protocols:

* **reduced resolution, with reference**: a scene that carries a reference (``gt``) is used as stored; a
  full-resolution scene is degraded by Wald's protocol (:func:`fusionzoo.datasets.degrade_scene`: MTF-matched
  filter and decimation of the MS, bicubic reduction of the PAN) and its original MS is the reference.
  Scores, as the MATLAB toolbox computes them: fused and reference at DN scale (the scene's bit depth),
  20 pixels cut at the top/left and 21 at the bottom/right, then Q2n (32 x 32 blocks), SAM (degrees),
  ERGAS, SCC and PSNR (peak = the full scale ``2**bits - 1``).
* **full resolution, without reference**: the scene's input pair as it is (for a scene with a reference, the
  stored low-resolution MS and PAN, the reference unused), cropped at its centre to a multiple of 32 PAN
  pixels (the metrics' block size; at most ``max_full_size`` pixels a side to bound the run time), scored by
  Khan's D_lambda, D_s and HQNR = (1 - D_lambda)(1 - D_s).

Each fusion is timed (wall clock, model creation excluded) and reported in seconds and in megapixels of
PAN per second.  A learned model whose weights expect another number of bands (or another ratio) than the
scene is skipped for that scene, and the tables say so.  :func:`write_benchmark_tables` writes Markdown and
CSV tables; :func:`run_speed_benchmark` times methods on a synthetic scene (``--speed`` of the CLI).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import torch

from ..datasets.pansharpening.scenes import PUBLIC_SCENES, Scene, load_scene
from ..metrics import HIGHER_IS_BETTER
from ..registry import create_model, get_arch
from ..cards import replace_block
from .runner import benchmark_methods, fmt, md_table, short_error, sync, write_csv, write_text_atomic

__all__ = ["fuse_scene", "evaluate_reduced", "evaluate_full", "REDUCED_METRICS", "FULL_METRICS", "BenchmarkResult", "build_method",
           "reduced_scores", "full_scores", "upsample_ms", "crop_full_resolution", "run_pansharpening_benchmark",
           "write_benchmark_tables", "published_comparison", "update_readme_comparison", "PUBLISHED_PANCOLLECTION",
           "run_speed_benchmark", "write_speed_table", "synthetic_scene"]

REDUCED_METRICS = ("Q2n", "SAM", "ERGAS", "SCC", "PSNR")
FULL_METRICS = ("D_lambda", "D_s", "HQNR")
BORDER = (20, 21)
BLOCK = 32
REDUCED_COLUMNS = ("scene", "sensor", "bands", "bit_depth", "ratio", "protocol", "pan_size", "method", "kind",
                   *REDUCED_METRICS, "seconds", "mpix_per_s", "note")
FULL_COLUMNS = ("scene", "sensor", "bands", "bit_depth", "ratio", "protocol", "pan_size", "method", "kind",
                *FULL_METRICS, "seconds", "mpix_per_s", "note")


# ----------------------------------------------------------------------------------------------- methods
def build_method(name: str, ratio: int, sensor: str | None = None) -> torch.nn.Module:
    """A method ready to run: a classical one at ``ratio`` with the scene's ``sensor`` (where it takes one),
    a learned one with its pretrained weights."""
    entry = get_arch(name)
    if entry.cfg.task != "pansharpening":
        raise ValueError(f"{name} is a {entry.cfg.task} model, not a pansharpening one")
    if not entry.cfg.classical:
        return create_model(name, pretrained=True)
    if sensor is not None:
        try:
            return create_model(name, ratio=ratio, sensor=sensor)
        except TypeError as e:  # a method without sensor-dependent filters
            if "sensor" not in str(e):
                raise
    return create_model(name, ratio=ratio)


def _incompatible(model: torch.nn.Module, bands: int, ratio: int) -> str | None:
    nb, r = getattr(model, "num_bands", None), getattr(model, "ratio", ratio)
    if nb is not None and nb != bands:
        w = getattr(model, "pretrained_cfg", None)
        what = f"weights for {nb} bands ({w.sensor})" if w is not None else f"{nb} bands"
        return f"skipped: {what}, scene has {bands}"
    if r != ratio:
        return f"skipped: model works at ratio {r}, scene has ratio {ratio}"
    return None


@torch.no_grad()
def _fuse(model: torch.nn.Module, ms: torch.Tensor, pan: torch.Tensor, device: torch.device
          ) -> tuple[torch.Tensor, float]:
    """``model(ms, pan)`` on one (C, h, w) / (1, H, W) pair: the result clipped to [0, 1] (as
    :func:`fuse_scene`) and the wall-clock seconds of the forward pass."""
    model = model.eval().to(device)
    m, p = ms[None].to(device), pan[None].to(device)
    r = pan.shape[-1] // ms.shape[-1]
    try:  # warm-up on a small corner: filter design, caches, CUDA kernels are not timed
        model(m[..., :16, :16], p[..., :16 * r, :16 * r])
    except Exception:  # noqa: BLE001 - some methods need larger inputs; the timed run reports real errors
        pass
    sync(device)
    t0 = time.perf_counter()
    out = model(m, p)
    sync(device)
    dt = time.perf_counter() - t0
    if tuple(out.shape) != (1, ms.shape[0], *pan.shape[-2:]):
        raise ValueError(f"returned shape {tuple(out.shape)}, expected {(1, ms.shape[0], *pan.shape[-2:])}")
    if not torch.isfinite(out).all():
        raise ValueError("produced NaN or infinite values")
    return out[0].clamp(0, 1).cpu(), dt


# ----------------------------------------------------------------------------------------------- scores
def reduced_scores(fused: torch.Tensor, ref: torch.Tensor, bit_depth: int, ratio: int,
                   border: tuple[int, int] = BORDER) -> dict[str, float]:
    """Q2n, SAM, ERGAS, SCC, PSNR of ``fused`` against ``ref`` ((C, H, W) on [0, 1]) with the toolbox
    conventions: DN scale (``2**bit_depth - 1``), ``border`` pixels cut, Q2n on 32 x 32 blocks, PSNR with
    the full scale as peak (the same as :func:`evaluate_reduced`)."""
    from .. import metrics as M

    scale = 2**bit_depth - 1
    f = M.cut_border(fused.double()[None] * scale, *border)
    r = M.cut_border(ref.double()[None] * scale, *border)
    vals = {"Q2n": M.q2n(f, r, BLOCK), "SAM": M.sam(f, r), "ERGAS": M.ergas(f, r, ratio), "SCC": M.scc(f, r),
            "PSNR": M.psnr(f, r, data_range=scale)}
    return {k: float(v.mean()) for k, v in vals.items()}


def upsample_ms(ms: torch.Tensor, ratio: int) -> torch.Tensor:
    """The MS (C, h, w) on the PAN grid by the 23-tap interpolator, in float64: what the no-reference
    metrics compare against (computed once per scene and passed to :func:`full_scores`)."""
    from ..ops import interp23tap

    return interp23tap(ms.double()[None], ratio)[0]


def full_scores(fused: torch.Tensor, ms: torch.Tensor, pan: torch.Tensor, sensor: str, bit_depth: int,
                ratio: int) -> dict[str, float]:
    """Khan's D_lambda, D_s and HQNR of ``fused`` (C, H, W) from ``ms`` and ``pan`` (1, H, W), all on [0, 1];
    Q2n-based terms at DN scale (``2**bit_depth - 1``), 32 x 32 blocks.  ``ms`` is the original (C, h, w)
    or, to save the interpolation on repeated calls, :func:`upsample_ms` of it (the same numbers)."""
    from .. import metrics as M

    h, dl, ds = M.hqnr(fused.double()[None], ms.double()[None], pan.double()[None], sensor, ratio, BLOCK,
                       max_value=2**bit_depth - 1, return_components=True)
    return {"D_lambda": float(dl.mean()), "D_s": float(ds.mean()), "HQNR": float(h.mean())}


def crop_full_resolution(scene: Scene, max_size: int | None = None, block: int = BLOCK
                         ) -> tuple[torch.Tensor, torch.Tensor]:
    """The centre of a full-resolution scene, MS-aligned, with PAN sides a multiple of ``block`` (and of the
    ratio) of at most ``max_size`` pixels: ``(ms, pan)``.  Raises ``ValueError`` when nothing is left."""
    r = scene.ratio
    unit = block * r // math.gcd(block, r)  # PAN pixels: a multiple of the block and of the ratio
    h, w = scene.ms.shape[-2:]
    H, W = r * h, r * w
    lim_h, lim_w = (H, W) if max_size is None else (min(H, max_size), min(W, max_size))
    Hc, Wc = lim_h // unit * unit, lim_w // unit * unit
    if Hc == 0 or Wc == 0:
        raise ValueError(f"PAN {H}x{W} is smaller than one {unit}-pixel block")
    t, l = (h - Hc // r) // 2, (w - Wc // r) // 2
    ms = scene.ms[:, t:t + Hc // r, l:l + Wc // r]
    pan = scene.pan[:, r * t:r * t + Hc, r * l:r * l + Wc]
    return ms, pan


# -------------------------------------------------------------------------------------------- the run
@dataclass
class BenchmarkResult:
    """Rows of the two protocols (dicts keyed by :data:`REDUCED_COLUMNS` / :data:`FULL_COLUMNS`), the scenes
    that were left out with the reason, and the settings of the run."""

    reduced: list[dict[str, Any]] = field(default_factory=list)
    full: list[dict[str, Any]] = field(default_factory=list)
    skipped_scenes: list[tuple[str, str]] = field(default_factory=list)
    #: scenes that could not be read or run (name, reason): the run goes on without them and says so
    failed_scenes: list[tuple[str, str]] = field(default_factory=list)
    scene_notes: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


def _size(t: torch.Tensor) -> str:
    return f"{t.shape[-1]}x{t.shape[-2]}"


def _run_one(name: str, model_cache: dict[str, Any], ms: torch.Tensor, pan: torch.Tensor, scene: Scene,
             device: torch.device) -> tuple[torch.Tensor | None, float | None, str]:
    """Build (or reuse) the model, check it fits the scene, fuse; returns (fused, seconds, note)."""
    try:
        if get_arch(name).cfg.kind == "learned":
            if name not in model_cache:
                try:
                    model_cache[name] = build_method(name, scene.ratio)
                except Exception as e:  # noqa: BLE001 - reported in the table
                    model_cache[name] = f"skipped: weights unavailable ({short_error(e)})"
            model = model_cache[name]
            if isinstance(model, str):
                return None, None, model
        else:
            model = build_method(name, scene.ratio, scene.sensor)
    except Exception as e:  # noqa: BLE001
        return None, None, f"error: {short_error(e)}"
    why = _incompatible(model, ms.shape[0], scene.ratio)
    if why:
        return None, None, why
    try:
        fused, dt = _fuse(model, ms, pan, device)
    except Exception as e:  # noqa: BLE001 - e.g. a method defined for 3 bands only
        return None, None, f"n/a: {short_error(e)}"
    return fused, dt, ""


def run_pansharpening_benchmark(scenes: Iterable[str | Scene] | None = None, models: Sequence[str] | None = None,
                                root: str | os.PathLike = "../shared/data", device: str | torch.device = "cpu",
                                max_full_size: int | None = 512, protocols: Sequence[str] = ("reduced", "full"),
                                log: Callable[[str], None] | None = print) -> BenchmarkResult:
    """Run the methods on the scenes under both protocols (see the module documentation).

    Args:
        scenes: names of :data:`~fusionzoo.datasets.PUBLIC_SCENES` (read from ``root``) or :class:`Scene`
            objects; default: every catalogued scene whose files are under ``root`` (the others are listed
            as skipped).
        models: method names or wildcards (default: :func:`benchmark_methods`).
        root: the data folder of the catalogue.
        device: where the methods run (``"cpu"``, ``"cuda"``).
        max_full_size: largest PAN side of the full-resolution crop (``None``: the whole scene).
        protocols: ``"reduced"`` and / or ``"full"``.
        log: progress messages (``None`` for silence).
    """
    say = log or (lambda s: None)
    device = torch.device(device)
    names = benchmark_methods("pansharpening", models)
    res = BenchmarkResult(settings={
        "device": str(device), "threads": torch.get_num_threads(), "cpus": os.cpu_count(),
        "torch": torch.__version__, "machine": platform.machine(), "max_full_size": max_full_size,
        "methods": names, "date": _dt.date.today().isoformat(), "root": str(root)})
    scene_list = _load_scenes(scenes, root, res, say)
    cache: dict[str, Any] = {}
    t_start = time.perf_counter()
    for scene in scene_list:
        try:
            if "reduced" in protocols:
                _reduced_rows(scene, names, cache, device, res, say)
            if "full" in protocols:
                _full_rows(scene, names, cache, device, max_full_size, res, say)
        except Exception as e:  # noqa: BLE001 - one bad scene must not lose the others' results
            _fail(res, scene.name, e, say)
            for rows in (res.reduced, res.full):  # a half-done scene is left out entirely
                rows[:] = [r for r in rows if r["scene"] != scene.name]
    res.settings["total_seconds"] = time.perf_counter() - t_start
    say(f"done in {res.settings['total_seconds']:.0f} s")
    return res



def _load_scenes(scenes, root, res: BenchmarkResult, say) -> list[Scene]:
    """The scenes to run (names read from ``root``; by default the catalogue, missing files listed as skipped)."""
    out: list[Scene] = []
    wanted = list(PUBLIC_SCENES) if scenes is None else list(scenes)
    unknown = [s for s in wanted if not isinstance(s, Scene) and s not in PUBLIC_SCENES]
    if unknown:  # a typo is a usage error, found before any work
        raise KeyError(f"unknown scene(s) {', '.join(map(repr, unknown))}; known: {', '.join(PUBLIC_SCENES)}")
    for s in wanted:
        if isinstance(s, Scene):
            out.append(s)
            continue
        try:
            out.append(load_scene(s, root))
        except FileNotFoundError as e:
            if scenes is not None:  # asked for by name: a failure, not a quiet skip
                _fail(res, s, e, say)
            else:
                res.skipped_scenes.append((s, f"files not found under {root}"))
                say(f"skip {s}: {e}")
        except Exception as e:  # noqa: BLE001 - an unreadable scene is reported, the others still run
            _fail(res, s, e, say)
        if s in PUBLIC_SCENES and PUBLIC_SCENES[s].note:
            res.scene_notes[s] = PUBLIC_SCENES[s].note
    return out


def _fail(res: BenchmarkResult, name: str, e: BaseException, say) -> None:
    from ..cli.errors import one_line

    why = one_line(e)
    res.failed_scenes.append((name, why))
    say(f"FAILED {name}: {why} (the other scenes go on)")


def _base_row(scene: Scene) -> dict[str, Any]:
    return {"scene": scene.name, "sensor": scene.sensor, "bands": scene.ms.shape[0], "bit_depth": scene.bit_depth,
            "ratio": scene.ratio}


def _reduced_rows(scene: Scene, names: Sequence[str], cache: dict, device: torch.device, res: BenchmarkResult,
                  say) -> None:
    """Reduced resolution: the scene's reference pair as stored, or Wald-degraded; scored against the reference."""
    from ..datasets.pansharpening.wald_patches import degrade_scene

    ms_lr, pan_lr, gt = degrade_scene(scene)
    protocol = "as stored" if scene.gt is not None else "Wald-degraded"
    if min(pan_lr.shape[-2:]) < sum(BORDER) + BLOCK:
        res.skipped_scenes.append((scene.name, f"reduced resolution: PAN {_size(pan_lr)} too small for the "
                                               f"{BORDER[0]}/{BORDER[1]}-pixel border cut and {BLOCK}x{BLOCK} Q2n "
                                               f"blocks"))
        return
    say(f"{scene.name}: reduced resolution ({protocol}), PAN {_size(pan_lr)}, {len(names)} methods")
    for name in names:
        fused, dt, note = _run_one(name, cache, ms_lr, pan_lr, scene, device)
        row = {**_base_row(scene), "protocol": protocol, "pan_size": _size(pan_lr), "method": name,
               "kind": get_arch(name).cfg.kind, "note": note}
        if fused is not None:
            row.update(reduced_scores(fused, gt, scene.bit_depth, scene.ratio))
            row.update(seconds=dt, mpix_per_s=pan_lr.shape[-1] * pan_lr.shape[-2] / 1e6 / max(dt, 1e-9))
        res.reduced.append(row)


def _full_rows(scene: Scene, names: Sequence[str], cache: dict, device: torch.device, max_full_size: int | None,
               res: BenchmarkResult, say) -> None:
    """Full resolution: the input pair's centre crop, scored without reference."""
    try:
        ms, pan = crop_full_resolution(scene, max_full_size)
    except ValueError as e:
        res.skipped_scenes.append((scene.name, f"full resolution: {e}"))
        return
    full_size = f"{_size(pan)} of {_size(scene.pan)}" if pan.shape != scene.pan.shape else _size(pan)
    if scene.gt is not None:
        full_size += " (input pair)"
    say(f"{scene.name}: full resolution, PAN {full_size}, {len(names)} methods")
    ms_up = upsample_ms(ms, scene.ratio)
    for name in names:
        fused, dt, note = _run_one(name, cache, ms, pan, scene, device)
        row = {**_base_row(scene), "protocol": "full resolution", "pan_size": full_size, "method": name,
               "kind": get_arch(name).cfg.kind, "note": note}
        if fused is not None:
            row.update(full_scores(fused, ms_up, pan, scene.sensor, scene.bit_depth, scene.ratio))
            row.update(seconds=dt, mpix_per_s=pan.shape[-1] * pan.shape[-2] / 1e6 / max(dt, 1e-9))
        res.full.append(row)

# ------------------------------------------------------------------------------------------------ tables
def _settings_line(res: BenchmarkResult) -> str:
    s = res.settings
    return (f"Generated by `fusionzoo benchmark pansharpening` on {s.get('date', '?')}: device {s.get('device')}, "
            f"{s.get('threads')} torch threads of {s.get('cpus')} CPUs, torch {s.get('torch')}; "
            f"total {s.get('total_seconds', 0):.0f} s. Run times are wall-clock seconds of one forward pass "
            f"(model creation excluded) on a machine shared with other jobs: compare them within a table only.")


def _markdown(res: BenchmarkResult, rows: list[dict[str, Any]], metrics: Sequence[str], title: str,
              intro: str, sort_key: str) -> str:
    out = [f"# {title}", "", intro, "", _settings_line(res), ""]
    scenes: list[str] = []
    for r in rows:
        if r["scene"] not in scenes:
            scenes.append(r["scene"])
    # summary: mean over the scenes a method was scored on
    methods: list[str] = []
    for r in rows:
        if r["method"] not in methods:
            methods.append(r["method"])
    summary = []
    for m in methods:
        scored = [r for r in rows if r["method"] == m and r.get(sort_key) is not None]
        if not scored:
            continue
        means = [sum(r[k] for r in scored) / len(scored) for k in metrics]
        mp = [r["mpix_per_s"] for r in scored]
        summary.append((m, len(scored), means, sorted(mp)[len(mp) // 2]))
    if summary:
        i = list(metrics).index(sort_key)
        summary.sort(key=lambda t: -t[2][i] if HIGHER_IS_BETTER[sort_key] else t[2][i])
        out += [f"## Mean over the scenes ({len(scenes)} scenes)", "",
                "Means over the scenes each method could be scored on (column `scenes`); methods scored on "
                "fewer scenes are not directly comparable. Sorted by " + sort_key + ".", ""]
        out += md_table(["method", "scenes", *metrics, "median MPix/s"],
                         [[f"`{m}`", str(n), *(fmt(v) for v in means), fmt(mp, 2)] for m, n, means, mp in summary])
        out.append("")
    for sc in scenes:
        srows = [r for r in rows if r["scene"] == sc]
        r0 = srows[0]
        out += [f"## {sc}", "",
                f"{r0['sensor']}, {r0['bands']} bands, {r0['bit_depth']}-bit, ratio {r0['ratio']}; {r0['protocol']}; "
                f"PAN {r0['pan_size']}." + (f" Note: {res.scene_notes[sc]}." if sc in res.scene_notes else ""), ""]
        ok = [r for r in srows if r.get(sort_key) is not None]
        ok.sort(key=lambda r: -r[sort_key] if HIGHER_IS_BETTER[sort_key] else r[sort_key])
        body = [[f"`{r['method']}`", *(fmt(r[k]) for k in metrics), fmt(r["seconds"], 3),
                 fmt(r["mpix_per_s"], 2)] for r in ok]
        out += md_table(["method", *metrics, "seconds", "MPix/s"], body)
        left = [r for r in srows if r.get(sort_key) is None]
        if left:
            out += ["", "Not scored: " + "; ".join(f"`{r['method']}` ({r['note']})" for r in left) + "."]
        out.append("")
    if res.skipped_scenes:
        out += ["## Scenes not scored", ""] + [f"- {n}: {why}" for n, why in res.skipped_scenes] + [""]
    if res.failed_scenes:
        out += ["## Scenes that failed", ""] + [f"- {n}: {why}" for n, why in res.failed_scenes] + [""]
    return "\n".join(out)


def write_benchmark_tables(res: BenchmarkResult, out_dir: str | os.PathLike) -> list[Path]:
    """Write ``pansharpening_reduced.{md,csv}`` and ``pansharpening_full.{md,csv}`` (for the protocols
    that have rows) under ``out_dir``, and refresh the comparison with the published PanCollection numbers
    in ``out_dir/README.md`` where it has the markers :data:`README_START` / :data:`README_END`; returns the
    paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    specs = [
        ("reduced", res.reduced, REDUCED_COLUMNS, REDUCED_METRICS, "Q2n",
         "Pansharpening benchmark: reduced resolution (with reference)",
         "Scenes with a reference are used as stored; full-resolution scenes are degraded by Wald's protocol "
         "(MTF-matched filter and decimation of the MS, bicubic reduction of the PAN) and their original MS is "
         "the reference. Scores with the toolbox conventions: DN scale of each scene's bit depth, 20/21 pixels "
         "cut at the borders, Q2n on 32x32 blocks (Q4 / Q8), SAM in degrees, ERGAS, SCC, PSNR in dB with the "
         "full scale as peak. Higher is better for Q2n, SCC and PSNR; lower for SAM and ERGAS."),
        ("full", res.full, FULL_COLUMNS, FULL_METRICS, "HQNR",
         "Pansharpening benchmark: full resolution (without reference)",
         "Full-resolution scenes at their native scale, cropped at the centre to a multiple of 32 PAN pixels "
         "(at most the size given in the PAN column). Khan's D_lambda (1 - Q2n of the MTF-filtered fused image "
         "against the upsampled MS), D_s (UIQI against the PAN vs. against the PAN reduced and re-upsampled, "
         "32x32 blocks) and HQNR = (1 - D_lambda)(1 - D_s). Lower is better for D_lambda and D_s, higher for "
         "HQNR."),
    ]
    for key, rows, columns, metrics, sort_key, title, intro in specs:
        if not rows:
            continue
        csv_p, md_p = out / f"pansharpening_{key}.csv", out / f"pansharpening_{key}.md"
        write_csv(rows, columns, csv_p)
        write_text_atomic(md_p, _markdown(res, rows, metrics, title, intro, sort_key) + "\n")
        written += [md_p, csv_p]
    if update_readme_comparison(res, out / "README.md"):
        written.append(out / "README.md")
    return written


# ------------------------------------------------------------------------------- published numbers
#: PanCollection benchmark (Deng et al., Journal of Image and Graphics 2022; 20 reduced- and 20 full-resolution
#: test images per sensor, MATLAB toolbox metrics): mean (Q2n, SAM, ERGAS, HQNR) per sensor.
PUBLISHED_PANCOLLECTION: dict[str, tuple[str, dict[str, tuple[float, float, float, float]]]] = {
    "BT-H": ("bt_h", {"WV3": (0.8324, 4.9198, 4.5789, 0.8670), "QB": (0.8326, 7.1943, 7.4008, 0.6434),
                      "GF2": (0.9177, 1.6488, 1.5280, 0.8165)}),
    "BDSD-PC": ("bdsd_pc", {"WV3": (0.8294, 5.4293, 4.6976, 0.8698), "QB": (0.8308, 8.2606, 7.5679, 0.6722),
                            "GF2": (0.8931, 1.6763, 1.6505, 0.7812)}),
    "MTF-GLP-FS": ("mtf_glp_fs", {"WV3": (0.8333, 5.3162, 4.7004, 0.9180), "QB": (0.8352, 8.1012, 7.4098, 0.8199),
                                  "GF2": (0.8955, 1.6578, 1.5994, 0.8309)}),
    "MTF-GLP-HPM-R": ("mtf_glp_hpm_r", {"WV3": (0.8346, 5.3383, 5.2301, 0.9187),
                                        "QB": (0.8403, 8.0466, 9.1991, 0.8108),
                                        "GF2": (0.8985, 1.6526, 1.5986, 0.8276)}),
    "PNN": ("pnn", {"WV3": (0.8797, 3.6054, 2.7756, 0.9369), "QB": (0.9158, 5.2135, 4.5004, 0.8837),
                    "GF2": (0.9592, 1.0491, 1.0592, 0.8771)}),
    "PanNet": ("pannet", {"WV3": (0.8763, 3.5505, 2.7813, 0.9374), "QB": (0.8830, 5.8013, 5.9076, 0.8488),
                          "GF2": (0.9660, 0.9984, 0.9223, 0.9036)}),
    "DiCNN": ("dicnn", {"WV3": (0.8864, 3.5170, 2.7795, 0.9195), "QB": (0.9011, 5.3862, 5.1764, 0.8090),
                        "GF2": (0.9582, 1.0536, 1.0821, 0.8675)}),
    "MSDCNN": ("msdcnn", {"WV3": (0.8763, 3.7071, 2.8755, 0.9316), "QB": (0.9188, 5.1471, 4.3828, 0.8774),
                          "GF2": (0.9601, 1.0477, 1.0423, 0.9044)}),
    "BDPN": ("bdpn", {"WV3": (0.8573, 4.1178, 3.1534, 0.9196), "QB": (0.9005, 6.1225, 5.2756, 0.8807),
                      "GF2": (0.9242, 1.4642, 1.5224, 0.8929)}),
    "FusionNet": ("fusionnet", {"WV3": (0.8906, 3.2560, 2.5712, 0.9406), "QB": (0.9231, 4.9279, 4.1754, 0.8936),
                                "GF2": (0.9628, 0.9742, 0.9892, 0.8673)}),
}
README_START = "<!-- published-comparison:start -->"
README_END = "<!-- published-comparison:end -->"


def _mean(vals: list[float]) -> float | None:
    return sum(vals) / len(vals) if vals else None


def published_comparison(res: BenchmarkResult) -> str:
    """Markdown: the published PanCollection means beside ours (means over our scenes of the same sensor)
    for the methods both have; learned methods match by architecture (every registered tag is a row)."""
    lines = []
    for sensor in ("WV3", "QB", "GF2"):
        red = [r for r in res.reduced if r["sensor"] == sensor and r.get("Q2n") is not None]
        full = [r for r in res.full if r["sensor"] == sensor and r.get("HQNR") is not None]
        n_red = len({r["scene"] for r in red})
        n_full = len({r["scene"] for r in full})
        q = "Q8" if sensor in ("WV3",) else "Q4"
        if not red and not full:
            lines += [f"**{sensor}**: no scene of ours (published numbers only in the table above).", ""]
            continue
        lines += [f"**{sensor}**: ours = mean over {n_red} reduced-resolution and {n_full} full-resolution "
                  f"scene(s) of ours; published = mean over the 20 + 20 PanCollection test images.", ""]
        body = []
        for label, (arch, pub) in PUBLISHED_PANCOLLECTION.items():
            if sensor not in pub:
                continue
            ours = sorted({r["method"] for r in red + full if r["method"].split(".")[0] == arch})
            p = pub[sensor]
            if not ours:
                body.append([label, f"{p[0]:.4f}", "", f"{p[1]:.4f}", "", f"{p[2]:.4f}", "", f"{p[3]:.4f}", ""])
            for m in ours:
                o = [_mean([r[k] for r in red if r["method"] == m]) for k in ("Q2n", "SAM", "ERGAS")]
                o.append(_mean([r["HQNR"] for r in full if r["method"] == m]))
                name = label if m == arch else f"{label} (`{m}`)"
                body.append([name, *(c for pair in zip((f"{x:.4f}" for x in p), (fmt(x) for x in o))
                                     for c in pair)])
        lines += md_table(["method", f"{q} published", f"{q} ours", "SAM published", "SAM ours",
                            "ERGAS published", "ERGAS ours", "HQNR published", "HQNR ours"], body)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def update_readme_comparison(res: BenchmarkResult, readme: str | os.PathLike) -> bool:
    """Regenerate the comparison between the README's markers (if it has them); returns whether it changed."""
    path = Path(readme)
    if not path.is_file():
        return False
    text = path.read_text()
    if README_START not in text or README_END not in text:
        return False
    new = replace_block(text, README_START, README_END, published_comparison(res), path)
    if new != text:
        write_text_atomic(path, new)
        return True
    return False


# --------------------------------------------------------------------------------------------- speed run
def synthetic_scene(size: int, bands: int, ratio: int = 4, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A smooth random scene on [0, 1]: ``ms`` (bands, size/ratio, size/ratio), ``pan`` (1, size, size)."""
    g = torch.Generator().manual_seed(seed)
    n = max(size // 32, 2)
    base = torch.rand(1, 1, n, n, generator=g)
    var = torch.rand(1, bands, n, n, generator=g)
    hr = torch.nn.functional.interpolate(0.7 * base + 0.3 * var, size=(size, size), mode="bicubic",
                                         align_corners=False)
    hr = (0.15 + 0.5 * hr).clamp(0.01, 1.0)
    pan = hr.mean(1, keepdim=True)
    ms = torch.nn.functional.avg_pool2d(hr, ratio)
    return ms[0], pan[0]


def run_speed_benchmark(size: int = 2048, bands: Sequence[int] = (4, 8), models: Sequence[str] | None = None,
                        device: str | torch.device = "cpu", ratio: int = 4, repeat: int = 1,
                        log: Callable[[str], None] | None = print) -> dict[str, Any]:
    """Time methods (default: :func:`benchmark_methods`, every classical method and every learned ``arch.tag``
    with weights) on a synthetic ``size`` x ``size`` PAN scene for each band count (a learned model only on
    its weights' band count); returns ``{"rows": [{"method", "bands", "seconds", "mpix_per_s", "note"}],
    "settings": {...}}``.  Seconds are the best of ``repeat`` forward passes."""
    say = log or (lambda s: None)
    device = torch.device(device)
    names = benchmark_methods("pansharpening", models)
    data = {b: synthetic_scene(size, b, ratio) for b in bands}
    rows = []
    t_start = time.perf_counter()
    for name in names:
        for b in bands:
            ms, pan = data[b]
            row: dict[str, Any] = {"method": name, "bands": b, "seconds": None, "mpix_per_s": None, "note": ""}
            try:
                model = build_method(name, ratio, "generic") if get_arch(name).cfg.classical \
                    else build_method(name, ratio)
                why = _incompatible(model, b, ratio)
                if why:
                    row["note"] = why
                else:
                    best = min(_fuse(model, ms, pan, device)[1] for _ in range(max(repeat, 1)))
                    row.update(seconds=best, mpix_per_s=size * size / 1e6 / best)
            except Exception as e:  # noqa: BLE001 - reported
                row["note"] = f"n/a: {short_error(e)}"
            say(f"{name} {b} bands: " + (f"{row['seconds']:.2f} s" if row["seconds"] is not None else row["note"]))
            rows.append(row)
    settings = {"size": size, "bands": list(bands), "ratio": ratio, "device": str(device),
                "threads": torch.get_num_threads(), "cpus": os.cpu_count(), "torch": torch.__version__,
                "repeat": repeat, "date": _dt.date.today().isoformat(),
                "total_seconds": time.perf_counter() - t_start}
    return {"rows": rows, "settings": settings}


def write_speed_table(result: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write the speed run as a Markdown table (one row per method; seconds and MPix/s per band count)."""
    s, rows = result["settings"], result["rows"]
    bands = s["bands"]
    methods: list[str] = []
    for r in rows:
        if r["method"] not in methods:
            methods.append(r["method"])
    lines = ["# Pansharpening speed", "",
             f"Synthetic {s['size']}x{s['size']} PAN scene ({s['size'] // s['ratio']}x{s['size'] // s['ratio']} MS, "
             f"ratio {s['ratio']}), float32, device {s['device']}, {s['threads']} torch threads of {s['cpus']} CPUs, "
             f"torch {s['torch']}; best of {s['repeat']} forward pass(es), model creation excluded; "
             f"{s['date']}, total {s['total_seconds']:.0f} s. MPix/s counts PAN pixels. The machine is shared "
             f"with other jobs, so the times are indicative.", ""]
    headers = ["method"] + [h for b in bands for h in (f"{b} bands (s)", f"{b} bands (MPix/s)")]
    body, notes = [], []
    for m in methods:
        cells = [f"`{m}`"]
        for b in bands:
            r = next((x for x in rows if x["method"] == m and x["bands"] == b), None)
            if r is None or r["seconds"] is None:
                cells += ["n/a", "n/a"]
                if r is not None and r["note"]:
                    notes.append(f"`{m}` ({b} bands): {r['note']}")
            else:
                cells += [fmt(r["seconds"], 2), fmt(r["mpix_per_s"], 2)]
        body.append(cells)
    lines += md_table(headers, body)
    if notes:
        lines += ["", "Not timed: " + "; ".join(notes) + "."]
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(p, "\n".join(lines) + "\n")
    return p


# ------------------------------------------------------------------------------ one model on one scene
@torch.no_grad()
def fuse_scene(model: torch.nn.Module, scene: Scene, device: str | torch.device = "cpu") -> torch.Tensor:
    """Run ``model(ms, pan)`` on a whole scene; returns (C, H, W) clipped to [0, 1]."""
    model = model.eval().to(device)
    return model(scene.ms[None].to(device), scene.pan[None].to(device))[0].clamp(0, 1).cpu()


def evaluate_reduced(model: torch.nn.Module, scene: Scene, metrics: Sequence[str] = ("SAM", "ERGAS"),
                     border: tuple[int, int] = BORDER) -> dict[str, float]:
    """Reduced-resolution scores of ``model`` on a scene with reference (:func:`reduced_scores`), rounded to 4
    decimals as the weights records keep them."""
    if scene.gt is None:
        raise ValueError(f"scene {scene.name} has no reference: reduced-resolution metrics need one")
    vals = reduced_scores(fuse_scene(model, scene), scene.gt, scene.bit_depth, scene.ratio, border)
    return {k: round(vals[k], 4) for k in metrics}


def evaluate_full(model: torch.nn.Module, scene: Scene) -> dict[str, float]:
    """Full-resolution scores (``D_lambda``, ``D_s``, ``HQNR``) of ``model`` on the scene's input pair, without
    a reference; the scene's sensor gives the MTF of Khan's D_lambda.  The PAN sides must be multiples of 32."""
    fused = fuse_scene(model, scene)
    vals = full_scores(fused, scene.ms, scene.pan, scene.sensor, scene.bit_depth, scene.ratio)
    return {k: round(v, 4) for k, v in vals.items()}


# ------------------------------------------------------------------------------------------ command line
DESCRIPTION = (
    "Run every classical pansharpening method and every learned one with registered weights (or --models) on the "
    "catalogued real scenes found under --root: reduced resolution with reference (Q2n, SAM, ERGAS, SCC, PSNR; "
    "toolbox conventions) and full resolution without (D_lambda, D_s, HQNR), with run times; writes "
    "pansharpening_{reduced,full}.{md,csv} under --out. With --speed, times the methods (classical and learned) "
    "on a synthetic scene instead and writes pansharpening_speed.md.")


def add_arguments(b) -> None:
    """The options of ``fusionzoo benchmark pansharpening``."""
    b.add_argument("--scenes", nargs="+", metavar="NAME",
                   help="scenes of the catalogue (default: every one whose files are under --root)")
    b.add_argument("--models", nargs="+", metavar="NAME",
                   help="methods or wildcards, e.g. 'mtf_glp*' (default: every classical method and every "
                        "learned one with registered weights)")
    b.add_argument("--root", default="../shared/data", help="data folder holding pansharpening/... "
                   "(default: ../shared/data)")
    b.add_argument("--out", default="docs/benchmarks", help="output folder (default: docs/benchmarks)")
    b.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    b.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    b.add_argument("--max-full-size", type=int, default=512, metavar="N",
                   help="largest PAN side of the full-resolution centre crop (0: whole scene; default 512)")
    b.add_argument("--speed", action="store_true",
                   help="time the methods on a synthetic scene instead (see --speed-size)")
    b.add_argument("--speed-size", type=int, default=2048, metavar="N", help="PAN side of the speed scene")
    b.add_argument("--speed-bands", type=int, nargs="+", default=[4, 8], metavar="B",
                   help="band counts of the speed scene (default: 4 8)")
    b.add_argument("--quiet", action="store_true", help="no progress messages")


def run_cli(args) -> int:
    """``fusionzoo benchmark pansharpening``: run the protocol (or the speed run) and write the tables."""
    import sys

    from ..tasks import TaskError
    from ..tasks.common import check_device

    check_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out).expanduser()
    log = (lambda s: print(s, file=sys.stderr, flush=True)) if not args.quiet else None
    if args.speed:
        res = run_speed_benchmark(args.speed_size, args.speed_bands, args.models, args.device, log=log)
        print(f"wrote {write_speed_table(res, out / 'pansharpening_speed.md')}")
        return 0
    root = Path(args.root).expanduser()
    if args.scenes is None and not root.is_dir():
        raise TaskError(f"data folder {root} does not exist; pass --root (the folder holding pansharpening/...)")
    res = run_pansharpening_benchmark(args.scenes, args.models, root, args.device,
                                      max_full_size=args.max_full_size or None, log=log)
    for path in write_benchmark_tables(res, out):
        print(f"wrote {path}")
    for name, why in res.failed_scenes:
        print(f"fusionzoo: error: scene {name} failed: {why}", file=sys.stderr)
    if res.failed_scenes:
        print(f"fusionzoo: error: {len(res.failed_scenes)} scene(s) failed; the tables hold the others",
              file=sys.stderr)
        return 1
    return 0
