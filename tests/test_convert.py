"""The converter of third-party checkpoints (``fusionzoo.convert``).

* the restricted checkpoint reader (no code from the file runs; zip and legacy formats);
* with the GPL-3.0 reference checkpoints in ``../shared/reference/dlpan_weights`` (read from there, converted
  into tmp dirs only; skipped without them): every checkpoint is converted, loaded strictly through
  ``create_model(arch, checkpoint=<folder>, ...)`` and checked against an independent re-statement of the
  reference forward pass (plain functional ops on the raw DLPan state dict), then scored on real
  reduced-resolution scenes against EXP.
"""

from __future__ import annotations

import json
import os
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import fusionzoo
from fusionzoo.convert import (
    convert_dlpan,
    extract_state_dict,
    load_converted,
    read_checkpoint,
    read_checkpoint_restricted,
)
from fusionzoo.ops.interp import interp23tap
from fusionzoo.sensors import get_sensor
from tests.helpers import DATA, SHARED

DLPAN = SHARED / "reference" / "dlpan_weights"

# (sensor, file) -> arch; the A-PNN files live in apnn/ as <SENSOR>_PNNplus_model.pth.tar
_FILES = {"pnn.pth": "pnn", "pannet.pth": "pannet", "panet.pth": "pannet", "dicnn1.pth": "dicnn",
          "msdcnn.pth": "msdcnn", "drpnn.pth": "drpnn", "fusionnet.pth": "fusionnet"}


CHECKPOINTS = [(s, f) for s in ("WV3", "WV2", "QB", "WV4")
               for f in ("pnn.pth", "panet.pth" if s == "QB" else "pannet.pth", "dicnn1.pth", "msdcnn.pth",
                         "drpnn.pth", "fusionnet.pth")]
CHECKPOINTS += [(s, f"apnn/{s}_PNNplus_model.pth.tar") for s in ("WV3", "WV2", "QB", "WV4")]


# A-PNN files whose second layer never activates (all its units are off on real images): output = lms + a
# constant, so only their strict, exact loading counts
DEAD_APNN = {"WV3", "WV2", "QB"}


needs_dlpan = pytest.mark.skipif(not DLPAN.is_dir(), reason=f"no DLPan-Toolbox reference checkpoints at {DLPAN}")


def _path(sensor: str, rel: str) -> Path:
    return DLPAN / rel if rel.startswith("apnn/") else DLPAN / sensor / rel


def _arch(rel: str) -> str:
    return "apnn" if rel.startswith("apnn/") else _FILES[rel]


def _n(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


class _Evil:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return os.system, (f"touch {self.path}",)


def test_restricted_reader_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    sd = {"conv.weight": torch.randn(3, 2, 3, 3), "conv.bias": torch.randn(3)}
    path = tmp_path / "evil.pth"
    torch.save({"model": _Evil(marker), "model_state": sd}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, map_location="cpu", weights_only=True)
    obj = read_checkpoint(path)  # falls back to the restricted reader
    assert not marker.exists()
    assert re.fullmatch(r"<inert stand-in for (posix|nt|os)\.system>", repr(obj["model"]))
    got = extract_state_dict(obj)
    assert got.keys() == sd.keys() and all(torch.equal(got[k], sd[k]) for k in sd)


@pytest.mark.parametrize("zip_format", [True, False])
def test_restricted_reader_zip_and_legacy(tmp_path, zip_format):
    base = torch.arange(40, dtype=torch.float64).reshape(5, 8)
    sd = {"w": torch.randn(4, 3, 3, 3), "view": base[1:4, 2:6], "t": base.t(), "i": torch.arange(7),
          "p": torch.nn.Parameter(torch.ones(2, 2)), "h": torch.randn(3).half()}
    path = tmp_path / "ckpt.pth"
    torch.save({"model_state": sd, "epoch": 3}, path, _use_new_zipfile_serialization=zip_format)
    obj = read_checkpoint_restricted(path)
    assert obj["epoch"] == 3
    got = obj["model_state"]
    for k, v in sd.items():
        assert type(got[k]) is torch.Tensor and got[k].dtype == v.dtype and torch.equal(got[k], v.detach()), k


def _c(x: torch.Tensor, sd: dict, key: str) -> torch.Tensor:
    """A "same" convolution with the reference's weights ``key``."""
    w = sd[f"{key}.weight"]
    return F.conv2d(x, w, sd[f"{key}.bias"], padding=w.shape[-1] // 2)


def _np_pad(x: torch.Tensor, n: int, mode: str) -> torch.Tensor:
    return torch.from_numpy(np.pad(x.numpy(), ((0, 0), (0, 0), (n, n), (n, n)), mode=mode))


def _box5_high_pass(x: torch.Tensor) -> torch.Tensor:
    """x - 5x5 normalised box filter with np.pad(mode='reflect') (= cv2 BORDER_REFLECT_101)."""
    xp = _np_pad(x, 2, "reflect")
    H, W = x.shape[-2:]
    return x - sum(xp[..., i:i + H, j:j + W] for i in range(5) for j in range(5)) / 25


def reference_forward(arch: str, sd: dict, ms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
    """The DLPan-Toolbox test-time forward pass of each network, restated on its raw state dict."""
    relu = F.relu
    lms = interp23tap(ms, 4)
    x = torch.cat([lms, pan], 1)
    if arch in ("pnn", "apnn"):
        y = _np_pad(x, 8, "edge")  # valid convolutions on the input padded by replication
        y = relu(F.conv2d(y, sd["conv1.weight"], sd["conv1.bias"]))
        y = relu(F.conv2d(y, sd["conv2.weight"], sd["conv2.bias"]))
        y = F.conv2d(y, sd["conv3.weight"], sd["conv3.bias"])
        return lms + y if arch == "apnn" else y
    if arch == "dicnn":
        return lms + _c(relu(_c(relu(_c(x, sd, "conv1")), sd, "conv2")), sd, "conv3")
    if arch == "drpnn":
        y = relu(_c(x, sd, "conv1"))
        for i in range(8):
            y = relu(_c(y, sd, f"backbone.{i}.conv2"))
        return _c(x + _c(y, sd, "conv2"), sd, "conv3")
    if arch == "msdcnn":
        o1 = relu(_c(x, sd, "conv1"))
        o2 = relu(torch.cat([_c(o1, sd, f"conv2_{i}") for i in (1, 2, 3)], 1) + o1)
        o3 = relu(_c(o2, sd, "conv3"))
        o4 = relu(torch.cat([_c(o3, sd, f"conv4_{i}") for i in (1, 2, 3)], 1) + o3)
        shallow = _c(relu(_c(relu(_c(x, sd, "shallow1")), sd, "shallow2")), sd, "shallow3")
        return relu(_c(o4, sd, "conv5") + shallow)
    if arch in ("pannet", "fusionnet"):
        if arch == "pannet":
            up = F.conv_transpose2d(_box5_high_pass(ms), sd["deconv.weight"], sd["deconv.bias"], stride=4, padding=2)
            y = relu(_c(torch.cat([up, _box5_high_pass(pan)], 1), sd, "conv1"))
        else:
            y = relu(_c(pan.repeat(1, ms.shape[1], 1, 1) - lms, sd, "conv1"))
        for i in (1, 2, 3, 4):
            y = y + _c(relu(_c(y, sd, f"res{i}.conv20")), sd, f"res{i}.conv21")
        return lms + _c(y, sd, "conv3")
    raise AssertionError(arch)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Every reference checkpoint converted once (into a tmp dir): (sensor, file) -> folder."""
    if not DLPAN.is_dir():
        pytest.skip(f"no DLPan-Toolbox reference checkpoints at {DLPAN}")
    base = tmp_path_factory.mktemp("dlpan")
    return {(s, f): convert_dlpan(_path(s, f), _arch(f), s, base / f"{s}_{_arch(f)}") for s, f in CHECKPOINTS}


@needs_dlpan
def test_every_reference_checkpoint_is_covered():
    found = {(p.parent.name, p.name) for p in DLPAN.glob("*/*.pth")}
    found |= {(p.name.split("_")[0], f"apnn/{p.name}") for p in (DLPAN / "apnn").glob("*.pth.tar")}
    assert found == set(CHECKPOINTS)


@needs_dlpan
@pytest.mark.parametrize("sensor, rel", CHECKPOINTS, ids=[f"{s}-{f.split('/')[-1]}" for s, f in CHECKPOINTS])
def test_conversion_is_exact(converted, sensor, rel):
    arch = _arch(rel)
    folder = converted[(sensor, rel)]
    config = json.loads((folder / "config.json").read_text())
    assert config["arch"] == arch and config["license"] == "GPL-3.0" and config["sensor"] == sensor
    assert config["bands"] == list(get_sensor(sensor).bands)
    raw = extract_state_dict(read_checkpoint(_path(sensor, rel)))
    bands = config["model_kwargs"]["bands"]
    model = fusionzoo.create_model(arch, checkpoint=folder, **config["model_kwargs"]).eval()  # strict
    n_raw = sum(v.numel() for k, v in raw.items() if not k.startswith("backbone.") or arch == "drpnn")
    assert _n(model) == n_raw == config["num_params"]
    torch.manual_seed(0)
    ms, pan = 0.6 * torch.rand(1, bands, 12, 12), 0.6 * torch.rand(1, 1, 48, 48)
    raw64 = {k: v.double() for k, v in raw.items()}
    with torch.no_grad():
        ref = reference_forward(arch, raw64, ms.double(), pan.double())
        out = model(ms, pan)
        out64 = model.double()(ms.double(), pan.double())
        model.float()
    assert (out64 - ref).abs().max() < 1e-10  # the same computation
    assert (out - ref).abs().max() < 5e-5  # float32 rounding only (noise inputs: large high-pass values)
    # load_converted gives the same model, with the sensor's band names for clear errors
    again = load_converted(folder)
    assert again.band_names == tuple(config["bands"])
    with torch.no_grad():
        assert torch.equal(again(ms, pan), out)


@needs_dlpan
@pytest.mark.parametrize("sensor, scene", [("WV3", "wv3_cdif"), ("WV2", "wv3_cdif"), ("QB", "qb_abfnet_test")])
def test_dead_apnn_checkpoints_add_a_constant(converted, sensor, scene):
    assert sensor in DEAD_APNN
    model = load_converted(converted[(sensor, f"apnn/{sensor}_PNNplus_model.pth.tar")]).eval()
    s = _scene(scene)
    ms, pan = s.ms[None, :, :32, :32], s.pan[None, :, :128, :128]
    with torch.no_grad():
        res = model(ms, pan) - interp23tap(ms, 4)
    assert res.std(dim=(2, 3)).max() < 1e-6  # real images: output = upsampled MS + a constant per band


def _scene(name: str):
    from fusionzoo.datasets import load_scene

    try:
        return load_scene(name, DATA)
    except FileNotFoundError as e:
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def exp_scores():
    from fusionzoo.benchmarks.pansharpening import evaluate_reduced

    return lambda scene: evaluate_reduced(fusionzoo.create_model("exp"), scene, ("SAM", "ERGAS"))


@needs_dlpan
def test_converted_wv3_models_beat_exp(converted, exp_scores):
    from fusionzoo.benchmarks.pansharpening import evaluate_reduced

    scene = _scene("wv3_cdif")  # 256 x 256, reduced resolution with reference
    exp = exp_scores(scene)
    for (sensor, rel), folder in converted.items():
        if sensor != "WV3" or (rel.startswith("apnn/") and sensor in DEAD_APNN):
            continue
        score = evaluate_reduced(load_converted(folder), scene, ("SAM", "ERGAS"))
        assert score["SAM"] < exp["SAM"] and score["ERGAS"] < exp["ERGAS"], (rel, score, exp)


# SAM / ERGAS of the converted QB checkpoints on qb_abfnet_test, whose low-resolution MS is not made as the
# DLPan-Toolbox training data are (decimated at offset 0, another filter): EXP scores SAM 1.8573, ERGAS
# 1.8609 there, and only PanNet (high-pass inputs) beats it on both; the others gain on ERGAS or not at all.
# These are regression values of a faithful conversion (checked exactly above), not a quality claim.
QB_SCORES = {"pnn": (1.9633, 1.6588), "pannet": (1.7876, 1.3349), "dicnn": (2.2779, 2.0293),
             "msdcnn": (3.4510, 1.9939), "drpnn": (2.7605, 1.5986), "fusionnet": (2.0378, 1.3431)}


@needs_dlpan
def test_converted_qb_models_on_real_scene(converted, exp_scores):
    from fusionzoo.benchmarks.pansharpening import evaluate_reduced

    scene = _scene("qb_abfnet_test")
    exp = exp_scores(scene)
    assert exp == pytest.approx({"SAM": 1.8573, "ERGAS": 1.8609}, abs=2e-3)
    for (sensor, rel), folder in converted.items():
        arch = _arch(rel)
        if sensor != "QB" or arch == "apnn":
            continue
        score = evaluate_reduced(load_converted(folder), scene, ("SAM", "ERGAS"))
        assert (score["SAM"], score["ERGAS"]) == pytest.approx(QB_SCORES[arch], abs=2e-3), (arch, score)
        if arch == "pannet":
            assert score["SAM"] < exp["SAM"] and score["ERGAS"] < exp["ERGAS"]


class _Storage:
    """A marker the test pickler writes as a persistent storage record declaring ``numel`` elements."""

    def __init__(self, numel: int) -> None:
        self.numel = numel


def _crafted_legacy(path, numel: int) -> None:
    import io

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _Storage):
                return ("storage", torch.FloatStorage, "0", "cpu", obj.numel, None)
            return None

    buf = io.BytesIO()
    for head in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
        pickle.dump(head, buf, protocol=2)
    P(buf, protocol=2).dump({"w": _Storage(numel)})
    pickle.dump(["0"], buf, protocol=2)
    path.write_bytes(buf.getvalue())


def test_restricted_reader_refuses_storages_larger_than_the_file(tmp_path):
    path = tmp_path / "tiny.pth"
    _crafted_legacy(path, 500_000_000)  # 2 GB declared by a file of a few hundred bytes
    assert path.stat().st_size < 1000
    with pytest.raises(pickle.UnpicklingError, match=r"storage 0 declares 500000000 elements \(2,000,000,000 "
                                                     r"bytes\), more than the \d+ bytes of the file"):
        read_checkpoint_restricted(path)


def test_restricted_reader_refuses_compressed_zip_members(tmp_path):
    import zipfile

    path = tmp_path / "ckpt.pth"
    torch.save({"w": torch.zeros(1000)}, path)
    repacked = tmp_path / "deflated.pth"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(repacked, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in src.namelist():
            dst.writestr(n, src.read(n))
    with pytest.raises(pickle.UnpicklingError, match="torch stores tensors uncompressed"):
        read_checkpoint_restricted(repacked)
