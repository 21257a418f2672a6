"""torch.hub entry points (``hubconf.py``): generated from the registry, documented from the model cards.

``torch.hub.load(<checkout>, name, source="local")`` runs the real loader.  ``torch.hub.list`` and
``torch.hub.help`` take a GitHub repository only (no ``source=``) in the installed torch, so they run with
their download step (``torch.hub._get_cache_or_reload``) answering with this checkout: the rest of their
code, the import of ``hubconf.py`` and the entry-point lookup, is torch's own.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import textwrap

import pytest
import torch

import fusionzoo
from fusionzoo.models.pansharpening.classical.interpolation import EXP
from fusionzoo.models.pansharpening.pnn import PNN
from fusionzoo.registry import list_archs
from tests.helpers import ROOT
from tests.helpers import toy_family as toy


@pytest.fixture
def local_hub(monkeypatch):
    """torch.hub.list / help on the checkout (``source="local"`` where torch has it)."""
    if "source" in inspect.signature(torch.hub.list).parameters:  # pragma: no cover - newer torch
        return {"source": "local"}
    monkeypatch.setattr(torch.hub, "_get_cache_or_reload", lambda *a, **k: str(ROOT))
    return {}


def test_entry_points_are_the_registry(local_hub):
    names = torch.hub.list(str(ROOT), **local_hub)
    assert sorted(names) == list_archs()


def test_help_has_card_and_tags(local_hub):
    doc = torch.hub.help(str(ROOT), "pnn", **local_hub)
    card = (ROOT / "model_cards" / "pnn.md").read_text()
    first = next(p for p in card.split("\n\n") if p.strip() and not p.lstrip().startswith("#"))
    assert " ".join(first.split()) in doc
    assert "Weights tags" in doc and "pretrained" in doc
    for w in fusionzoo.get_arch("pnn").cfg.weights:
        assert f"pnn.{w.tag}" in doc
    doc = torch.hub.help(str(ROOT), "exp", **local_hub)
    assert "23-tap" in doc and "classical" in doc


def test_load_local_exp():
    model = torch.hub.load(str(ROOT), "exp", source="local", trust_repo=True)
    assert isinstance(model, EXP) and model.ratio == 4
    ms, pan = torch.rand(1, 4, 8, 8), torch.rand(1, 1, 32, 32)
    assert model(ms, pan).shape == (1, 4, 32, 32)
    model = torch.hub.load(str(ROOT), "exp", source="local", trust_repo=True, ratio=2)
    assert model.ratio == 2


def test_load_local_pnn_and_errors():
    model = torch.hub.load(str(ROOT), "pnn", source="local", trust_repo=True, bands=4)
    assert isinstance(model, PNN) and model.num_bands == 4
    with pytest.raises(KeyError, match="unknown model|no pretrained weights"):
        torch.hub.load(str(ROOT), "pnn", source="local", trust_repo=True, tag="no_such_tag")
    with pytest.raises(RuntimeError, match="Cannot find callable"):
        torch.hub.load(str(ROOT), "no_such_model", source="local", trust_repo=True)


def test_load_local_tag_pretrained(tmp_path, monkeypatch):
    """An architecture registered after the first import is an entry point too; tag= picks its weights."""
    toy.register()
    try:
        toy.write_weights(tmp_path)
        monkeypatch.setenv("FUSIONZOO_WEIGHTS_DIR", str(tmp_path))
        model = torch.hub.load(str(ROOT), toy.ARCH, source="local", trust_repo=True, tag=toy.TAG,
                               pretrained=True)
        ref = toy.toy_state_dict()
        assert all(torch.equal(v, ref[k]) for k, v in model.state_dict().items())
        assert model.pretrained_cfg.tag == toy.TAG
    finally:
        toy.unregister()


def test_hubconf_imports_the_checkout(tmp_path):
    """Another ``fusionzoo`` already imported: hubconf swaps in the checkout's package (with a warning)."""
    fake = tmp_path / "elsewhere" / "fusionzoo"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("IMPOSTOR = True\n")
    code = textwrap.dedent(f"""
        import sys, warnings
        sys.path.insert(0, {str(fake.parent)!r})
        import fusionzoo
        assert fusionzoo.IMPOSTOR
        import torch
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = torch.hub.load({str(ROOT)!r}, "exp", source="local", trust_repo=True)
        import fusionzoo as fz
        assert not hasattr(fz, "IMPOSTOR"), fz.__file__
        assert fz.__file__.startswith({str(ROOT / "fusionzoo")!r}), fz.__file__
        assert type(model).__module__ == "fusionzoo.models.pansharpening.classical.interpolation"
        assert any("already imported" in str(w.message) for w in caught)
        print("ok")
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
