"""Fixtures shared across the test folders."""

from __future__ import annotations

import pytest

from tests.helpers import toy_family as toy


@pytest.fixture
def out_dir(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    return d


@pytest.fixture
def toy_weights(tmp_path, monkeypatch):
    """The test-only architecture ``toypan`` with its weights resolvable through FUSIONZOO_WEIGHTS_DIR."""
    toy.register()
    base = tmp_path / "weights_dir"
    toy.write_weights(base)
    monkeypatch.setenv("FUSIONZOO_WEIGHTS_DIR", str(base))
    yield toy.weights()
    toy.unregister()


@pytest.fixture()
def pc_root(tmp_path):
    """A PanCollection folder (WV3 train / validation / test / full-resolution test files) and its arrays."""
    from tests.helpers import load_fixture

    root = tmp_path / "pancollection"
    return root, load_fixture("pancollection").make(root)
