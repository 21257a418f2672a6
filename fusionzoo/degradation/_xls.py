"""A minimal reader for the numeric cells of legacy Excel ``.xls`` files (BIFF8 in an OLE2 compound
document), so that the spectral-response tables shipped as ``.xls`` by the fusion repositories (CUCaNet's
``Nikon_D700_Qu.xls``, UDALN's ``houston18.xls``) load without a new dependency.

Only what those tables need: the first worksheet's NUMBER, RK and MULRK cells (text cells are ignored),
returned as a dense float64 array with NaN where a cell is empty or not numeric.  Written from the public
format descriptions ([MS-CFB] compound files, [MS-XLS] BIFF8 records).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

__all__ = ["read_xls_numbers"]

_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF


class _Compound:
    """Streams of an OLE2 compound document."""

    def __init__(self, data: bytes):
        if data[:8] != _MAGIC:
            raise ValueError("not a legacy .xls file (no OLE2 signature); save it as .xls (97-2003) or .csv")
        self.data = data
        self.ssz = 1 << struct.unpack_from("<H", data, 0x1E)[0]
        self.mssz = 1 << struct.unpack_from("<H", data, 0x20)[0]
        n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
        self.cutoff, first_minifat, _n_minifat, first_difat, n_difat = struct.unpack_from("<IIIII", data, 0x38)
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        s = first_difat
        for _ in range(n_difat):
            if s in (_ENDOFCHAIN, _FREESECT):
                break
            vals = struct.unpack_from(f"<{self.ssz // 4}I", self._sector(s))
            difat.extend(vals[:-1])
            s = vals[-1]
        fat_sectors = [d for d in difat if d not in (_ENDOFCHAIN, _FREESECT)][:n_fat]
        self.fat = []
        for fs in fat_sectors:
            self.fat.extend(struct.unpack_from(f"<{self.ssz // 4}I", self._sector(fs)))
        dir_bytes = self._chain(first_dir)
        self.entries = {}
        root = None
        for off in range(0, len(dir_bytes) - 127, 128):
            e = dir_bytes[off:off + 128]
            nlen = struct.unpack_from("<H", e, 64)[0]
            name = e[:max(0, nlen - 2)].decode("utf-16-le", errors="replace")
            etype = e[66]
            start, size = struct.unpack_from("<IQ", e, 116)
            if etype == 5:
                root = (start, size)
            elif etype == 2:
                self.entries[name] = (start, size)
        self.minifat = []
        if first_minifat not in (_ENDOFCHAIN, _FREESECT):
            mf = self._chain(first_minifat)
            self.minifat = list(struct.unpack_from(f"<{len(mf) // 4}I", mf))
        self.ministream = self._chain(root[0])[:root[1]] if root and root[0] not in (_ENDOFCHAIN, _FREESECT) else b""

    def _sector(self, s: int) -> bytes:
        off = (s + 1) * self.ssz
        return self.data[off:off + self.ssz]

    def _chain(self, s: int) -> bytes:
        out, seen = [], set()
        while s not in (_ENDOFCHAIN, _FREESECT) and s < len(self.fat) and s not in seen:
            seen.add(s)
            out.append(self._sector(s))
            s = self.fat[s]
        return b"".join(out)

    def stream(self, name: str) -> bytes:
        if name not in self.entries:
            raise KeyError(name)
        start, size = self.entries[name]
        if size < self.cutoff:
            out, s, seen = [], start, set()
            while s not in (_ENDOFCHAIN, _FREESECT) and s < len(self.minifat) and s not in seen:
                seen.add(s)
                out.append(self.ministream[s * self.mssz:(s + 1) * self.mssz])
                s = self.minifat[s]
            return b"".join(out)[:size]
        return self._chain(start)[:size]


def _rk(v: int) -> float:
    if v & 2:
        x = float(v >> 2 if v < 0x80000000 else (v >> 2) - (1 << 30))
    else:
        x = struct.unpack("<d", struct.pack("<Q", (v & 0xFFFFFFFC) << 32))[0]
    return x / 100.0 if v & 1 else x


def read_xls_numbers(path: str | Path, sheet: int = 0) -> np.ndarray:
    """Numeric cells of worksheet ``sheet`` of a BIFF8 ``.xls`` file as a (rows, cols) float64 array
    (NaN where empty or text), rows and columns counted from the first used cell (0, 0)."""
    doc = _Compound(Path(path).read_bytes())
    for name in ("Workbook", "Book"):
        if name in doc.entries:
            wb = doc.stream(name)
            break
    else:
        raise ValueError(f"{path}: no Workbook stream; not an Excel 97-2003 file")
    sheets = []
    pos = 0
    while pos + 4 <= len(wb):
        rid, ln = struct.unpack_from("<HH", wb, pos)
        if rid == 0x0085:  # BOUNDSHEET: absolute stream offset of the sheet's BOF
            sheets.append(struct.unpack_from("<I", wb, pos + 4)[0])
        if rid == 0x000A and pos > 0:  # EOF of the workbook globals
            break
        pos += 4 + ln
    if sheet >= len(sheets):
        raise ValueError(f"{path}: has {len(sheets)} worksheet(s), asked for index {sheet}")
    cells: dict[tuple[int, int], float] = {}
    pos = sheets[sheet]
    while pos + 4 <= len(wb):
        rid, ln = struct.unpack_from("<HH", wb, pos)
        body = wb[pos + 4:pos + 4 + ln]
        if rid == 0x0203:  # NUMBER
            r, c = struct.unpack_from("<HH", body, 0)
            cells[(r, c)] = struct.unpack_from("<d", body, 6)[0]
        elif rid == 0x027E:  # RK
            r, c = struct.unpack_from("<HH", body, 0)
            cells[(r, c)] = _rk(struct.unpack_from("<I", body, 6)[0])
        elif rid == 0x00BD:  # MULRK
            r, c0 = struct.unpack_from("<HH", body, 0)
            n = (ln - 6) // 6
            for k in range(n):
                cells[(r, c0 + k)] = _rk(struct.unpack_from("<I", body, 4 + 6 * k + 2)[0])
        elif rid == 0x000A:  # EOF of the sheet
            break
        pos += 4 + ln
    if not cells:
        raise ValueError(f"{path}: worksheet {sheet} has no numeric cells")
    rows = [r for r, _ in cells]
    cols = [c for _, c in cells]
    r0, c0 = min(rows), min(cols)
    out = np.full((max(rows) - r0 + 1, max(cols) - c0 + 1), np.nan)
    for (r, c), v in cells.items():
        out[r - r0, c - c0] = v
    return out
