"""The README stays true: its model table is the generated one, its set-up commands are the ones CI runs
(``.ci/run``), and its first command's ``fusionzoo pansharpen --sample`` works."""

from __future__ import annotations

import os
import re
import shlex

import pytest

import fusionzoo
from fusionzoo import cli
from tests.helpers import ROOT

README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"


def _setup_commands() -> list[str]:
    """The one-line commands of the bash blocks of the README's "Quick start" section."""
    text = README.read_text()
    section = re.search(r"^## Quick start\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, "README has no '## Quick start' section"
    blocks = re.findall(r"```bash\n(.*?)```", section.group(1), re.S)
    return [ln.strip() for b in blocks for ln in b.splitlines() if ln.strip() and not ln.startswith("#")]


def _ci_commands() -> list[str]:
    return [ln.strip() for ln in CI.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def test_heldout_table_is_generated():
    from fusionzoo.tasks import get_task, list_tasks

    text = README.read_text()
    assert text.count(cli.HELDOUT_START) == 1 and text.count(cli.HELDOUT_END) == 1
    table = text.split(cli.HELDOUT_START, 1)[1].split(cli.HELDOUT_END, 1)[0].strip()
    tables = [t for t in (get_task(n).heldout_table() for n in list_tasks()) if t]  # every task's, in task order
    assert table == "\n\n".join(tables), "the README's held-out table is stale: run update_readme() (see below)"


def test_model_table_is_generated():
    text = README.read_text()
    assert text.count(cli.README_START) == 1 and text.count(cli.README_END) == 1
    table = text.split(cli.README_START, 1)[1].split(cli.README_END, 1)[0].strip()
    assert table == cli.models_markdown(), (
        "the README's model table is stale: run "
        "`python -c \"from fusionzoo.cli import update_readme; update_readme()\"`")


def test_setup_commands_are_what_ci_runs():
    cmds = _setup_commands()
    assert cmds == ["pip install -e . && fusionzoo pansharpen --sample -o out.tif",
                    'pip install -e ".[test]" && python -m pytest -q']
    ci = _ci_commands()
    assert os.access(CI, os.X_OK), ".ci/run must be executable"
    assert ci[0] == "set -euo pipefail"
    # CI starts from nothing: a fresh venv, then the README's second command, part by part, in order
    steps = ["python3 -m venv .venv", "source .venv/bin/activate", "pip install --upgrade pip",
             *cmds[1].split(" && ")]
    positions = [ci.index(s) for s in steps]
    assert positions == sorted(positions)
    # the first command's install is contained in CI's (the same editable install, plus the test extra)
    install1 = cmds[0].split(" && ")[0]
    assert install1 == "pip install -e ." and 'pip install -e ".[test]"' in ci


def test_first_command_runs(tmp_path, monkeypatch, capsys):
    """The README's ``fusionzoo pansharpen --sample -o out.tif``, as written (default model: pnn)."""
    argv = shlex.split(_setup_commands()[0].split(" && ")[1])
    assert argv[0] == "fusionzoo"
    monkeypatch.chdir(tmp_path)
    rc = cli.main(argv[1:])
    err = capsys.readouterr().err
    if fusionzoo.get_arch("pnn").cfg.weights:
        assert rc == 0, err
        assert (tmp_path / "out.tif").is_file() and (tmp_path / "out.png").is_file()
    else:
        # until PNN's weights are registered the default model cannot run: a clean error, nothing written
        assert rc == 2 and "no pretrained weights yet" in err and "Traceback" not in err
        assert list(tmp_path.iterdir()) == []
        rc = cli.main([*argv[1:], "--model", "exp"])
        assert rc == 0, capsys.readouterr().err
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png", "out.tif"]


@pytest.mark.parametrize("section", ["## Licence", "## torch.hub", "## Fine-tuning with another band count",
                                     "## Command line", "## Where weights come from", "## Models"])
def test_sections(section):
    assert f"\n{section}\n" in README.read_text()
