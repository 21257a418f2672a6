"""EndNet (fusionzoo.models.classification.endnet): the MDL-RS En-de FC network of the authors' EndNet.py, its
parameter count, L2 weight, decoders from the joint code, reconstruction losses, CML zero-filling."""

from __future__ import annotations

import pytest
import torch

import fusionzoo
from fusionzoo.models.classification import endnet
from fusionzoo.models.classification.mdlrs import MDLRSEnDe


def test_counts_and_l2_weight_of_endnet_py():
    model = fusionzoo.create_model("endnet")
    assert isinstance(model, MDLRSEnDe) and model.backbone == "fc" and model.patch_size is None
    assert sum(p.numel() for p in model.parameters()) == 92_628  # families.md B1: 91,284 + 1,344 BN gamma/beta
    assert sum(p.numel() for n, p in model.named_parameters() if ".bns." in n) == 1_344
    stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    assert stats == 1_344
    assert model.l2_weight == 0.001


def test_is_the_mdlrs_en_de_fc_network():
    a, b = fusionzoo.create_model("endnet"), fusionzoo.create_model("mdlrs_fc_endec")
    assert {k: v.shape for k, v in a.state_dict().items()} == {k: v.shape for k, v in b.state_dict().items()}
    b.load_state_dict(a.state_dict())
    x = {"hs": torch.rand(5, 144), "lidar": torch.rand(5, 21)}
    with torch.no_grad():
        torch.testing.assert_close(a.eval()(**x), b.eval()(**x))


def test_decoders_start_from_the_joint_128d_code_with_sigmoids():
    model = fusionzoo.create_model("endnet").eval()
    for dec, c in zip(model.decoders, (144, 21)):
        linears = [m for m in dec if isinstance(m, torch.nn.Linear)]
        assert [(m.in_features, m.out_features) for m in linears] == [(128, 64), (64, 32), (32, 16), (16, c)]
        assert sum(isinstance(m, torch.nn.Sigmoid) for m in dec) == 4
    rec = model.reconstruct(hs=torch.rand(4, 144), lidar=torch.rand(4, 21))
    assert rec["hs"].shape == (4, 144) and rec["lidar"].shape == (4, 21)
    assert all(((r > 0) & (r < 1)).all() for r in rec.values())


def test_losses():
    torch.manual_seed(0)
    model = fusionzoo.create_model("endnet", num_classes=3, in_channels=(6, 4)).eval()
    x = {"hs": torch.rand(5, 6), "lidar": torch.rand(5, 4)}
    t = torch.tensor([0, 1, 2, 0, 1])
    losses = model.training_losses(t, **x)
    rec = model.reconstruct(**x)
    torch.testing.assert_close(losses["recon_hs"], (rec["hs"] - x["hs"]).pow(2).mean())
    torch.testing.assert_close(losses["recon_lidar"], (rec["lidar"] - x["lidar"]).pow(2).mean())
    torch.testing.assert_close(losses["ce"], torch.nn.functional.cross_entropy(model(**x), t))
    l2 = 0.001 * sum(0.5 * p.pow(2).sum() for p in model.parameters() if p.dim() == 2)  # decoders included
    torch.testing.assert_close(losses["l2"], l2)
    terms = ("ce", "l2", "recon_hs", "recon_lidar")
    torch.testing.assert_close(losses["total"], sum(losses[k] for k in terms))


def test_missing_modality():
    model = fusionzoo.create_model("endnet").eval()
    hs = torch.rand(3, 144)
    with torch.no_grad():
        torch.testing.assert_close(model(hs=hs), model(hs=hs, lidar=torch.zeros(3, 21)))
    with pytest.raises(ValueError, match="missing"):
        fusionzoo.create_model("endnet", missing="error")(hs=hs)


def test_config():
    cfg = endnet.default_cfgs["endnet"]
    assert cfg.task == "classification" and cfg.inputs == ("hs", "lidar") and cfg.card == "endnet.md"
    assert cfg.url == "https://doi.org/10.1109/LGRS.2020.3017414"
    assert "92,628" in cfg.summary
