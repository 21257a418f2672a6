"""BDPN specifics: sub-pixel layers adapt band by band, the DLPan-Toolbox key layout."""

from __future__ import annotations

import torch

import fusionzoo
from fusionzoo.registry import get_arch
from fusionzoo.weights import adapt_band_layers


def test_bdpn_sub_pixel_layers_adapt_band_by_band():
    """Before PixelShuffle(2), output channels 4c..4c+3 are band c's four sub-pixels: they move together with
    band c (inputs scaled by old/new bands, as every input dimension), and the adapted model runs."""
    big = fusionzoo.create_model("bdpn", bands=4)
    sd = adapt_band_layers(big.state_dict(), get_arch("bdpn").cfg.band_layers, 4, 2,
                           (485.0, 560.0, 660.0, 830.0), (480.0, 830.0))  # blue and NIR
    w = sd["up.0.weight"]
    torch.testing.assert_close(w[:4], big.up[0].weight[0:4][:, [0, 3]] * 2)  # band 0's group, inputs scaled 4/2
    torch.testing.assert_close(w[4:8], big.up[0].weight[12:16][:, [0, 3]] * 2)  # band 3's group
    torch.testing.assert_close(sd["up.1.bias"], big.up[1].bias[[0, 1, 2, 3, 12, 13, 14, 15]])
    torch.testing.assert_close(sd["conv3.weight"], big.conv3.weight[[0, 3]])
    small = fusionzoo.create_model("bdpn", bands=2)
    small.load_state_dict(sd, strict=True)
    with torch.no_grad():
        out = small(torch.rand(1, 2, 8, 8), torch.rand(1, 1, 32, 32))
    assert out.shape == (1, 2, 32, 32) and torch.isfinite(out).all()


def test_bdpn_maps_the_dlpan_layout():
    """No BDPN checkpoint is public: the DLPan-Toolbox key layout is rebuilt from a model, with the aliases."""
    from fusionzoo.models.pansharpening.bdpn import checkpoint_filter_fn

    sd = fusionzoo.create_model("bdpn", bands=8).state_dict()
    dlpan = {"prelu.weight": torch.tensor([0.2])}  # defined but unused by the DLPan forward pass
    sub = {"conv1": "conv20", "conv2": "conv21", "prelu": "prelu"}
    for k, v in sd.items():
        p = k.split(".")
        if p[0] == "blocks":
            name = f"{'rres' if p[1] == '1' else 'res'}{int(p[2]) + 1}.{sub[p[3]]}.{p[4]}"
            dlpan[name] = v
            dlpan[f"{'backbone2' if p[1] == '1' else 'backbone'}.{p[2]}.{sub[p[3]]}.{p[4]}"] = v
        elif p[0] == "up":
            dlpan[f"conv{4 + int(p[1])}.{p[2]}"] = v
        else:
            dlpan[k] = v
    mapped = checkpoint_filter_fn(dlpan)
    assert mapped.keys() == sd.keys() and all(mapped[k] is sd[k] for k in sd)


def test_parameter_count_for_8_bands():
    # BDPN: the DLPan-Toolbox class (the code behind the PanCollection numbers) has 1,487,069 parameters, one
    # of them a PReLU its forward pass never uses; 1,487,068 here (see the model card).
    assert sum(p.numel() for p in fusionzoo.create_model("bdpn", bands=8).parameters()) == 1_487_068
