"""HSPatches: spatially disjoint block split, patch grid, degradation per patch, seeding, errors."""

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
import torch  # noqa: E402

from fusionzoo.datasets.hs_ms_fusion import HSPatches, load_cubes  # noqa: E402


def degrade(hs):
    return {"hs": hs.unflatten(1, (-1, 2)).unflatten(3, (-1, 2)).mean(dim=(2, 4)), "ms": hs[:3], "gt": hs}


def cubes():
    g = torch.Generator().manual_seed(0)
    return [("a", torch.rand(5, 32, 48, generator=g), torch.linspace(400, 700, 5)), ("b", torch.rand(5, 32, 32, generator=g), None)]


def test_splits_are_disjoint_and_cover():
    src = cubes()
    sets = {s: HSPatches(src, degrade, split=s, patch_size=8, block=16, seed=3) for s in ("train", "val", "test")}
    seen = {}
    for s, ds in sets.items():
        for k, y, x in ds.items:
            blk = (k, y // 16, x // 16)
            assert seen.setdefault(blk, s) == s  # a block belongs to one split only
    # 2 scenes: 6 + 4 blocks of 16 x 16, each holding 4 patches of 8 x 8 (stride = patch)
    assert sum(len(ds) for ds in sets.values()) == (6 + 4) * 4
    assert all(len(ds) > 0 for ds in sets.values())
    again = HSPatches(src, degrade, split="val", patch_size=8, block=16, seed=3)
    assert again.items == sets["val"].items
    assert HSPatches(src, degrade, split="val", patch_size=8, block=16, seed=4).items != again.items


def test_sample():
    ds = HSPatches(cubes(), degrade, split="train", patch_size=8, block=16, seed=0)
    s = ds[0]
    k, y, x = ds.items[0]
    assert s["gt"].shape == (5, 8, 8) and s["hs"].shape == (5, 4, 4) and s["ms"].shape == (3, 8, 8)
    assert torch.equal(s["gt"], ds.scenes[k][1][:, y:y + 8, x:x + 8])
    assert s["position"].tolist() == [y, x] and s["scene"] == ds.scenes[k][0]
    fig = ds.plot(s)
    matplotlib.pyplot.close(fig)


def test_augment_keeps_patch_content():
    ds = HSPatches(cubes(), degrade, split="train", patch_size=8, block=16, augment=True)
    k, y, x = ds.items[1]
    ref = ds.scenes[k][1][:, y:y + 8, x:x + 8]
    s = ds[1]
    assert torch.allclose(s["gt"].sum(dim=(1, 2)), ref.sum(dim=(1, 2)), rtol=1e-5)  # a rotation / flip of it


def test_errors():
    with pytest.raises(ValueError, match="needs degrade"):
        HSPatches(cubes(), None)
    with pytest.raises(ValueError, match="at least patch_size"):
        HSPatches(cubes(), degrade, patch_size=32, block=16)
    with pytest.raises(ValueError, match="no test patch"):
        HSPatches([torch.rand(5, 16, 16)], degrade, split="test", patch_size=16, block=16)
    with pytest.raises(ValueError, match="different band counts"):
        load_cubes([torch.rand(5, 8, 8), torch.rand(4, 8, 8)])
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        load_cubes([torch.rand(8, 8)])
