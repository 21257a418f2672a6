"""Fine-tuning on one's own GeoTIFF pair, end to end: ``fusionzoo finetune`` -> ``create_model(arch,
checkpoint=DIR)`` -> ``fusionzoo pansharpen --checkpoint DIR``; resume, interruption and what the export records."""

from __future__ import annotations

import json
import stat

import pytest
import torch

import fusionzoo
from fusionzoo import cli
from fusionzoo.weights import sha256sum
from tests.helpers.cli import assert_clean_error, make_pair, run

ARGS = ["--steps", "2", "--batch-size", "4", "--patch-size", "16", "--block", "32", "--val-fraction", "0.25",
        "--device", "cpu"]


@pytest.fixture(scope="module")
def finetuned(tmp_path_factory):
    """A 2-step fine-tuning of pnn (pnn.wv23 weights) on a synthetic 8-band pair (MS 32 x 32, PAN 128 x 128)."""
    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp("ft")
    pan, ms = make_pair(tmp / "data", bands=8, size=32, ratio=4)
    out = tmp / "my_pnn"
    rc = cli.main(["finetune", "pnn", "--pan", str(pan), "--ms", str(ms), *ARGS, "-o", str(out)])
    assert rc == 0
    return pan, ms, out


def test_finetune_writes_described_weights(finetuned):
    pan, ms, out = finetuned
    assert {p.name for p in out.iterdir()} >= {"model.safetensors", "config.json", "finetune.json", "checkpoints"}
    for f in ("model.safetensors", "config.json"):  # ordinary permissions, not mkstemp's 0600
        assert stat.S_IMODE((out / f).stat().st_mode) == 0o666 & ~_umask()
    c = json.loads((out / "config.json").read_text())
    base = fusionzoo.get_weights("pnn.wv23")
    assert c["architecture"] == "pnn" and c["task"] == "pansharpening"
    assert c["base_weights"] == {"name": "pnn.wv23", "sha256": base.sha256}
    assert c["sha256"] == c["weights"]["sha256"] == sha256sum(out / "model.safetensors")
    assert c["training"]["steps"] == 2
    assert c["training"]["data"] == [{"name": "pan", "pan": "pan.tif", "ms": "ms.tif"}]  # file names, not paths
    assert (c["training"]["sensor"], c["training"]["bit_depth"], c["training"]["ratio"]) == ("WV3", 11, 4)
    assert c["model_kwargs"] == {"bands": 8, "ratio": 4}
    assert c["weights"]["bands"] == list(base.bands)


def test_finetuned_weights_load_with_their_own_record(finetuned):
    pan, ms, out = finetuned
    model = fusionzoo.create_model("pnn", checkpoint=out)
    w = model.pretrained_cfg
    assert w.tag == "finetuned" and w.sha256 == sha256sum(out / "model.safetensors")
    assert (w.sensor, w.bit_depth, w.ratio, w.num_bands) == ("WV3", 11, 4, 8)
    assert "fine-tuned from pnn.wv23" in w.description
    published = fusionzoo.create_model("pnn", pretrained=True)
    assert any(not torch.equal(a, b) for a, b in zip(model.state_dict().values(), published.state_dict().values()))
    # the lone .safetensors file says the same through its header
    assert fusionzoo.create_model("pnn", checkpoint=out / "model.safetensors").pretrained_cfg.tag == "finetuned"


def test_pansharpen_with_the_finetuned_checkpoint(finetuned, tmp_path, capsys):
    pan, ms, out = finetuned
    rc, stdout, err = run(capsys, "pansharpen", "--model", "pnn", "--checkpoint", out, "--pan", pan, "--ms", ms,
                          "-o", tmp_path / "fused.tif")
    assert rc == 0, err
    assert (tmp_path / "fused.tif").is_file() and "finetuned" in stdout


def test_resume_continues_and_refuses_other_settings(finetuned, capsys):
    pan, ms, out = finetuned
    base = ["finetune", "pnn", "--pan", str(pan), "--ms", str(ms), *ARGS, "-o", str(out)]
    rc, _, err = run(capsys, *base)  # the folder holds a run: no silent restart
    assert_clean_error(rc, err, "already holds a fine-tuning run (at step 2); pass --resume")
    rc, _, err = run(capsys, *[a if a != "16" else "32" for a in base], "--resume")
    assert_clean_error(rc, err, "patch_size, stride differ (was patch_size=16, stride=8)")
    more = [a if a != "2" else "3" for a in base]
    rc, _, err = run(capsys, *more, "--resume")
    assert rc == 0, err
    c = json.loads((out / "config.json").read_text())
    assert c["training"]["steps"] == 3
    assert torch.load(out / "checkpoints" / "last.ckpt", weights_only=True)["global_step"] == 3


def test_interrupted_run_resumes_from_its_checkpoint(tmp_path):
    import lightning.pytorch as pl

    from fusionzoo.finetune import finetune

    class Interrupt(pl.Callback):
        def on_train_batch_end(self, trainer, *args) -> None:
            if trainer.global_step == 2:
                raise KeyboardInterrupt

    pan, ms = make_pair(tmp_path / "data", bands=8, size=32, ratio=4)
    kw = dict(pan=[pan], ms=[ms], steps=3, batch_size=4, patch_size=16, block=32, val_fraction=0.25,
              device="cpu", progress=False, log=lambda *a: None)
    with pytest.raises(KeyboardInterrupt):
        finetune("pnn", tmp_path / "run", callbacks=[Interrupt()], **kw)
    saved = tmp_path / "run" / "checkpoints" / "interrupted.ckpt"
    assert torch.load(saved, weights_only=True)["global_step"] == 2
    assert not (tmp_path / "run" / "model.safetensors").exists()
    finetune("pnn", tmp_path / "run", resume=True, **kw)
    assert json.loads((tmp_path / "run" / "config.json").read_text())["training"]["steps"] == 3
    assert not saved.exists()


@pytest.mark.parametrize("extra, match", [
    (["--ms", "x.tif"], "give one --ms per --pan"),
    (["--resume"], "nothing to resume"),
])
def test_finetune_errors(tmp_path, capsys, extra, match):
    pan, ms = make_pair(tmp_path / "data", bands=8, size=8, ratio=4)
    rc, _, err = run(capsys, "finetune", "pnn", "--pan", pan, "--ms", ms, *extra, "-o", tmp_path / "run")
    assert_clean_error(rc, err, match)


def test_finetune_refuses_classical_and_too_small_data(tmp_path, capsys):
    pan, ms = make_pair(tmp_path / "data", bands=8, size=8, ratio=4)
    rc, _, err = run(capsys, "finetune", "gsa", "--pan", pan, "--ms", ms, "-o", tmp_path / "a")
    assert_clean_error(rc, err, "classical method")
    rc, _, err = run(capsys, "finetune", "pnn", "--pan", pan, "--ms", ms, "--device", "cpu", "-o", tmp_path / "b")
    assert_clean_error(rc, err, "no training patch")


def _umask() -> int:
    import os

    old = os.umask(0o022)
    os.umask(old)
    return old


# --- loading one's own weights: what does not fit says which ------------------------------------------------
def _published(name: str):
    from fusionzoo.weights import PUBLISHED_DIR

    return PUBLISHED_DIR / "fusionzoo" / name


def test_weights_of_other_bands_are_refused_or_adapted_explicitly(tmp_path, caplog):
    from fusionzoo.weights import WeightsError

    vhr4 = _published("pnn.vhr4")  # model.safetensors + config.json of the 4-band weights
    with pytest.raises(WeightsError, match=r"bands=4, but pnn.wv23 is for bands=8; load them with create_model"):
        fusionzoo.create_model("pnn.wv23", checkpoint=vhr4)
    # the same folder without the tag: its own record, not wv23's
    m = fusionzoo.create_model("pnn", checkpoint=vhr4)
    assert m.num_bands == 4 and m.pretrained_cfg.tag == "vhr4"
    # the bare file (no config.json beside it) is recognised by its sha256
    bare = tmp_path / "bare.safetensors"
    bare.write_bytes((vhr4 / "model.safetensors").read_bytes())
    assert fusionzoo.create_model("pnn", checkpoint=bare).pretrained_cfg.tag == "vhr4"
    with pytest.raises(WeightsError, match=r"bands=4, but pnn.wv23 is for bands=8"):
        fusionzoo.create_model("pnn.wv23", checkpoint=bare)
    # an unknown 4-band file is never adapted silently into an 8-band model that claims to be wv23
    from safetensors.torch import load_file, save_file

    sd = load_file(bare)
    sd["conv1.bias"] = sd["conv1.bias"] + 1e-3
    own = tmp_path / "own4.safetensors"
    save_file(sd, str(own))
    with pytest.raises(WeightsError, match="holds weights for 4 MS bands, but pnn.wv23.* takes 8; pass bands=4"):
        fusionzoo.create_model("pnn.wv23", checkpoint=own)
    assert fusionzoo.create_model("pnn", checkpoint=own, bands=4).pretrained_cfg is None  # unknown file
    with caplog.at_level("WARNING"):
        adapted = fusionzoo.create_model("pnn.wv23", checkpoint=own, bands=8)
    assert adapted.num_bands == 8 and adapted.pretrained_cfg is None
    assert "adapted to 8 bands" in caplog.text and "pretrained_cfg is None" in caplog.text


def test_checkpoint_of_another_architecture_or_ratio(finetuned, tmp_path):
    from fusionzoo.weights import WeightsError

    _, _, out = finetuned
    with pytest.raises(WeightsError, match=r"holds pnn weights, not dicnn; load them with create_model\('pnn'"):
        fusionzoo.create_model("dicnn", checkpoint=out)
    with pytest.raises(WeightsError, match="trained at resolution ratio 4, but ratio=2 was asked"):
        fusionzoo.create_model("pnn", checkpoint=out, ratio=2)
    # a file without description that does not fit names the parameters that differ
    bare = tmp_path / "dicnn.safetensors"
    bare.write_bytes((_published("dicnn.wv23") / "model.safetensors").read_bytes())
    with pytest.raises(WeightsError, match=r"does not fit pnn.*(missing|unexpected|shapes differ)"):
        fusionzoo.create_model("pnn", checkpoint=bare)
    # a config.json left from another file is not trusted
    stale = tmp_path / "stale"
    stale.mkdir()
    (stale / "config.json").write_text((out / "config.json").read_text())
    (stale / "model.safetensors").write_bytes((_published("pnn.wv23") / "model.safetensors").read_bytes())
    with pytest.raises(WeightsError, match="describes another file"):
        fusionzoo.create_model("pnn", checkpoint=stale)


def test_finetuned_file_in_weights_dir_is_not_called_corrupted(finetuned, tmp_path, monkeypatch):
    from fusionzoo.weights import ChecksumError

    _, _, out = finetuned
    folder = tmp_path / "weights_dir" / "fusionzoo" / "pnn.wv23"
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes((out / "model.safetensors").read_bytes())
    monkeypatch.setenv("FUSIONZOO_WEIGHTS_DIR", str(tmp_path / "weights_dir"))
    with pytest.raises(ChecksumError) as e:
        fusionzoo.create_model("pnn.wv23", pretrained=True)
    msg = str(e.value)
    assert "not damaged but a different file than the published one" in msg and "fine-tuned from pnn.wv23" in msg
    assert "checkpoint=" in msg and "download it again" not in msg
    (folder / "model.safetensors").write_bytes((out / "model.safetensors").read_bytes()[:-100])  # truncated
    with pytest.raises(ChecksumError, match="The file is damaged .* download it again"):
        fusionzoo.create_model("pnn.wv23", pretrained=True)
