"""The weights commands: ``fusionzoo publish`` (Hub folders) and ``fusionzoo convert dlpan``."""

from __future__ import annotations

import pytest

from fusionzoo import cli
from fusionzoo.convert import (
    load_converted,
)
from tests.helpers import SHARED
from tests.helpers import toy_family as toy
from tests.helpers.cli import assert_clean_error, run

DLPAN = SHARED / "reference" / "dlpan_weights"
needs_dlpan = pytest.mark.skipif(not DLPAN.is_dir(), reason=f"no DLPan-Toolbox reference checkpoints at {DLPAN}")

def test_cli_convert_help_states_the_licence(capsys):
    assert cli.main(["convert", "dlpan", "-h"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "GPL-3.0" in out and "own use" in out and "weights_only=True" in out and "inert" in out


@needs_dlpan
def test_cli_convert_dlpan(tmp_path, capsys):
    out = tmp_path / "dicnn_wv3"
    rc = cli.main(["convert", "dlpan", str(DLPAN / "WV3" / "dicnn1.pth"), "--arch", "dicnn", "--sensor", "WV3",
                   "-o", str(out)])
    assert rc == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "model.safetensors"]
    assert load_converted(out).num_bands == 8
    bad = tmp_path / "bad"
    rc = cli.main(["convert", "dlpan", str(DLPAN / "WV3" / "dicnn1.pth"), "--arch", "dicnn", "--sensor", "QB",
                   "-o", str(bad)])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "8 MS bands" in err and not bad.exists()
    rc = cli.main(["convert", "dlpan", str(DLPAN / "WV3" / "pannet.pth"), "--arch", "pnn", "--sensor", "WV3",
                   "-o", str(bad)])
    err = capsys.readouterr().err
    assert rc == 2 and "does not look like a DLPan-Toolbox pnn checkpoint" in err and not bad.exists()


def test_publish(capsys, tmp_path, toy_weights, monkeypatch):
    from fusionzoo import hub

    rc, out, err = run(capsys, "publish", toy.NAME, "--out", tmp_path / "pub")
    assert rc == 0, err
    folder = tmp_path / "pub" / toy_weights.hf_repo
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "model.safetensors"]
    calls = []
    monkeypatch.setattr(hub, "push_to_hub", lambda name, org=None, token=None: calls.append((name, org, token))
                        or "https://huggingface.co/x/commit/1")
    rc, out, err = run(capsys, "publish", toy.NAME, "--out", tmp_path / "pub2", "--push", "--org", "me",
                       "--token", "t0k")
    assert rc == 0, err
    assert calls == [(toy.NAME, "me", "t0k")] and "pushed" in out


@pytest.mark.parametrize("name, match", [("nosuch", "unknown model"), ("exp", "no pretrained weights")])
def test_publish_errors(capsys, tmp_path, name, match):
    rc, _, err = run(capsys, "publish", name, "--out", tmp_path / "pub")
    assert_clean_error(rc, err, match)
    assert not (tmp_path / "pub").exists()


# --- export-weights: only a fusionzoo task's checkpoint, one line saying what the file is ---------------------
@pytest.mark.parametrize("content, match", [
    ({"state_dict": {"encoder.weight": "T"}, "hyper_parameters": {"backbone": "resnet18", "lr": 0.1},
      "pytorch-lightning_version": "2.6.0"},
     "a Lightning checkpoint of another module (hyper-parameters: backbone, lr; weights like encoder.weight)"),
    ({"conv1.weight": "T", "conv1.bias": "T"}, "a plain state dict of 2 tensors, not a Lightning checkpoint"),
    ({"state_dict": {}, "args": "NAMESPACE"}, "holds a pickled argparse.Namespace object"),
    (b"not a checkpoint at all", "not a readable PyTorch checkpoint"),
])
def test_export_weights_refuses_foreign_checkpoints(tmp_path, capsys, content, match):
    import argparse

    import torch

    ckpt = tmp_path / "x.ckpt"
    if isinstance(content, bytes):
        ckpt.write_bytes(content)
    else:
        def fill(v):
            if isinstance(v, dict):
                return {k: fill(x) for k, x in v.items()}
            return torch.zeros(2) if v == "T" else argparse.Namespace(a=1) if v == "NAMESPACE" else v

        torch.save(fill(content), ckpt)
    rc, _, err = run(capsys, "export-weights", ckpt, tmp_path / "out")
    assert_clean_error(rc, err, match)
    assert "weights_only=False" not in err and not (tmp_path / "out").exists()
