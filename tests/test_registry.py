"""Registry, forward contract, weights metadata schema and band adaptation."""

import pytest
import torch

import fusionzoo
from fusionzoo.registry import ArchConfig, get_arch, list_archs, register_model
from fusionzoo.weights import BandMismatchError, adapt_band_layers, validate_weights_metadata


def test_list_models_filters():
    names = fusionzoo.list_models()
    assert "exp" in names
    assert any(n.split(".")[0] == "pnn" for n in names)
    assert fusionzoo.list_models(pattern="ex*") == ["exp"]
    assert "exp" not in fusionzoo.list_models(pretrained=True)
    assert "exp" in fusionzoo.list_models(pretrained=False)
    assert all(get_arch(n).cfg.task == "pansharpening" for n in fusionzoo.list_models(task="pansharpening"))
    assert fusionzoo.list_models(task="classification") == []
    with pytest.raises(ValueError, match="task must be one of"):
        fusionzoo.list_models(task="segmentation")


def test_unknown_model_and_tag_name_close_matches():
    with pytest.raises(KeyError, match="did you mean pnn"):
        fusionzoo.create_model("pnm")
    with pytest.raises(KeyError, match="unknown model"):
        fusionzoo.create_model("pnn.no_such_tag")


def test_duplicate_name_raises():
    with pytest.raises(ValueError, match="already registered"):
        @register_model
        def pnn(pretrained=False, **kwargs):  # noqa: F811
            raise AssertionError


def test_arch_config_rejects_unknown_task():
    with pytest.raises(ValueError, match="task must be one of"):
        ArchConfig(task="segmentation", inputs=("ms",), paper="", summary="")


@pytest.mark.parametrize("arch", list_archs())
def test_every_model_follows_its_task_contract(arch):
    cfg = get_arch(arch).cfg
    assert cfg.task == "pansharpening" and cfg.inputs == ("ms", "pan")
    model = fusionzoo.create_model(arch).eval()
    for bands in ([model.num_bands] if model.num_bands else [4, 3]):  # some classical methods are RGB-only
        ms, pan = torch.rand(2, bands, 8, 8), torch.rand(2, 1, 32, 32)
        try:
            with torch.no_grad():
                out = model(ms, pan)
            break
        except ValueError as e:
            assert "bands" in str(e)
    assert out.shape == (2, bands, 32, 32) and out.dtype == ms.dtype
    assert cfg.classical == (sum(p.numel() for p in model.parameters()) == 0)


@pytest.mark.parametrize("bad, match", [
    (lambda ms, pan: (ms, pan[..., :30, :30]), "ratio 4"),
    (lambda ms, pan: (ms[:, :3], pan), "expects 4 MS bands"),
    (lambda ms, pan: (ms.masked_fill(ms > 0.5, float("nan")), pan), "NaN"),
    (lambda ms, pan: (ms[0], pan), r"\(B, C, H, W\)"),
    (lambda ms, pan: (ms, pan.repeat(1, 2, 1, 1)), "pan must have 1 band"),
    (lambda ms, pan: ((ms * 2047).int(), pan), "floating point"),
])
def test_contract_errors_are_clear(bad, match):
    model = fusionzoo.create_model("pnn", bands=4)
    ms, pan = bad(torch.rand(1, 4, 8, 8), torch.rand(1, 1, 32, 32))
    with pytest.raises((ValueError, TypeError), match=match):
        model(ms, pan)


def test_band_mismatch_names_the_bands():
    name = fusionzoo.list_models(pattern="pnn.*")[0]
    w = fusionzoo.get_weights(name)
    model = fusionzoo.create_model(name)
    with pytest.raises(BandMismatchError, match=w.bands[0]):
        model(torch.rand(1, w.num_bands - 1, 8, 8), torch.rand(1, 1, 32, 32))


def test_exp_ratios():
    for r in (2, 4, 8):
        m = fusionzoo.create_model("exp", ratio=r)
        assert m(torch.rand(1, 3, 4, 4), torch.rand(1, 1, 4 * r, 4 * r)).shape == (1, 3, 4 * r, 4 * r)
    with pytest.raises(ValueError, match="power-of-two"):
        fusionzoo.create_model("exp", ratio=3)


def test_pnn_parameter_count_matches_paper():
    assert sum(p.numel() for p in fusionzoo.create_model("pnn", bands=8).parameters()) == 104_360


def test_classical_has_no_weights():
    with pytest.raises(Exception, match="no pretrained weights"):
        fusionzoo.create_model("exp", pretrained=True)


@pytest.mark.parametrize("name", fusionzoo.list_models(pretrained=True))
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
