"""Whole scenes to class maps: the batched predictor against a direct per-pixel evaluation, masks, the
symmetric padding of patch models, and the class-map GeoTIFF (colour table, class names, quicklook)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from fusionzoo.inference import predict_class_map, write_class_map
from fusionzoo.inference.classification import class_colors, colorize
from fusionzoo.models.classification import ClassificationModel
from tests.helpers.cli import from_origin


class Nearest(ClassificationModel):
    """Scores = minus the squared distance of the centre pixel (or vector) to fixed class centres."""

    def __init__(self, centres: torch.Tensor, patch_size: int | None = None) -> None:
        super().__init__(centres.shape[0], ("hs",), (centres.shape[1],), patch_size=patch_size)
        self.register_buffer("centres", centres)

    def outputs(self, x):
        v = x["hs"]
        if v.dim() == 4:
            k = v.shape[-1] // 2
            v = v[..., k, k]
        return {"logits": -torch.cdist(v, self.centres) ** 2}


class PatchMean(ClassificationModel):
    """Scores from the patch mean: class 1 if the mean of the k x k window exceeds 0.5."""

    def __init__(self, k: int) -> None:
        super().__init__(2, ("hs",), (1,), patch_size=k)

    def outputs(self, x):
        m = x["hs"].mean(dim=(1, 2, 3))
        return {"logits": torch.stack([0.5 - m, m - 0.5], 1)}


def _scene(seed=0, H=13, W=11, C=3, K=4):
    g = np.random.default_rng(seed)
    centres = g.random((K, C)).astype(np.float32)
    labels = g.integers(0, K, (H, W))
    raster = centres[labels].transpose(2, 0, 1) + 0.01 * g.standard_normal((C, H, W)).astype(np.float32)
    return torch.from_numpy(centres), raster.astype(np.float32), labels


@pytest.mark.parametrize("patch", [None, 5])
def test_every_pixel_gets_its_class_in_any_batch_size(patch):
    centres, raster, labels = _scene()
    model = Nearest(centres, patch)
    for bs in (1, 7, 10_000):
        out = predict_class_map(model, {"hs": raster}, batch_size=bs, prepared=True, progress=False)
        assert out.dtype == np.int16 and out.shape == labels.shape
        np.testing.assert_array_equal(out, labels)


def test_mask_leaves_the_other_pixels_unclassified_and_scores_are_probabilities():
    centres, raster, labels = _scene()
    mask = np.zeros(labels.shape, bool)
    mask[2:5, 3:9] = True
    out, probs = predict_class_map(Nearest(centres), {"hs": raster}, mask=mask, prepared=True, progress=False,
                                   return_scores=True)
    assert (out[~mask] == -1).all()
    np.testing.assert_array_equal(out[mask], labels[mask])
    np.testing.assert_allclose(probs[:, mask].sum(0), 1.0, rtol=1e-5)
    assert np.isnan(probs[:, ~mask]).all()


def test_patches_use_symmetric_padding_at_the_border():
    # a 1-pixel bright border column: with symmetric padding the 3 x 3 window of a corner pixel holds
    # (col 0, col 0, col 1) -> mean 2/3 > 0.5 on the first column; zero padding would give 1/3 at corners
    img = np.zeros((1, 4, 4), np.float32)
    img[0, :, 0] = 1.0
    out = predict_class_map(PatchMean(3), {"hs": img}, prepared=True, progress=False)
    assert (out[:, 0] == 1).all()  # edge repeated: two of the three window columns are bright
    assert (out[:, 1:] == 0).all()


def test_bad_inputs_are_one_line_errors():
    centres, raster, _ = _scene()
    model = Nearest(centres)
    with pytest.raises(ValueError, match="takes hs, not lidar"):
        predict_class_map(model, {"lidar": raster}, prepared=True, progress=False)
    with pytest.raises(ValueError, match="mask must be"):
        predict_class_map(model, {"hs": raster}, mask=np.ones((2, 2), bool), prepared=True, progress=False)


def test_class_map_geotiff_has_colours_names_and_a_quicklook(tmp_path):
    import rasterio
    from PIL import Image

    cm = np.array([[0, 1, -1], [2, 2, 1]], np.int16)
    names = ["Grass", "Road", "Water"]
    colors = ["#00ff00", "#808080", "#0000ff"]
    t = from_origin(270000.0, 3290000.0, 2.5, 2.5)
    out = write_class_map(tmp_path / "map.tif", cm, names, colors, crs="EPSG:26915", transform=t)
    with rasterio.open(out) as src:
        data = src.read(1)
        cmap = src.colormap(1)
        tags = src.tags()
        assert src.crs.to_epsg() == 26915 and src.transform == t and src.nodata == 0
    np.testing.assert_array_equal(data, cm + 1)  # value i + 1 is class i, 0 unclassified
    assert cmap[1][:3] == (0, 255, 0) and cmap[3][:3] == (0, 0, 255)
    assert json.loads(tags["CLASS_NAMES"]) == names and tags["CLASS_2"] == "Road"
    png = np.asarray(Image.open(tmp_path / "map.png"))
    assert png.shape == (2, 3, 3)
    assert tuple(png[0, 0]) == (0, 255, 0) and tuple(png[0, 2]) == (255, 255, 255)


def test_colours_and_their_errors():
    assert class_colors(2, ["#ff0000", "#00FF00"]) == [(255, 0, 0), (0, 255, 0)]
    assert len(class_colors(25)) == 25  # the default palette repeats
    with pytest.raises(ValueError, match="3 colours for 2 classes"):
        class_colors(2, ["#000000"] * 3)
    rgb = colorize(np.array([[0, -1]]), [(1, 2, 3)])
    assert rgb.tolist() == [[[1, 2, 3], [255, 255, 255]]]


def test_out_of_range_classes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="class indices must lie in 0..1"):
        write_class_map(tmp_path / "m.tif", np.array([[2]]), ["a", "b"])
    assert not list(tmp_path.iterdir())


def test_nodata_pixels_stay_unclassified_and_do_not_spoil_their_neighbours():
    centres, raster, labels = _scene()
    raster[:, 3, 4] = np.nan
    for patch in (None, 3):
        out = predict_class_map(Nearest(centres, patch), {"hs": raster}, prepared=True, progress=False)
        assert out[3, 4] == -1
        keep = np.ones(labels.shape, bool)
        keep[3, 4] = False
        np.testing.assert_array_equal(out[keep], labels[keep])
