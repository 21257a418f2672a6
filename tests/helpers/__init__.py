"""Helpers shared by the tests: paths, fixture scripts under ``tests/data/<dataset>/``, the test-only
pansharpening family (:mod:`tests.helpers.toy_family`) and the command-line helpers (:mod:`tests.helpers.cli`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent  # the repository
SHARED = ROOT.parent / "shared"  # the real data and reference checkpoints, where present
DATA = SHARED / "data"


def load_fixture(dataset: str) -> ModuleType:
    """The fixture script ``tests/data/<dataset>/make_fixture.py`` as a module."""
    path = TESTS / "data" / dataset / "make_fixture.py"
    spec = importlib.util.spec_from_file_location(f"{dataset}_fixture", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
