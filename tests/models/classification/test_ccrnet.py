"""CCR-Net (fusionzoo.models.classification.ccrnet): parameter and BatchNorm counts with and without the unused
decoder layers, the swapped reconstruction target, the L2 term, shapes, a few training steps, errors."""

from __future__ import annotations

import pytest
import torch

import fusionzoo
from fusionzoo.models.classification import ccrnet
from fusionzoo.models.classification.ccrnet import CCRNet
from fusionzoo.weights import BandMismatchError
from tests.models.classification.test_mdlrs import train_steps


def create(name: str, **kwargs):
    """CCR-Net with its constructor's own (Houston 2013: HS + 1-band DSM) defaults, not its crop weights'."""
    defaults = {"num_classes": 15, "modalities": ("hs", "lidar"), "in_channels": (144, 1)}
    return fusionzoo.create_model(name, **{**defaults, **kwargs})



def _counts(model: torch.nn.Module) -> tuple[int, int]:
    params = sum(p.numel() for p in model.parameters())
    stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    return params, stats


def _inputs(batch: int = 4, channels=(144, 1), k: int = 7, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {m: torch.rand(batch, c, k, k, generator=g) for m, c in zip(("hs", "lidar"), channels)}


def test_counts_of_the_authors_script():
    model = create("ccrnet")
    assert _counts(model) == (71_231, 1_152)  # families.md B3: 70,079 weights + biases, 1,152 BN gamma/beta
    assert model.l2_weight == 0.1 and model.recon_weight == 0.1 and model.patch_size == 7
    assert _counts(create("ccrnet", dead_layers=False)) == (67_871, 960)  # 3,360 fewer


def test_output_shape_and_patch_sizes():
    model = create("ccrnet").eval()
    assert model(**_inputs()).shape == (4, 15)
    nine = create("ccrnet", patch_size=9, in_channels=(5, 1)).eval()  # 9 -> 5 -> 3: 2 x 288 code
    assert nine.encoder.layers[0].in_features == 576 and nine(**_inputs(channels=(5, 1), k=9)).shape == (4, 15)


def test_the_reconstruction_target_is_the_swapped_code():
    model = CCRNet(num_classes=3, in_channels=(5, 1)).eval()
    x = _inputs(channels=(5, 1))
    with torch.no_grad():
        out = model.outputs(model.check_inputs(x))
        other = model.outputs(model.check_inputs({**x, "hs": torch.rand(4, 5, 7, 7)}))
    assert out["swapped"].shape == out["reconstruction"].shape == (4, 256)
    assert torch.equal(out["swapped"][:, :128], other["swapped"][:, :128])  # the DSM code comes first
    assert not torch.allclose(out["swapped"][:, 128:], other["swapped"][:, 128:])
    losses = model.training_losses(torch.zeros(4, dtype=torch.long), **x)
    want = 0.1 * (out["swapped"] - out["reconstruction"]).pow(2).mean()
    torch.testing.assert_close(losses["cross_reconstruction"], want)


def test_l2_counts_the_dead_layers_and_nothing_else_changes():
    full = CCRNet()
    with torch.no_grad():
        for name, p in full.named_parameters():
            p.fill_(0.1 if name.endswith("weight") and p.dim() > 1 else 1.0)
    # weights: convs 144*9*16 + 16*9*32 + 1*9*16 + 16*9*32, dense 256*64 + 64*32 + 32*32 + 32*15 + 64*256,
    # unused 32*64 + 32*32
    n = 20_736 + 4_608 + 144 + 4_608 + 16_384 + 2_048 + 1_024 + 480 + 16_384 + 2_048 + 1_024
    assert n == 69_488
    x, t = _inputs(), torch.arange(4)
    torch.testing.assert_close(full.training_losses(t, **x)["l2"], torch.tensor(0.1 * 0.5 * 0.01 * n))
    lean = CCRNet(dead_layers=False)
    missing, unexpected = lean.load_state_dict(full.state_dict(), strict=False)
    assert not missing and unexpected and all(k.startswith("unused.") for k in unexpected)
    a, b = full.eval().training_losses(t, **x), lean.eval().training_losses(t, **x)
    torch.testing.assert_close(a["logits"], b["logits"])
    torch.testing.assert_close(a["cross_reconstruction"], b["cross_reconstruction"])
    torch.testing.assert_close(b["l2"], torch.tensor(0.1 * 0.5 * 0.01 * (n - 2_048 - 1_024)))


def test_a_few_steps_reduce_the_loss():
    torch.manual_seed(0)
    model = CCRNet(num_classes=2, in_channels=(4, 1), l2_weight=0.001)
    y = torch.arange(32) % 2
    x = {"hs": torch.rand(32, 4, 7, 7) * 0.2 + 0.5 + 0.3 * (2.0 * y - 1).view(-1, 1, 1, 1),
         "lidar": torch.rand(32, 1, 7, 7)}
    ce = train_steps(model, y, x, steps=12)
    assert ce[-1] < 0.2 * ce[0]


def test_missing_modality_and_bn_mode():
    model = create("ccrnet").eval()
    x = _inputs()
    with torch.no_grad():
        torch.testing.assert_close(model(hs=x["hs"]), model(hs=x["hs"], lidar=torch.zeros(4, 1, 7, 7)))
        before = {k: v.clone() for k, v in model.state_dict().items()}
        model.bn_mode = "batch"
        model(**x)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    with pytest.raises(ValueError, match="missing"):
        create("ccrnet", missing="error")(hs=x["hs"])


def test_errors():
    with pytest.raises(ValueError, match="odd positive integer"):
        CCRNet(patch_size=None)
    with pytest.raises(ValueError, match="odd positive integer"):
        CCRNet(patch_size=6)
    with pytest.raises(ValueError, match="exactly two modalities"):
        CCRNet(modalities=("hs", "lidar", "sar"), in_channels=(144, 1, 4))
    with pytest.raises(ValueError, match="init must be"):
        CCRNet(init="he")
    with pytest.raises(TypeError, match="dead_layers"):
        CCRNet(dead_layers="no")
    model = CCRNet().eval()
    with pytest.raises(BandMismatchError, match="expects 1 lidar channels, got 21"):
        model(hs=torch.rand(2, 144, 7, 7), lidar=torch.rand(2, 21, 7, 7))
    with pytest.raises(ValueError, match="patches"):
        model(hs=torch.rand(2, 144), lidar=torch.rand(2, 1))


def test_config():
    cfg = ccrnet.default_cfgs["ccrnet"]
    assert cfg.task == "classification" and cfg.inputs == ("hs", "lidar") and cfg.card == "ccrnet.md"
    assert cfg.url == "https://doi.org/10.1109/TGRS.2021.3124913" and "71,231" in cfg.summary
