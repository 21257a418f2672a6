"""Converting third-party checkpoints into fusionzoo weights folders, without running their code.

:func:`convert_dlpan` turns a DLPan-Toolbox checkpoint (Deng et al.; PNN, PanNet, DiCNN, MSDCNN, DRPNN,
FusionNet, BDPN ``.pth`` state dicts, and the A-PNN / PNN+ ``*_PNNplus_model.pth.tar`` files) into a folder
holding ``model.safetensors`` and ``config.json``, which ``create_model(arch, checkpoint=<folder>, **kwargs)``
loads strictly (``kwargs`` = the folder's ``config.json["model_kwargs"]``; :func:`load_converted` does both).

Those checkpoints are GPL-3.0: convert your own download for your own use; fusionzoo neither ships nor
publishes them, nor any conversion of them.

Reading a checkpoint never executes code from it:

* plain state dicts are read with ``torch.load(path, map_location="cpu", weights_only=True)``;
* files that pickle whole model objects (the A-PNN files name classes such as ``model_qb.APNN``, which
  ``weights_only`` refuses) are read by :func:`read_checkpoint_restricted`: the pickle stream is unpickled by a
  restricted :class:`pickle.Unpickler` whose ``find_class`` returns inert stand-in classes for every global
  it does not know and, of torch, only tensor-rebuilding functions written here and storage-type markers;
  tensor data are read from the archive's raw storage records (zip or legacy format) by this module.
"""

from __future__ import annotations

import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable, Mapping

import torch

__all__ = ["convert_dlpan", "load_converted", "read_checkpoint", "read_checkpoint_restricted", "extract_state_dict",
           "DLPAN_ARCHS", "LICENSE"]

LICENSE = "GPL-3.0"
DLPAN_SOURCE = "DLPan-Toolbox (liangjiandeng/DLPan-Toolbox, UDL/pretrained-model), GPL-3.0"


# --- restricted unpickling --------------------------------------------------------------------------------
class _Inert:
    """Stand-in for a class the pickle names but this reader does not trust: it stores what it is given and
    does nothing else (no code of the original class runs)."""

    _pickled_as = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> "_Inert":
        obj = object.__new__(cls)
        object.__setattr__(obj, "_args", args)
        return obj

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        object.__setattr__(self, "_state", state)

    def __repr__(self) -> str:
        return f"<inert stand-in for {self._pickled_as}>"


class _StorageType:
    """Marker for a pickled storage type (``torch.FloatStorage`` ...): only its dtype is used."""

    def __init__(self, name: str, dtype: torch.dtype) -> None:
        self.name, self.dtype = name, dtype


_STORAGE_DTYPES = {
    "FloatStorage": torch.float32, "DoubleStorage": torch.float64, "HalfStorage": torch.float16,
    "BFloat16Storage": torch.bfloat16, "LongStorage": torch.int64, "IntStorage": torch.int32,
    "ShortStorage": torch.int16, "CharStorage": torch.int8, "ByteStorage": torch.uint8,
    "BoolStorage": torch.bool, "ComplexFloatStorage": torch.complex64, "ComplexDoubleStorage": torch.complex128,
    "UntypedStorage": torch.uint8,
}


def _rebuild_tensor(storage: Any, storage_offset: int, size: tuple, stride: tuple, *_: Any) -> torch.Tensor:
    if not isinstance(storage, torch.Tensor) or storage.dim() != 1:
        raise pickle.UnpicklingError("a tensor record does not refer to a storage of the archive")
    if not all(isinstance(v, int) for v in (storage_offset, *size, *stride)):
        raise pickle.UnpicklingError("malformed tensor record (offset, size and stride must be integers)")
    return storage.as_strided(tuple(size), tuple(stride), storage.storage_offset() + storage_offset)


def _rebuild_parameter(data: Any, *_: Any) -> Any:
    return data  # a Parameter is read as its plain tensor


def _safe_encode(obj: Any, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles use it for bytes: str -> bytes, nothing else."""
    if not isinstance(obj, str) or encoding.lower().replace("_", "-") not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise pickle.UnpicklingError("unexpected use of _codecs.encode")
    return obj.encode(encoding, errors)


_SAFE_GLOBALS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set, ("__builtin__", "set"): set,
    ("builtins", "frozenset"): frozenset, ("__builtin__", "frozenset"): frozenset,
    ("builtins", "dict"): dict, ("builtins", "list"): list, ("builtins", "tuple"): tuple,
    ("_codecs", "encode"): _safe_encode,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BufferedIOBase, load_storage: Callable[[tuple], torch.Tensor] | None) -> None:
        super().__init__(file, encoding="latin1")
        self._load_storage = load_storage
        self._inert: dict[tuple[str, str], type] = {}

    def find_class(self, module: str, name: str) -> Any:  # noqa: D401 - pickle API
        key = (module, name)
        if key in _SAFE_GLOBALS:
            return _SAFE_GLOBALS[key]
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name, _STORAGE_DTYPES[name])
        if key not in self._inert:  # anything else: an inert stand-in, never the real object
            self._inert[key] = type(name, (_Inert,), {"_pickled_as": f"{module}.{name}", "__module__": __name__})
        return self._inert[key]

    def persistent_load(self, pid: Any) -> Any:
        if self._load_storage is None or not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        return self._load_storage(pid)


def _storage_dtype(pid: tuple) -> torch.dtype:
    st = pid[1]
    if not isinstance(st, _StorageType):
        raise pickle.UnpicklingError(f"unsupported storage type in {pid!r}")
    return st.dtype


def _from_bytes(raw: bytes, dtype: torch.dtype, big_endian: bool = False) -> torch.Tensor:
    t = torch.frombuffer(bytearray(raw), dtype=torch.uint8)
    if dtype == torch.uint8:
        return t
    item = torch.empty((), dtype=dtype).element_size()
    if len(raw) % item:
        raise pickle.UnpicklingError("a storage record's size is not a multiple of its element size")
    if big_endian and item > 1:
        t = t.view(-1, item).flip(1).reshape(-1)
    return t.view(dtype)


def _read_zip(path: Path) -> Any:
    archive_size = path.stat().st_size
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        pkl = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
        if len(pkl) != 1:
            raise ValueError(f"{path}: not a torch zip checkpoint (no single <name>/data.pkl)")
        prefix = pkl[0].rsplit("/", 1)[0]
        big = False
        if f"{prefix}/byteorder" in names:
            big = z.read(f"{prefix}/byteorder").decode().strip() == "big"
        cache: dict[str, torch.Tensor] = {}

        def load(pid: tuple) -> torch.Tensor:
            key = str(pid[2])
            if key not in cache:
                member = f"{prefix}/data/{key}"
                if member not in names:
                    raise pickle.UnpicklingError(f"{path}: storage {key} is missing from the archive")
                info = z.getinfo(member)
                if info.compress_type != zipfile.ZIP_STORED or info.file_size > archive_size:
                    raise pickle.UnpicklingError(f"{path}: storage {key} declares {info.file_size:,} bytes in a "
                                                 f"{archive_size:,}-byte archive (torch stores tensors "
                                                 f"uncompressed): it is not a torch checkpoint")
                cache[key] = _from_bytes(z.read(member), _storage_dtype(pid), big)
            return cache[key]

        return _RestrictedUnpickler(io.BytesIO(z.read(pkl[0])), load).load()


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def _check_storage_size(path: Path, key: str, numel: int, dtype: torch.dtype, available: int) -> None:
    """Refuse, before allocating it, a storage that the file cannot hold (a truncated or crafted file)."""
    size = int(numel) * torch.empty((), dtype=dtype).element_size()
    if numel < 0 or size > available:
        raise pickle.UnpicklingError(f"{path}: storage {key} declares {numel} elements ({size:,} bytes), more than "
                                     f"the {available:,} bytes of the file: it is truncated or not a checkpoint")


def _read_legacy(path: Path) -> Any:
    """The pre-1.6 torch format: pickles of magic, protocol, system info, the object, the storage keys, then
    each storage as an int64 element count followed by its raw bytes."""
    file_size = path.stat().st_size
    with open(path, "rb") as f:
        if _RestrictedUnpickler(f, None).load() != _LEGACY_MAGIC:
            raise ValueError(f"{path}: neither a torch zip checkpoint nor a legacy torch file")
        _RestrictedUnpickler(f, None).load()  # protocol version
        info = _RestrictedUnpickler(f, None).load()
        little = not isinstance(info, dict) or info.get("little_endian", True)
        roots: dict[str, tuple[torch.dtype, int]] = {}
        buffers: dict[str, torch.Tensor] = {}

        def load(pid: tuple) -> torch.Tensor:
            if len(pid) != 6:
                raise pickle.UnpicklingError(f"unexpected persistent id {pid!r} in a legacy file")
            _, _, key, _, numel, view = pid
            dtype = _storage_dtype(pid)
            key = str(key)
            if key not in buffers:
                _check_storage_size(path, key, int(numel), dtype, file_size)
                roots[key] = (dtype, int(numel))
                buffers[key] = torch.zeros(int(numel), dtype=dtype)
            if view is not None:
                _, offset, size = view
                return buffers[key].narrow(0, int(offset), int(size))
            return buffers[key]

        obj = _RestrictedUnpickler(f, load).load()
        keys = _RestrictedUnpickler(f, None).load()
        for key in keys:
            key = str(key)
            (n,) = struct.unpack("<q" if little else ">q", f.read(8))
            dtype, numel = roots.get(key, (torch.uint8, n))
            if n != numel:
                raise pickle.UnpicklingError(f"{path}: storage {key} has {n} elements, expected {numel}")
            size = n * torch.empty((), dtype=dtype).element_size()
            raw = f.read(size)
            if len(raw) != size:
                raise pickle.UnpicklingError(f"{path}: truncated storage {key}")
            if key in buffers:
                buffers[key].copy_(_from_bytes(raw, dtype, not little))
        return obj


def read_checkpoint_restricted(path: str | os.PathLike) -> Any:
    """Read a torch checkpoint (zip or legacy format) without executing any of its code.

    Unknown classes become inert stand-ins; tensors come back as plain tensors (their own copies).
    """
    path = Path(path)
    obj = _read_zip(path) if zipfile.is_zipfile(path) else _read_legacy(path)
    return _own_tensors(obj)


def _own_tensors(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.clone()
    if isinstance(obj, collections.OrderedDict):
        return collections.OrderedDict((k, _own_tensors(v)) for k, v in obj.items())
    if isinstance(obj, dict):
        return {k: _own_tensors(v) for k, v in obj.items()}
    return obj


def read_checkpoint(path: str | os.PathLike) -> Any:
    """Read a checkpoint safely: ``torch.load(..., weights_only=True)``, or, for files that pickle objects of
    classes it refuses, :func:`read_checkpoint_restricted`.  Never ``weights_only=False``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        return read_checkpoint_restricted(path)


def extract_state_dict(obj: Any) -> dict[str, torch.Tensor]:
    """The state dict inside a checkpoint: itself, or its ``model_state`` / ``state_dict`` entry."""
    def is_sd(d: Any) -> bool:
        return isinstance(d, Mapping) and bool(d) and all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                                          for k, v in d.items())

    if is_sd(obj):
        return dict(obj)
    if isinstance(obj, Mapping):
        for key in ("model_state", "state_dict", "model_state_dict", "model"):
            if is_sd(obj.get(key)):
                return dict(obj[key])
    kind = f"a dict with keys {sorted(map(str, obj))}" if isinstance(obj, Mapping) else type(obj).__name__
    raise ValueError(f"no state dict found in the checkpoint ({kind})")


# --- DLPan-Toolbox conversion -----------------------------------------------------------------------------
def _w(sd: Mapping[str, torch.Tensor], key: str, dim: int = 0) -> int:
    if key not in sd:
        raise ValueError(f"it has no {key!r}")
    return int(sd[key].shape[dim])


def _n_blocks(sd: Mapping[str, torch.Tensor], prefix: str) -> int:
    return len({k.split(".")[len(prefix.split("."))] for k in sd if k.startswith(prefix + ".")})


# constructor arguments of each architecture, read from its (mapped) state dict
DLPAN_ARCHS: dict[str, Callable[[Mapping[str, torch.Tensor]], dict[str, Any]]] = {
    "pnn": lambda sd: {"bands": _w(sd, "conv3.weight"), "width": [_w(sd, "conv1.weight"), _w(sd, "conv2.weight")]},
    "apnn": lambda sd: {"bands": _w(sd, "conv3.weight"), "width": [_w(sd, "conv1.weight"), _w(sd, "conv2.weight")]},
    "dicnn": lambda sd: {"bands": _w(sd, "conv3.weight"), "width": _w(sd, "conv1.weight")},
    "msdcnn": lambda sd: {"bands": _w(sd, "conv5.weight")},
    "drpnn": lambda sd: {"bands": _w(sd, "conv3.weight"), "width": _w(sd, "conv1.weight"),
                         "depth": _n_blocks(sd, "blocks")},
    "pannet": lambda sd: {"bands": _w(sd, "conv3.weight"), "width": _w(sd, "conv1.weight"),
                          "num_blocks": _n_blocks(sd, "blocks")},
    "fusionnet": lambda sd: {"bands": _w(sd, "conv3.weight"), "width": _w(sd, "conv1.weight"),
                             "num_blocks": _n_blocks(sd, "blocks")},
    "bdpn": lambda sd: {"bands": _w(sd, "conv3.weight"), "width": _w(sd, "conv1.weight"),
                        "num_blocks": _n_blocks(sd, "blocks.0")},
}


def _sha256(path: Path) -> str:
    from .weights import sha256sum

    return sha256sum(path)


def convert_dlpan(checkpoint_path: str | os.PathLike, arch: str, sensor: str, out_dir: str | os.PathLike,
                  ratio: int = 4) -> Path:
    """Convert a DLPan-Toolbox checkpoint of ``arch`` into a fusionzoo weights folder ``out_dir``.

    The folder gets ``model.safetensors`` (the state dict under fusionzoo's names, checked by a strict load
    into the architecture) and ``config.json`` (``arch``, ``model_kwargs``, ``sensor``, its band names and
    wavelengths from :mod:`fusionzoo.sensors`, bit depth, ``license`` GPL-3.0 and the ``source`` file and its
    sha256).  ``sensor`` must have as many bands as the checkpoint (e.g. WV3 or WV2 for the 8-band files, QB
    or WV4 for the 4-band ones).  Returns the folder.
    """
    from safetensors.torch import save_file

    from . import __version__
    from .registry import create_model, get_arch
    from .sensors import get_sensor
    from .weights import CONFIG_FILE, WEIGHTS_FILE

    src = Path(checkpoint_path).expanduser()
    entry = get_arch(arch)
    arch = entry.arch
    if arch not in DLPAN_ARCHS:
        raise ValueError(f"no DLPan-Toolbox conversion for {arch!r}; supported: {', '.join(sorted(DLPAN_ARCHS))}")
    obj = read_checkpoint(src)
    raw = extract_state_dict(obj)
    sd = sys.modules[entry.fn.__module__].checkpoint_filter_fn(raw)
    if not sd:
        raise ValueError(f"{src}: none of its {len(raw)} tensors belongs to {arch} (keys like {sorted(raw)[:3]})")
    try:
        kwargs = {**DLPAN_ARCHS[arch](sd), "ratio": int(ratio)}
    except ValueError as e:
        raise ValueError(f"{src.name} does not look like a DLPan-Toolbox {arch} checkpoint: {e}") from e
    s = get_sensor(sensor)
    if s.num_bands != kwargs["bands"]:
        raise ValueError(f"{src.name} has {kwargs['bands']} MS bands but sensor {s.full_name} has "
                         f"{s.num_bands} bands {list(s.bands)}; give the sensor it was trained on")
    model = create_model(arch, **kwargs)
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise ValueError(f"{src} does not fit {arch}{kwargs}: {' '.join(str(e).split())}") from e
    sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}

    out = Path(out_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    config = {
        "arch": arch,
        "architecture": arch,
        "task": entry.cfg.task,
        "inputs": list(entry.cfg.inputs),
        "model_kwargs": kwargs,
        "sensor": s.name,
        "sensor_name": s.full_name,
        "bands": list(s.bands),
        "wavelengths": list(s.wavelengths) if s.wavelengths else None,
        "bit_depth": s.bit_depth,
        "ratio": int(ratio),
        "scaling": f"DN / {s.max_value} (DN / (2**{s.bit_depth} - 1))",
        "num_params": sum(int(v.numel()) for v in sd.values()),
        "license": LICENSE,
        "license_note": "converted from a GPL-3.0 DLPan-Toolbox checkpoint for the user's own use; neither "
                        "fusionzoo nor this folder may re-publish it under other terms",
        "source": {"file": src.name, "sha256": _sha256(src), "project": DLPAN_SOURCE,
                   "read_with": "torch.load(weights_only=True)" if _is_plain(obj)
                   else "fusionzoo.convert.read_checkpoint_restricted (no code executed)"},
        "converted_with": f"fusionzoo {__version__} convert_dlpan",
    }
    for name, write in ((WEIGHTS_FILE, lambda p: save_file(sd, str(p), metadata={"format": "pt"})),
                        (CONFIG_FILE, lambda p: p.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n",
                                                             encoding="utf-8"))):
        tmp = out / f".{name}.tmp"
        write(tmp)
        os.replace(tmp, out / name)
    return out


def _is_plain(obj: Any) -> bool:
    return isinstance(obj, Mapping) and all(isinstance(v, torch.Tensor) for v in obj.values())


def load_converted(folder: str | os.PathLike, **overrides: Any) -> torch.nn.Module:
    """Create the model of a folder written by :func:`convert_dlpan`, loaded strictly."""
    from .registry import create_model
    from .weights import CONFIG_FILE

    folder = Path(folder).expanduser()
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    kwargs = {**config["model_kwargs"], "band_names": config.get("bands"), **overrides}
    if "bands" in overrides and overrides["bands"] != config["model_kwargs"]["bands"]:
        kwargs.pop("band_names", None)
    return create_model(config["arch"], checkpoint=folder, **kwargs)
