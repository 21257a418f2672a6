"""MDL-RS (fusionzoo.models.classification.mdlrs): the parameter and BatchNorm counts of the authors' 12 scripts,
shapes, CML zero-filling, BatchNorm modes, the L2 term, cross-fusion weight sharing, the En-de decoders and CML
training set, the TF initialisation, a few training steps, errors."""

from __future__ import annotations

import copy
import math

import pytest
import torch

import fusionzoo
from fusionzoo.models.classification import mdlrs
from fusionzoo.models.classification.base import BatchNorm1d, BatchNorm2d
from fusionzoo.models.classification.mdlrs import (
    TARGET_SUFFIX,
    MDLRSCross,
    MDLRSEarly,
    MDLRSEnDe,
    MDLRSMiddle,
    MDLRSSingle,
    maxpool_same,
)
from fusionzoo.weights import BandMismatchError


def create(name: str, **kwargs):
    """The architecture with its constructor's own (Houston 2013) defaults, not those of its first weights
    (``create_model`` starts from the default weights' arguments: the CNN tags are the DFC2018 crop's)."""
    single = name.endswith("_single")
    defaults = {"num_classes": 15, "modalities": ("hs",) if single else ("hs", "lidar"),
                "in_channels": (144,) if single else (144, 21)}
    if "modalities" in kwargs and "in_channels" not in kwargs:
        defaults.pop("in_channels")
    return fusionzoo.create_model(name, **{**defaults, **kwargs})


FUSIONS = ("single", "early", "middle", "late", "endec", "cross")
#: families.md B2: trainable parameters (BatchNorm gamma/beta included), BatchNorm running statistics
COUNTS = {
    ("fc", "single"): (15_711, 480), ("fc", "early"): (40_239, 864), ("fc", "middle"): (68_095, 1_344),
    ("fc", "late"): (77_823, 1_728), ("fc", "endec"): (92_628, 1_344), ("fc", "cross"): (69_375, 2_624),
    ("cnn", "single"): (50_527, 480), ("cnn", "early"): (77_743, 864), ("cnn", "middle"): (121_983, 1_344),
    ("cnn", "late"): (131_711, 1_728), ("cnn", "endec"): (208_596, 1_344), ("cnn", "cross"): (123_263, 2_624),
}
#: the beta_reg of each script (families.md B2)
L2 = {"fc": {"single": 0.01, "early": 0.01, "middle": 0.01, "late": 0.01, "endec": 0.001, "cross": 0.01},
      "cnn": {"single": 0.001, "early": 0.001, "middle": 0.001, "late": 0.001, "endec": 0.01, "cross": 0.01}}


def _counts(model: torch.nn.Module) -> tuple[int, int]:
    params = sum(p.numel() for p in model.parameters())
    stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    return params, stats


def train_steps(model: torch.nn.Module, target: torch.Tensor, x: dict, steps: int, lr: float = 1e-2) -> list[float]:
    """``steps`` Adam steps on ``training_losses(...)["total"]``; the cross-entropy of each step."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    ce = []
    for _ in range(steps):
        losses = model.training_losses(target, **x)
        opt.zero_grad()
        losses["total"].backward()
        opt.step()
        ce.append(losses["ce"].item())
    return ce


def _inputs(backbone: str, fusion: str, batch: int = 3, k: int = 7, channels=(144, 21), seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    shape = () if backbone == "fc" else (k, k)
    x = {m: torch.rand(batch, c, *shape, generator=g) for m, c in zip(("hs", "lidar"), channels)}
    if fusion == "single":
        x.pop("lidar")
    return x


@pytest.mark.parametrize(("backbone", "fusion"), list(COUNTS))
def test_parameter_and_batchnorm_counts_of_the_scripts(backbone, fusion):
    model = create(f"mdlrs_{backbone}_{fusion}")
    assert _counts(model) == COUNTS[backbone, fusion]
    assert model.l2_weight == L2[backbone][fusion]
    assert model.patch_size == (None if backbone == "fc" else 7)
    assert fusionzoo.registry.get_arch(f"mdlrs_{backbone}_{fusion}").cfg.card == "mdlrs.md"


@pytest.mark.parametrize(("backbone", "count"), [("fc", 13_743), ("cnn", 32_815)])
def test_lidar_only_single_is_the_authors_lidar_net(backbone, count):
    model = create(f"mdlrs_{backbone}_single", modalities=("lidar",), in_channels=(21,))
    assert _counts(model) == (count, 480)
    x = _inputs(backbone, "middle")["lidar"]
    assert model.eval()(lidar=x).shape == (3, 15)


@pytest.mark.parametrize("fusion", FUSIONS)
@pytest.mark.parametrize("backbone", ["fc", "cnn"])
def test_output_shape(backbone, fusion):
    model = create(f"mdlrs_{backbone}_{fusion}").eval()
    with torch.no_grad():
        y = model(**_inputs(backbone, fusion))
    assert y.shape == (3, 15) and y.dtype == torch.float32 and torch.isfinite(y).all()


@pytest.mark.parametrize("k", [3, 9, 11])
def test_other_odd_patch_sizes_by_global_average_pooling(k):
    single = create("mdlrs_cnn_single", patch_size=k, in_channels=(4,)).eval()
    assert single(hs=torch.rand(3, 4, k, k)).shape == (3, 15)
    for fusion in ("middle", "late", "cross"):
        model = create(f"mdlrs_cnn_{fusion}", patch_size=k, in_channels=(4, 3)).eval()
        assert model(**_inputs("cnn", fusion, k=k, channels=(4, 3))).shape == (3, 15)


def test_maxpool_is_tf_same_padding():
    x = torch.arange(49.0).reshape(1, 1, 7, 7)
    # windows rows/cols {0,1}, {2,3}, {4,5}, {6} (TF 'SAME' pads the end only)
    want = torch.tensor([[8.0, 10, 12, 13], [22, 24, 26, 27], [36, 38, 40, 41], [43, 45, 47, 48]])
    torch.testing.assert_close(maxpool_same(x)[0, 0], want)
    assert maxpool_same(maxpool_same(x)).shape[-2:] == (2, 2)


def test_endec_cnn_decoders_rebuild_the_patches():
    model = create("mdlrs_cnn_endec").eval()
    x = _inputs("cnn", "endec", batch=2)
    with torch.no_grad():
        rec = model.reconstruct(**x)
    assert rec["hs"].shape == (2, 144, 7, 7) and rec["lidar"].shape == (2, 21, 7, 7)
    assert all(((r > 0) & (r < 1)).all() for r in rec.values())  # sigmoid after the last layer
    nine = create("mdlrs_cnn_endec", patch_size=9, in_channels=(4, 3)).eval()
    assert nine.reconstruct(hs=torch.rand(2, 4, 9, 9))["hs"].shape == (2, 4, 9, 9)


def test_endec_fc_reconstruction_loss_against_the_zero_filled_input():
    model = MDLRSEnDe(num_classes=3, in_channels=(5, 4)).eval()
    hs = torch.rand(6, 5)
    out = model.outputs(model.check_inputs({"hs": hs}))
    assert out["reconstructions"]["hs"].shape == (6, 5) and out["reconstructions"]["lidar"].shape == (6, 4)
    losses = model.training_losses(torch.zeros(6, dtype=torch.long), hs=hs)
    torch.testing.assert_close(losses["recon_lidar"], out["reconstructions"]["lidar"].pow(2).mean())
    torch.testing.assert_close(losses["recon_hs"], (out["reconstructions"]["hs"] - hs).pow(2).mean())


def test_endec_cml_training_triples_the_batch_with_full_targets():
    model = MDLRSEnDe(num_classes=3, in_channels=(5, 4), cml_training=True).eval()
    hs, lidar, t = torch.rand(4, 5) + 1, torch.rand(4, 4) + 1, torch.tensor([0, 1, 2, 1])
    x, target = model.training_batch({"hs": hs, "lidar": lidar}, t)
    assert target.tolist() == t.tolist() * 3
    z5, z4 = torch.zeros(4, 5), torch.zeros(4, 4)
    torch.testing.assert_close(x["hs"], torch.cat([hs, hs, z5]))  # (both), (HS, 0), (0, LiDAR)
    torch.testing.assert_close(x["lidar"], torch.cat([lidar, z4, lidar]))
    torch.testing.assert_close(x["hs" + TARGET_SUFFIX], torch.cat([hs, hs, hs]))
    losses = model.training_losses(t, hs=hs, lidar=lidar)
    assert losses["logits"].shape == (12, 3)
    rec = model.outputs(x)["reconstructions"]
    torch.testing.assert_close(losses["recon_lidar"], (rec["lidar"] - torch.cat([lidar] * 3)).pow(2).mean())
    plain = MDLRSEnDe(num_classes=3, in_channels=(5, 4))
    assert plain.training_batch({"hs": hs, "lidar": lidar}, t)[1] is t


@pytest.mark.parametrize("arch", ["mdlrs_fc_middle", "mdlrs_fc_cross", "mdlrs_cnn_late", "mdlrs_cnn_endec"])
def test_a_missing_modality_is_zero_filled(arch):
    model = create(arch).eval()
    x = _inputs("cnn" if "_cnn_" in arch else "fc", "middle")
    with torch.no_grad():
        torch.testing.assert_close(model(hs=x["hs"]), model(hs=x["hs"], lidar=torch.zeros_like(x["lidar"])))
        torch.testing.assert_close(model(lidar=x["lidar"]), model(hs=torch.zeros_like(x["hs"]), lidar=x["lidar"]))
    strict = create(arch, missing="error")
    with pytest.raises(ValueError, match="modality 'lidar' is missing"):
        strict(hs=x["hs"])


def test_bn_mode_batch_uses_the_batch_statistics_and_keeps_the_running_ones():
    torch.manual_seed(0)
    model = MDLRSMiddle(num_classes=4, in_channels=(6, 5))
    model.train()
    for _ in range(3):  # running statistics away from (0, 1)
        model(hs=torch.randn(16, 6) * 3 + 2, lidar=torch.randn(16, 5) - 1)
    model.eval()
    x = {"hs": torch.randn(10, 6), "lidar": torch.randn(10, 5)}
    eval_out = model(**x)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.bn_mode = "batch"
    batch_out = model(**x)
    reference = copy.deepcopy(model).train()  # training-mode BatchNorm normalises by the batch's statistics
    torch.testing.assert_close(batch_out, reference(**x))
    assert not torch.allclose(batch_out, eval_out)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    model.bn_mode = "eval"
    torch.testing.assert_close(model(**x), eval_out)
    assert MDLRSMiddle(num_classes=4, in_channels=(6, 5), bn_mode="batch").eval()(**x).shape == (10, 4)


def test_l2_term_is_half_the_squared_weights_times_l2_weight():
    model = MDLRSSingle(num_classes=2, in_channels=(2,), l2_weight=0.5)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.fill_(0.1 if name.endswith("weight") and p.dim() > 1 else 1.0)  # biases and BatchNorm: excluded
    n_weights = 2 * 16 + 16 * 32 + 32 * 64 + 64 * 128 + 128 * 2  # 11,040
    losses = model.training_losses(torch.tensor([0, 1, 1]), hs=torch.rand(3, 2))
    torch.testing.assert_close(losses["l2"], torch.tensor(0.5 * 0.5 * 0.01 * n_weights))
    assert math.isclose(0.5 * 0.5 * 0.01 * n_weights, 27.6)
    # the transposed convolutions of the En-de decoders are weights too
    endec = create("mdlrs_cnn_endec", in_channels=(3, 2), num_classes=2, l2_weight=1.0)
    want = sum(0.5 * p.pow(2).sum() for p in endec.parameters() if p.dim() > 1)
    torch.testing.assert_close(endec.training_losses(torch.tensor([0, 1]), hs=torch.rand(2, 3, 7, 7))["l2"], want)


def test_cross_fusion_shares_layer4_and_head_weights_but_not_batchnorm():
    torch.manual_seed(1)
    model = MDLRSCross(num_classes=3, in_channels=(5, 4)).eval()
    assert sum(isinstance(m, BatchNorm1d) for m in model.modules()) == 16
    x = {"hs": torch.rand(8, 5), "lidar": torch.rand(8, 4)}

    def run(**over):
        with torch.no_grad():
            return model.outputs(model.check_inputs({**x, **over}))

    base = run()
    # J2 sees the HS only, J3 the LiDAR only
    assert torch.equal(run(lidar=torch.rand(8, 4))["logits_hs"], base["logits_hs"])
    assert torch.equal(run(hs=torch.rand(8, 5))["logits_lidar"], base["logits_lidar"])

    def changed(param: torch.Tensor) -> set[str]:
        with torch.no_grad():
            param.add_(0.5)
            out = run()
            param.sub_(0.5)
        return {k for k in ("logits", "logits_hs", "logits_lidar") if not torch.allclose(out[k], base[k])}

    # the HS layer-4 weight also maps the LiDAR code (J3), the LiDAR one the HS code (J2): shared weights
    assert changed(model.branches[0].layers[3].weight) == {"logits", "logits_hs", "logits_lidar"}
    assert changed(model.branches[1].layers[3].weight) == {"logits", "logits_hs", "logits_lidar"}
    assert changed(model.head.layers[0].weight) == {"logits", "logits_hs", "logits_lidar"}
    # but every application has its own BatchNorm
    assert changed(model.branches[0].bns[3].bias) == {"logits", "logits_hs"}  # HS through the HS layer
    assert changed(model.cross_bns[0].bias) == {"logits", "logits_lidar"}  # LiDAR through the HS layer
    assert changed(model.head.bns[0].bias) == {"logits"}
    assert changed(model.path_bns[0][0].bias) == {"logits_hs"}
    assert changed(model.path_bns[1][1].bias) == {"logits_lidar"}
    losses = model.training_losses(torch.zeros(8, dtype=torch.long), **x)
    torch.testing.assert_close(losses["consistency_hs"], (base["logits_hs"] - base["logits"]).pow(2).mean())
    torch.testing.assert_close(losses["consistency_lidar"], (base["logits_lidar"] - base["logits"]).pow(2).mean())


def test_cross_cnn_batchnorm_count():
    model = create("mdlrs_cnn_cross", in_channels=(3, 2))
    assert sum(isinstance(m, BatchNorm2d) for m in model.modules()) == 16


def test_tf_initialisation():
    torch.manual_seed(0)
    model = create("mdlrs_cnn_endec")
    w = model.branches[0].layers[0].weight  # 3x3 conv 144 -> 16: fan-in 1296, 20,736 weights
    std = math.sqrt(2 / 1296)
    assert abs(w.std().item() / std - 1) < 0.05
    assert w.abs().max().item() <= 2 * math.sqrt(2.6 / 1296)  # truncated at 2 std of the untruncated normal
    # a transposed convolution 16 -> 144: TF's fan-in is its *output* channels x 3 x 3 (filter [3, 3, 144, 16])
    t = model.decoders[0][6].weight
    assert t.shape == (16, 144, 3, 3) and abs(t.std().item() / std - 1) < 0.05
    assert all(m.bias.abs().max() == 0 for m in model.modules() if isinstance(m, torch.nn.Conv2d))
    torch_init = create("mdlrs_fc_middle", init="torch")
    assert torch_init.head.layers[0].bias.abs().max() > 0


@pytest.mark.parametrize(("arch", "kwargs"), [
    ("mdlrs_fc_middle", {}), ("mdlrs_fc_cross", {}), ("mdlrs_fc_endec", {"cml_training": True}),
    ("mdlrs_cnn_late", {"patch_size": 3}), ("mdlrs_cnn_early", {"patch_size": 3}),
])
def test_a_few_steps_reduce_the_loss_on_a_separable_problem(arch, kwargs):
    torch.manual_seed(0)
    model = create(arch, num_classes=2, in_channels=(4, 3), **kwargs)
    shape = () if "_fc_" in arch else (3, 3)
    y = torch.arange(64) % 2
    sign = (2.0 * y - 1).view(-1, *([1] * (1 + len(shape))))
    x = {"hs": torch.rand(64, 4, *shape) * 0.2 + 0.5 + 0.3 * sign, "lidar": torch.rand(64, 3, *shape) * 0.2 + 0.4}
    ce = train_steps(model, y, x, steps=12)
    assert ce[-1] < 0.5 * ce[0]


def test_early_fusion_concatenates_any_number_of_modalities():
    model = MDLRSEarly(num_classes=4, modalities=("hs", "lidar", "sar"), in_channels=(5, 3, 2)).eval()
    assert model.branches[0].layers[0].in_features == 10
    assert model(hs=torch.rand(2, 5), lidar=torch.rand(2, 3), sar=torch.rand(2, 2)).shape == (2, 4)
    assert create("mdlrs_cnn_early").branches[0].layers[0].in_channels == 165


@pytest.mark.parametrize("fusion", ["middle", "late", "endec", "cross"])
def test_two_modality_fusions_reject_three(fusion):
    with pytest.raises(ValueError, match="exactly two modalities"):
        create(f"mdlrs_fc_{fusion}", modalities=("hs", "lidar", "sar"), in_channels=(4, 3, 2))


def test_errors():
    with pytest.raises(ValueError, match="one modality"):
        create("mdlrs_fc_single", modalities=("hs", "lidar"), in_channels=(4, 3))
    with pytest.raises(ValueError, match="pixel vectors"):
        create("mdlrs_fc_middle", patch_size=7)
    with pytest.raises(ValueError, match="odd"):
        create("mdlrs_cnn_middle", patch_size=8)
    with pytest.raises(ValueError, match="patch_size 7 or 9"):
        create("mdlrs_cnn_endec", patch_size=5)
    with pytest.raises(ValueError, match="init must be"):
        create("mdlrs_fc_middle", init="xavier")
    with pytest.raises(ValueError, match="backbone must be"):
        MDLRSMiddle(backbone="rnn")
    with pytest.raises(TypeError, match="cml_training"):
        MDLRSEnDe(cml_training="yes")
    cnn = create("mdlrs_cnn_middle", in_channels=(4, 3)).eval()
    with pytest.raises(ValueError, match="patches"):
        cnn(hs=torch.rand(2, 4), lidar=torch.rand(2, 3))
    with pytest.raises(ValueError, match=r"\(B, C, 7, 7\)"):
        cnn(hs=torch.rand(2, 4, 5, 5), lidar=torch.rand(2, 3, 5, 5))
    fc = create("mdlrs_fc_middle").eval()
    with pytest.raises(BandMismatchError, match="expects 21 lidar channels, got 20"):
        fc(hs=torch.rand(2, 144), lidar=torch.rand(2, 20))
    with pytest.raises(ValueError, match="pixel vectors"):
        fc(hs=torch.rand(2, 144, 7, 7), lidar=torch.rand(2, 21, 7, 7))
    with pytest.raises(TypeError, match="not sar"):
        fc(hs=torch.rand(2, 144), sar=torch.rand(2, 4))


def test_module_registers_every_arch():
    archs = {f"mdlrs_{b}_{f}" for b in ("fc", "cnn") for f in FUSIONS}
    assert archs == set(mdlrs.default_cfgs) and archs <= set(fusionzoo.registry.list_archs())
    for name, cfg in mdlrs.default_cfgs.items():
        assert cfg.task == "classification"
        assert cfg.inputs == (("hs",) if name.endswith("_single") else ("hs", "lidar"))
