"""The committed model cards are current (their generated sections are what ``python -m fusionzoo.cards`` writes)."""

from __future__ import annotations

import pytest

import fusionzoo
from fusionzoo import cards as cards_pkg
from fusionzoo.registry import get_arch
from fusionzoo.tasks import get_task

ARCHS_WITH_WEIGHTS = sorted({n.split(".")[0] for n in fusionzoo.list_models(pretrained=True)})


@pytest.mark.parametrize("arch", ARCHS_WITH_WEIGHTS)
def test_card_section_is_current(arch):
    text = (cards_pkg.MODEL_CARDS_DIR / get_arch(arch).cfg.card).read_text()
    assert text.count(cards_pkg.START) == 1 and text.count(cards_pkg.END) == 1, f"{arch}: card lacks the markers"
    section = text.split(cards_pkg.START, 1)[1].split(cards_pkg.END, 1)[0]
    own = get_task(get_arch(arch).cfg.task).weights_section(arch).strip()
    shared = [a for a in ARCHS_WITH_WEIGHTS if get_arch(a).cfg.card == get_arch(arch).cfg.card]
    if len(shared) > 1:  # a card of several architectures (MDL-RS, CoSpace): one titled section each
        own = own.replace("## fusionzoo weights", f"## fusionzoo weights: `{arch}`", 1)
        assert own in section, f"the `{arch}` section of model_cards/{get_arch(arch).cfg.card} is stale: run " \
                               f"`python -m fusionzoo.cards`"
    else:
        assert section.strip() == own, (
            f"the weights section of model_cards/{get_arch(arch).cfg.card} is stale: run `python -m fusionzoo.cards`")
    for w in get_arch(arch).cfg.weights:
        assert f"### `{arch}.{w.tag}`" in section and w.recipe in section
