"""Measured results as data: the scores of every set of weights and of the baselines beside them.

One JSON file per weights tag, ``<task>/<arch>.<tag>.json`` (``sha256``, ``num_params``, ``training``: what the
recipe's run did, ``metrics``: ``{image: {protocol: {metric: value}}}``), and one per set of baselines,
``<task>/baselines.<set>.json`` (``{method: {image: {protocol: {metric: value}}}}``).  The measuring scripts
(``scripts/record_weights.py``) write them; the weights records of the model family files read them, and the
model cards, the README tables and the Hub cards are generated from those records.  Each number lives here
once.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["RESULTS_DIR", "load_result", "write_result", "result_path"]

RESULTS_DIR = Path(__file__).resolve().parent


def result_path(task: str, name: str, results_dir: str | os.PathLike | None = None) -> Path:
    """The file of result ``name`` (``"pnn.wv23"``, ``"baselines.wv23"``) of ``task``."""
    return Path(results_dir or RESULTS_DIR) / task / f"{name}.json"


def load_result(task: str, name: str, results_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Read a result file; a missing one raises ``FileNotFoundError`` naming the script that writes it."""
    path = result_path(task, name, results_dir)
    if not path.is_file():
        raise FileNotFoundError(f"no measured result {path}; measure it with scripts/record_weights.py (see "
                                f"CONTRIBUTING.md, 'Weights records')")
    return json.loads(path.read_text())


def write_result(task: str, name: str, data: dict[str, Any], results_dir: str | os.PathLike | None = None) -> Path:
    """Write a result file atomically (keys in their given order, which the generated tables follow; final newline)."""
    path = result_path(task, name, results_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"  # insertion order: tables follow it
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
