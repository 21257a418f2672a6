"""Weights records: the metadata schema, strict loading with the hash check, band adaptation."""

from __future__ import annotations

import pytest
import torch

import fusionzoo
from fusionzoo.registry import get_arch
from fusionzoo.weights import BandMismatchError, adapt_band_layers, validate_weights_metadata


def test_band_mismatch_names_the_bands():
    name = fusionzoo.list_models(pattern="pnn.*")[0]
    w = fusionzoo.get_weights(name)
    model = fusionzoo.create_model(name)
    with pytest.raises(BandMismatchError, match=w.bands[0]):
        model(torch.rand(1, w.num_bands - 1, 8, 8), torch.rand(1, 1, 32, 32))


# the pansharpening protocols (every task's records: tests/test_registry_all.py)
@pytest.mark.parametrize("name", fusionzoo.list_models(task="pansharpening", pretrained=True))
def test_weights_metadata_schema(name):
    w = fusionzoo.get_weights(name)
    arch = get_arch(name)
    model = fusionzoo.create_model(name)
    assert validate_weights_metadata(w, model) == []
    assert w.hf_repo == f"fusionzoo/{name}"
    # reduced resolution has SAM and ERGAS, full resolution the no-reference indices; baselines on the same data
    for ds, protocols in w.metrics.items():
        assert {"SAM", "ERGAS"} <= set(protocols["reduced_resolution"])
        if "full_resolution" in protocols:
            assert {"D_lambda", "D_s", "HQNR"} <= set(protocols["full_resolution"])
        for b in w.baselines.values():
            assert set(b[ds]) == set(protocols)
    assert arch.cfg.card


@pytest.mark.parametrize("name", fusionzoo.list_models(pretrained=True))
def test_pretrained_loads_strictly_and_checks_hash(name, tmp_path):
    model = fusionzoo.create_model(name, pretrained=True)
    assert model.pretrained_cfg.tag == name.split(".")[1]
    # a tampered file is refused
    from fusionzoo.weights import ChecksumError, resolve_weights_file

    src = resolve_weights_file(fusionzoo.get_weights(name), source="local")
    bad = tmp_path / "fusionzoo" / name
    bad.mkdir(parents=True)
    data = bytearray(src.read_bytes())
    data[-1] ^= 0xFF
    (bad / "model.safetensors").write_bytes(bytes(data))
    import os

    old = os.environ.get("FUSIONZOO_WEIGHTS_DIR")
    os.environ["FUSIONZOO_WEIGHTS_DIR"] = str(tmp_path)
    try:
        with pytest.raises(ChecksumError, match="expected sha256"):
            fusionzoo.create_model(name, pretrained=True)
    finally:
        if old is None:
            del os.environ["FUSIONZOO_WEIGHTS_DIR"]
        else:
            os.environ["FUSIONZOO_WEIGHTS_DIR"] = old


def test_adapt_band_layers_rule():
    conv_in = torch.arange(2 * 5 * 1 * 1, dtype=torch.float32).reshape(2, 5, 1, 1)  # 4 MS + PAN inputs
    conv_out = torch.arange(4 * 3, dtype=torch.float32).reshape(4, 3, 1, 1)
    bias = torch.arange(4, dtype=torch.float32)
    sd = {"a.weight": conv_in, "b.weight": conv_out, "b.bias": bias}
    layers = {"a.weight": 1, "b.weight": 0, "b.bias": 0}
    # cyclic: 4 -> 6 bands; inputs scaled by 4/6, PAN channel kept
    out = adapt_band_layers(sd, layers, 4, 6)
    assert out["a.weight"].shape == (2, 7, 1, 1)
    assert torch.allclose(out["a.weight"][:, :6, 0, 0], conv_in[:, [0, 1, 2, 3, 0, 1], 0, 0] * 4 / 6)
    assert torch.equal(out["a.weight"][:, 6], conv_in[:, 4])
    assert torch.equal(out["b.bias"], bias[[0, 1, 2, 3, 0, 1]])
    # wavelengths: nearest centre wavelength
    out = adapt_band_layers(sd, layers, 4, 2, (480, 550, 660, 830), (650, 860))
    assert torch.equal(out["b.bias"], bias[[2, 3]])
    assert torch.allclose(out["a.weight"][:, :2, 0, 0], conv_in[:, [2, 3], 0, 0] * 2.0)


def test_finetune_with_other_band_count_adapts_and_logs(caplog):
    name = fusionzoo.list_models(pattern="pnn.*")[0]
    w = fusionzoo.get_weights(name)
    new = 4 if w.num_bands == 8 else 8
    with caplog.at_level("INFO"):
        model = fusionzoo.create_model(name, pretrained=True, bands=new)
    assert model.conv1.in_channels == new + 1 and model.conv3.out_channels == new
    assert "adapted" in caplog.text
    ref = fusionzoo.create_model(name, pretrained=True)
    # the PAN slice of the first layer and the hidden layer are kept as trained
    assert torch.equal(model.conv1.weight[:, new], ref.conv1.weight[:, w.num_bands])
    assert torch.equal(model.conv2.weight, ref.conv2.weight)
    out = model(torch.rand(1, new, 8, 8), torch.rand(1, 1, 32, 32))
    assert out.shape == (1, new, 32, 32)
