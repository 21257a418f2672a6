"""The benchmark runner every task shares: which methods to run, timing, and Markdown / CSV tables.

Each task has its protocol file beside this one (:mod:`.pansharpening`), reached through the task object
(:meth:`fusionzoo.tasks.Task.benchmark`); :func:`run_benchmark` runs a task's protocol by name.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

import torch

from ..registry import get_arch, list_models

__all__ = ["benchmark_methods", "run_benchmark", "fmt", "write_csv", "write_text_atomic", "md_table", "short_error",
           "sync"]


def benchmark_methods(task: str, models: Sequence[str] | None = None) -> list[str]:
    """The methods of ``task`` to run: by default every classical (or per-image fitted) method and every learned
    one with registered weights (as ``arch.tag``); else the given names, where shell wildcards (``"mtf_glp*"``)
    are matched against every registered name of the task."""
    registered = list_models(task=task)
    if models is None:
        return [n for n in registered if get_arch(n).cfg.classical or get_arch(n).cfg.weights]
    out: list[str] = []
    for m in models:
        hits = fnmatch.filter(registered, m) if any(c in m for c in "*?[") else [m]
        for h in hits:
            if get_arch(h).cfg.task != task:  # unknown names raise here, with close matches
                raise KeyError(f"{h} is a {get_arch(h).cfg.task} model, not a {task} one")
        if not hits:
            raise KeyError(f"no {task} model matches {m!r}")
        out += [h for h in hits if h not in out]
    return out


def run_benchmark(task: str, **kwargs: Any) -> Any:
    """Run the benchmark protocol of ``task`` (keyword arguments as its protocol takes them)."""
    from ..tasks import get_task

    return get_task(task).benchmark(**kwargs)


def short_error(e: BaseException | str, limit: int = 140) -> str:
    """An error message for a table cell: one line, its first clause, at most ``limit`` characters."""
    s = " ".join(str(e).split()).split("; ")[0]
    return s if len(s) <= limit else s[:limit - 3].rstrip() + "..."


def sync(device: torch.device) -> None:
    """Wait for the device (CUDA work is asynchronous), so that timings are true."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def fmt(v: Any, digits: int = 4) -> str:
    """A table cell: floats with ``digits`` decimals, ``nan`` spelled out, nothing for a missing value."""
    if v is None or v == "":
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        return f"{v:.{digits}f}"
    return str(v)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename: ``path`` is either
    the complete new file or the old one (a full disk never leaves a table cut mid-row)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; tables get the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str], path: Path) -> None:
    """Rows (dicts) as CSV with the given columns, floats with 6 decimals (written atomically)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow([fmt(r.get(c), 6) if isinstance(r.get(c), float) else r.get(c, "") for c in columns])
    write_text_atomic(path, buf.getvalue())


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table (lines); text columns left-aligned, the others right-aligned."""
    text = ("method", "kind", "note", "scene", "sensor", "modalities", "protocol", "test", "class")
    right = ["---:" if h not in text else "---" for h in headers]
    return ["| " + " | ".join(headers) + " |", "|" + "|".join(right) + "|",
            *("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows)]
