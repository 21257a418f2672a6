"""SR-D: pansharpening by the sparse representation of injected details (Vicinanza et al. 2015).

M. R. Vicinanza, R. Restaino, G. Vivone, M. Dalla Mura, J. Chanussot, "A pansharpening method based on the sparse
representation of injected details", IEEE GRSL 12(1), 2015; as run by the pansharpening toolbox of Vivone et al.
("A new benchmark based on recent advances in multispectral pansharpening", IEEE GRSM 9(1), 2021): ``CS.m``,
``Dict_Learn.m``, ``OMP.m``, ``OMP_Rec_Detile.m``, with the reduced-resolution demo's 7 x 7 tiles, overlap 4 and
10 atoms.  Operation by operation, on the upsampled MS ``ms_up`` (``interp23tap``) and the PAN:

* ``P_b``: the PAN equalised to band ``b`` by mean and (raw PAN) standard deviation;
* MS details ``ms_up_b - MTF_b(ms_up_b)`` and PAN details ``P_b - imresize(decimate(MTF_b(P_b)), ratio)``
  (``MTF_b`` the sensor's ``genMTF`` filter, replicated borders; ``decimate`` = ``imresize(., 1/ratio,
  'nearest')``; the expansion is bicubic, MATLAB's default);
* low-resolution signals: the decimated MS details ``y`` and the decimated MTF-filtered PAN details;
* tiles of ``TS x TS`` low-resolution pixels stepping by ``TS - ol`` (the last row / column of tiles moved back
  to end at the border), ``TS * ratio`` pixels at full resolution.  Tile ``k`` gives the atom ``k`` of the
  low-resolution dictionary ``Dl`` (the PAN-detail patches of every band, stacked), of the high-resolution one
  ``Dh`` (the full-resolution PAN-detail patches) and the measurement ``y_k`` (the MS-detail patches);
* OMP (:func:`omp_toolbox`) codes ``y_k`` on ``Dl``, the first atom being tile ``k``'s own, the next ones
  the atom of largest ``|Dl^T r|`` over the stacked bands; the coefficients are least squares band by band;
* the details of each tile are ``Dh_b alpha_b``, averaged where tiles overlap, and added to ``ms_up``.

The toolbox works on digital numbers: its OMP keeps the least-squares coefficients of a band only when the
determinant of their Gram matrix exceeds 0.1 (in DN^2j).  fusionzoo's [0, 1] inputs are ``DN / full_scale``, so the
test is made on the Gram matrix times ``full_scale**2`` (``full_scale`` = ``2**bit_depth - 1`` of ``sensor``,
2047 for ``"generic"``), which gives the toolbox's decisions.  Every other step is scale-equivariant.  Computed
in float64 (the atom choices are arg-maxima), returned in the input dtype.  Details in ``model_cards/sr_d.md``.
"""

from __future__ import annotations

import math

import torch

from ....builder import build_model
from ....ops import decimate_nearest, imresize
from ....registry import ArchConfig, register_model
from ....sensors import Sensor, get_sensor
from .multiresolution import _MRA, _match, _std, mtf_lowpass_decimated

__all__ = ["SRD", "omp_toolbox", "tile_starts"]


# --- tiling and OMP ----------------------------------------------------------------------------------------


def tile_starts(n: int, size: int, overlap: int) -> list[int]:
    """0-based first rows (or columns) of the toolbox's tiles along a low-resolution length ``n``: steps of
    ``size - overlap``, ``ceil((n - overlap) / (size - overlap))`` tiles, the last moved back to end at ``n``."""
    if n < size:
        raise ValueError(f"SR-D needs an MS of at least {size} x {size} pixels (its tile size), got a side of {n}; "
                         f"pass a larger image or a smaller tile_size")
    step = size - overlap
    count = math.ceil((n - overlap) / step)
    return [i * step for i in range(count - 1)] + [n - size]


def omp_toolbox(D: torch.Tensor, Y: torch.Tensor, n_atoms: int, det_threshold: float = 0.1, scale: float = 1.0,
                first: torch.Tensor | None = None, chunk: int = 1 << 24) -> tuple[torch.Tensor, torch.Tensor]:
    """The toolbox's multiband OMP (``OMP.m``), batched over the signals.

    ``D`` (N, C, n): N atoms, each C bands of n samples; ``Y`` (M, C, n): M signals.  For each signal: the first
    atom is ``first[m]`` (the toolbox: the signal's own tile; default: chosen like the others), every further
    one the atom of largest ``|<D_k, r>|`` over the stacked bands (first index on ties, repeats allowed), ``r`` the
    residual; after each choice the coefficients of each band ``c`` are the least squares on the chosen atoms'
    band ``c``, kept when ``det(G_c) * scale**(2 j) > det_threshold`` (``G_c`` the j x j Gram matrix) and 0
    otherwise.  It stops after ``n_atoms`` atoms or at a zero residual (a zero signal gets no atom: where the
    toolbox stops with an undefined result).  Returns ``(idx, coef)``: (M, J) atom indices and (M, C, J)
    coefficients, ``J`` the most atoms any signal used; unused slots have coefficient 0.
    """
    N, C, n = D.shape
    M = Y.shape[0]
    dev, dt = D.device, D.dtype
    Dflat = D.reshape(N, C * n)
    idx = torch.zeros(M, 0, dtype=torch.long, device=dev)
    coef = torch.zeros(M, C, 0, dtype=dt, device=dev)
    res = Y.clone()
    chosen = D.new_zeros(M, C, n_atoms, n)                               # the chosen atoms, band by band
    active = (Y.reshape(M, -1) ** 2).sum(1) > 0
    log_thr = math.log(det_threshold)
    rows = max(1, chunk // max(N, 1))
    for j in range(1, n_atoms + 1):
        if not bool(active.any()):
            break
        act = slice(None) if bool(active.all()) else active.nonzero().squeeze(1)  # a view while all are active
        A = int(active.sum())
        if j == 1 and first is not None:
            new = first[act]
        else:
            r = res[act].reshape(A, C * n)
            new = torch.cat([(r[s:s + rows] @ Dflat.T).abs().argmax(1) for s in range(0, A, rows)])
        sel = torch.cat([idx[act], new[:, None]], 1)                    # (A, j)
        chosen[act, :, j - 1] = D[new]
        Dj = chosen[act, :, :j]                                          # (A, C, j, n)
        y = Y[act]                                                       # (A, C, n)
        G = Dj @ Dj.transpose(-1, -2)                                    # (A, C, j, j)
        sign, logdet = torch.linalg.slogdet(G)
        ok = (sign > 0) & (logdet + 2 * j * math.log(scale) > log_thr)
        eye = torch.eye(j, dtype=dt, device=dev)
        a = torch.linalg.solve(torch.where(ok[..., None, None], G, eye), Dj @ y[..., None])[..., 0]
        a = torch.where(ok[..., None], a, torch.zeros_like(a))           # (A, C, j)
        r_new = y - (a[:, :, None, :] @ Dj)[:, :, 0]
        idx = torch.cat([idx, idx.new_zeros(M, 1)], 1)
        coef = torch.cat([coef, coef.new_zeros(M, C, 1)], 2)
        idx[act] = sel
        coef[act] = a
        res[act] = r_new
        active = active.clone()
        active[act] = (r_new.reshape(A, -1) ** 2).sum(1) > 0
    return idx, coef


def _mtf_decimated(x: torch.Tensor, gains, ratio: int) -> torch.Tensor:
    """``imresize(imfilter(x_b, genMTF_b, 'replicate'), 1/ratio, 'nearest')`` band by band (B, C, H, W) -> (B, C,
    H/ratio, W/ratio), only the kept samples computed."""
    return torch.cat([mtf_lowpass_decimated(x[:, c:c + 1], (g,), ratio)[0] for c, g in enumerate(gains)], 1)


def _tiles(img: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """Tiles of ``img`` (C, H, W) at the row / column index grids ``rows`` (nr, t) and ``cols`` (nc, t): (nr * nc, C,
    t * t), tiles in the toolbox's order (row of tiles by row of tiles), pixels row-major within a tile."""
    t = img[:, rows[:, None, :, None], cols[None, :, None, :]]                  # (C, nr, nc, t, t)
    return t.permute(1, 2, 0, 3, 4).reshape(rows.shape[0] * cols.shape[0], img.shape[0], -1)


def _combine(atoms: torch.Tensor, idx: torch.Tensor, coef: torch.Tensor) -> torch.Tensor:
    """``out[m, c] = sum_j coef[m, c, j] atoms[idx[m, j], c]`` (repeated atoms add up), as one sparse product per
    band: atoms (N, C, n), idx (M, J), coef (M, C, J) -> (M, C, n)."""
    M, C, J = coef.shape
    rows = torch.arange(M, device=idx.device).repeat_interleave(J)
    out = []
    for c in range(C):
        S = torch.sparse_coo_tensor(torch.stack([rows, idx.reshape(-1)]), coef[:, c].reshape(-1),
                                    (M, atoms.shape[0]), check_invariants=False).coalesce()
        out.append(torch.sparse.mm(S, atoms[:, c]))
    return torch.stack(out, 1)


# --- the module ---------------------------------------------------------------------------------------------


class SRD(_MRA):
    """SR-D (toolbox ``CS.m``): details of the MS estimated tile by tile as sparse combinations of PAN-detail
    patches, the coefficients found at reduced resolution by OMP and applied at full resolution.

    ``tile_size`` (7), ``overlap`` (4) and ``n_atoms`` (10) are the reduced-resolution demo's; ``sensor`` gives
    the MTF filters and, through its bit depth, the DN full scale of the OMP determinant test (``full_scale``
    overrides it).  The MS must be at least ``tile_size`` pixels on each side.
    """

    uses_sensor = True

    def __init__(self, ratio: int = 4, sensor: str | Sensor = "generic", tile_size: int = 7, overlap: int = 4,
                 n_atoms: int = 10, full_scale: float | None = None, **kwargs) -> None:
        super().__init__(ratio=ratio, sensor=sensor, **kwargs)
        if not 0 <= overlap < tile_size:
            raise ValueError(f"overlap must be in [0, tile_size), got overlap={overlap}, tile_size={tile_size}")
        if n_atoms < 1:
            raise ValueError(f"n_atoms must be >= 1, got {n_atoms}")
        if full_scale is not None and not full_scale > 0:
            raise ValueError(f"full_scale must be positive (the DN of the [0, 1] scale's 1), got {full_scale}")
        self.tile_size, self.overlap, self.n_atoms = int(tile_size), int(overlap), int(n_atoms)
        self.full_scale = full_scale

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, tile_size={self.tile_size}, overlap={self.overlap}, n_atoms={self.n_atoms}"

    def dn_scale(self, bands: int) -> float:
        """The digital number of the [0, 1] scale's 1: ``full_scale`` or the sensor's ``2**bit_depth - 1``."""
        if self.full_scale is not None:
            return float(self.full_scale)
        return float(get_sensor(self.sensor, num_bands=bands).max_value)

    def fuse(self, ms, pan):
        return self.fuse_lr(ms.double(), pan.double()).to(ms.dtype)  # float64: the atom choices are arg-maxima

    def fuse_up(self, ms_up, pan):
        B, C, H, W = ms_up.shape
        r, ts = self.ratio, self.tile_size
        h, w = H // r, W // r
        rows, cols = tile_starts(h, ts, self.overlap), tile_starts(w, ts, self.overlap)
        gains = self.mtf_gains(C)
        gain, off = _match(pan, ms_up, _std(pan))
        pb = gain * pan + off                                                     # (B, C, H, W)
        y_lr = decimate_nearest(ms_up, r) - _mtf_decimated(ms_up, gains, r)       # MS details, decimated
        low, ksum = mtf_lowpass_decimated(pan, gains, r)                          # filters commute with P_b's map
        pan_det = pb - imresize(gain * low + off * ksum.view(1, -1, 1, 1), float(r))
        pan_lr = _mtf_decimated(pan_det, gains, r)                                # resize_images(PAN details)
        scale = self.dn_scale(C)
        ri = torch.tensor(rows, device=pan.device)[:, None] + torch.arange(ts, device=pan.device)
        ci = torch.tensor(cols, device=pan.device)[:, None] + torch.arange(ts, device=pan.device)
        Ri = (r * torch.tensor(rows, device=pan.device))[:, None] + torch.arange(ts * r, device=pan.device)
        Ci = (r * torch.tensor(cols, device=pan.device))[:, None] + torch.arange(ts * r, device=pan.device)
        count = torch.zeros(H, W, dtype=pan.dtype, device=pan.device)
        count.index_put_((Ri[:, None, :, None].expand(-1, len(cols), -1, ts * r),
                          Ci[None, :, None, :].expand(len(rows), -1, ts * r, -1)),
                         torch.ones((), dtype=pan.dtype, device=pan.device).expand(len(rows), len(cols), ts * r, ts * r),
                         accumulate=True)
        out = torch.empty_like(ms_up)
        for b in range(B):
            Dl, Y = _tiles(pan_lr[b], ri, ci), _tiles(y_lr[b], ri, ci)
            Dh = _tiles(pan_det[b], Ri, Ci)                                      # (N, C, (t r)^2)
            idx, coef = omp_toolbox(Dl, Y, self.n_atoms, 0.1, scale, first=torch.arange(len(Dl), device=pan.device))
            patches = _combine(Dh, idx, coef)
            det = torch.zeros(C, H, W, dtype=pan.dtype, device=pan.device)
            p = patches.reshape(len(rows), len(cols), C, ts * r, ts * r).permute(2, 0, 1, 3, 4)
            det.index_put_((torch.arange(C, device=pan.device)[:, None, None, None, None],
                            Ri[None, :, None, :, None], Ci[None, None, :, None, :]), p, accumulate=True)
            out[b] = ms_up[b] + det / count
        return out


# --- checkpoint mapping: none (no parameters) -------------------------------------------------------------

# --- configs ----------------------------------------------------------------------------------------------
default_cfgs = {
    "sr_d": ArchConfig(
        task="pansharpening", inputs=("ms", "pan"), classical=True, card="sr_d.md",
        paper="M. R. Vicinanza, R. Restaino, G. Vivone, M. Dalla Mura, J. Chanussot, 'A pansharpening method based "
              "on the sparse representation of injected details', IEEE GRSL 12(1), 2015",
        summary="MS details as sparse (OMP) combinations of PAN-detail patches, coded at reduced resolution"),
}


# --- entry points -----------------------------------------------------------------------------------------
@register_model
def sr_d(pretrained: bool = False, **kwargs) -> SRD:
    """SR-D (Vicinanza et al. 2015): sparse representation of the injected details (7 x 7 tiles, overlap 4,
    10 atoms)."""
    return build_model(SRD, "sr_d", pretrained, **kwargs)
