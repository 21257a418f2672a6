"""``fusionzoo list`` and ``fusionzoo info``."""

from __future__ import annotations

import pytest

import fusionzoo
from tests.helpers import toy_family as toy
from tests.helpers.cli import assert_clean_error, run


def test_list(capsys):
    rc, out, err = run(capsys, "list")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["name", "task", "inputs", "kind", "weights"]
    rows = {ln.split()[0]: ln for ln in lines[2:]}
    assert set(rows) == set(fusionzoo.list_models())
    assert "classical" in rows["exp"] and "not needed" in rows["exp"]
    pnn_rows = [r for n, r in rows.items() if n.split(".")[0] == "pnn"]
    assert pnn_rows and all("learned" in r and "ms+pan" in r for r in pnn_rows)

    rc, out, _ = run(capsys, "list", "--pattern", "ex*")
    assert rc == 0 and [ln.split()[0] for ln in out.splitlines()[2:]] == ["exp"]
    rc, out, _ = run(capsys, "list", "--pretrained")
    assert rc == 0 and "exp " not in out
    rc, out, err = run(capsys, "list", "--task", "crossmodal", "--pattern", "no_such_model*")
    assert rc == 0 and out == "" and "no model matches" in err


def test_list_shows_weights(capsys, toy_weights):
    rc, out, _ = run(capsys, "list", "--pattern", "toy*")
    assert rc == 0
    (row,) = out.splitlines()[2:]
    assert row.split()[0] == toy.NAME and "yes (QB, 4 bands)" in row


def test_info_classical_and_untrained(capsys):
    rc, out, err = run(capsys, "info", "exp")
    assert rc == 0, err
    assert "Aiazzi" in out and "inputs:  ms, pan" in out and "classical" in out and "params:  0" in out
    rc, out, err = run(capsys, "info", "pnn")
    assert rc == 0, err
    assert "Masi" in out and "learned" in out


def test_info_weights(capsys, toy_weights):
    w = toy_weights
    rc, out, err = run(capsys, "info", toy.ARCH)
    assert rc == 0, err
    for text in (f"{toy.NAME} (default)", "sensor:      QB", "blue, green, red, nir", "ratio:       4",
                 "bit depth:   11", f"parameters:  {w.num_params:,}", "Toy-QB (CC0-1.0)",
                 "Toy-QB / reduced_resolution: Q4=0.8123, SAM=4.25, ERGAS=3.5",
                 "Toy-QB / full_resolution: HQNR=0.9012", "exp: Toy-QB / reduced_resolution",
                 f"{w.hf_repo} @ {w.hf_revision}", w.sha256, "licence:     MIT"):
        assert text in out, text
    rc, out, _ = run(capsys, "info", toy.NAME)
    assert rc == 0 and toy.NAME in out


@pytest.mark.parametrize("name, match", [("pnm", "did you mean pnn"), ("exp.foo", "no pretrained weights"),
                                         ("nosuchmodel", "unknown model")])
def test_info_unknown(capsys, name, match):
    rc, _, err = run(capsys, "info", name)
    assert_clean_error(rc, err, match)
