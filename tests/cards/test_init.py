"""The generated model table (``fusionzoo.cards.models_markdown``)."""

from __future__ import annotations

import fusionzoo
from fusionzoo import cli


def test_models_markdown_lists_every_model():
    md = cli.models_markdown().splitlines()
    assert md[0] == "| name | task | inputs | kind | params | trained on |"
    assert [ln.split("|")[1].strip().strip("`") for ln in md[2:]] == fusionzoo.list_models()
