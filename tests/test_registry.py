"""Registry: names, filters, close matches, duplicates, the per-architecture task contract."""

from __future__ import annotations

import pytest
import torch

import fusionzoo
from fusionzoo.registry import ArchConfig, get_arch, list_archs, register_model


def test_list_models_filters():
    names = fusionzoo.list_models()
    assert "exp" in names
    assert any(n.split(".")[0] == "pnn" for n in names)
    assert fusionzoo.list_models(pattern="ex*") == ["exp"]
    assert "exp" not in fusionzoo.list_models(pretrained=True)
    assert "exp" in fusionzoo.list_models(pretrained=False)
    assert all(get_arch(n).cfg.task == "pansharpening" for n in fusionzoo.list_models(task="pansharpening"))
    assert "endnet" in [n.split(".")[0] for n in fusionzoo.list_models(task="classification")]
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


# every pansharpening architecture (the other tasks' contracts: tests/test_registry_all.py)
@pytest.mark.parametrize("arch", [a for a in list_archs() if get_arch(a).cfg.task == "pansharpening"])
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


def test_classical_has_no_weights():
    with pytest.raises(Exception, match="no pretrained weights"):
        fusionzoo.create_model("exp", pretrained=True)


def test_aliases_resolve_everywhere_and_are_listed_once(capsys):
    from fusionzoo import cli
    from fusionzoo.registry import list_aliases, register_alias

    assert list_aliases()["gihs"] == "ihs" and get_arch("gihs").arch == "ihs"
    assert "gihs" not in list_archs() and "gihs" not in fusionzoo.list_models()
    assert type(fusionzoo.create_model("gihs")) is type(fusionzoo.create_model("ihs"))
    with pytest.raises(KeyError, match="did you mean gihs"):
        fusionzoo.create_model("gihz")
    with pytest.raises(ValueError, match="already taken"):
        register_alias("gihs", "ihs")
    with pytest.raises(ValueError, match="already taken"):
        register_alias("pnn", "ihs")
    with pytest.raises(ValueError, match="no such registered model"):
        register_alias("some_alias", "no_such_model")
    assert cli.main(["info", "ihs"]) == 0
    assert "  aliases: gihs" in capsys.readouterr().out
    assert cli.main(["info", "gihs"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ihs: ") and "'gihs' is an alias of 'ihs'" in out.splitlines()[0]
