"""The pansharpening sections of the model cards: verdicts, inserting a missing section."""

from __future__ import annotations

import dataclasses

import fusionzoo
from fusionzoo import cards as cards_pkg
from fusionzoo.cards import pansharpening as cards
from fusionzoo.registry import get_arch

ARCHS_WITH_WEIGHTS = sorted({n.split(".")[0] for n in fusionzoo.list_models(pretrained=True)})


def test_verdicts_against_the_best_classical_method():
    w = fusionzoo.get_weights("pnn.wv23")
    fake = dataclasses.replace(
        w,
        metrics={"img": {"reduced_resolution": {"Q2n": 0.90, "SAM": 5.0}}},
        baselines={"exp": {"img": {"reduced_resolution": {"Q2n": 0.95, "SAM": 1.0}}},  # EXP is not a target
                   "gsa": {"img": {"reduced_resolution": {"Q2n": 0.89, "SAM": 4.0}}},
                   "bt_h": {"img": {"reduced_resolution": {"Q2n": 0.85, "SAM": 6.0}}}})
    lines = cards._verdicts("pnn.x", fake, ["gsa", "bt_h"])
    assert lines == ["- `pnn.x` on `img`: Q2n 0.9000 vs 0.8900 (`gsa`): beats it; "
                     "SAM 5.0000 vs 4.0000 (`gsa`): does not beat it."]


def test_update_inserts_a_missing_section(tmp_path):
    arch = ARCHS_WITH_WEIGHTS[0]
    card = get_arch(arch).cfg.card
    for name in {get_arch(a).cfg.card for a in ARCHS_WITH_WEIGHTS}:
        (tmp_path / name).write_text(f"# {name}\n\nText.\n\n## Limitations\n\nSome.\n")
    changed = cards_pkg.update_model_cards(tmp_path)
    assert tmp_path / card in changed
    text = (tmp_path / card).read_text()
    assert text.index(cards_pkg.START) < text.index("## Limitations") and "Text." in text and "Some." in text
    assert cards_pkg.update_model_cards(tmp_path) == []  # idempotent
