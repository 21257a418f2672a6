"""torch.hub entry points of fusionzoo, one per registered architecture, generated from the registry.

::

    import torch
    torch.hub.list("fusionzoo/fusionzoo")                        # every architecture
    print(torch.hub.help("fusionzoo/fusionzoo", "pnn"))          # its card summary and weights tags
    model = torch.hub.load("fusionzoo/fusionzoo", "pnn", pretrained=True)             # default weights
    model = torch.hub.load("fusionzoo/fusionzoo", "pnn", tag="<tag>", pretrained=True)
    model = torch.hub.load("path/to/checkout", "exp", source="local", trust_repo=True)

Each entry point is ``fusionzoo.create_model(arch or "arch.tag", pretrained=..., **kwargs)``; the package
imported is always the one of this checkout (the folder this file is in), not another installed copy.
Only the entry points are public names here: torch.hub lists every public callable of this module.
"""

import os as _os
import sys as _sys
import warnings as _warnings

dependencies = ["torch", "safetensors", "huggingface_hub"]

_HERE = _os.path.dirname(_os.path.realpath(__file__))
_PKG = _os.path.join(_HERE, "fusionzoo")


def _import_checkout():
    """Import ``fusionzoo`` from this checkout, whatever else is installed or already imported."""
    mod = _sys.modules.get("fusionzoo")
    if mod is not None and _os.path.dirname(_os.path.realpath(mod.__file__)) != _PKG:
        _warnings.warn(f"fusionzoo was already imported from {_os.path.dirname(mod.__file__)}; torch.hub uses the "
                       f"checkout at {_HERE} instead (objects made by the other copy are not registered in it)",
                       stacklevel=3)
        for k in [k for k in _sys.modules if k == "fusionzoo" or k.startswith("fusionzoo.")]:
            del _sys.modules[k]
    added = _sys.path[:1] != [_HERE]
    if added:
        _sys.path.insert(0, _HERE)
    try:
        import fusionzoo
    finally:
        if added and _sys.path and _sys.path[0] == _HERE:
            del _sys.path[0]
    got = _os.path.dirname(_os.path.realpath(fusionzoo.__file__))
    if got != _PKG:  # pragma: no cover - only a broken sys.meta_path gets here
        raise ImportError(f"hubconf at {_HERE} imported fusionzoo from {got}, not from the checkout")
    return fusionzoo


_fz = _import_checkout()


def _card_paragraph(card):
    """First paragraph of ``model_cards/<card>`` (after any front matter and the title), or ``None``."""
    path = _os.path.join(_HERE, "model_cards", card) if card else None
    if not path or not _os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if lines and lines[0].strip() == "---":  # YAML front matter
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
        lines = lines[end + 1:]
    para = []
    for line in lines:
        s = line.strip()
        if not para and (not s or s.startswith("#")):
            continue
        if not s or s.startswith("#"):
            break
        para.append(s)
    return " ".join(para) or None


def _doc(arch):
    cfg = _fz.get_arch(arch).cfg
    lines = [_card_paragraph(cfg.card) or cfg.summary, "", f"Paper: {cfg.paper}"]
    if cfg.url:
        lines.append(f"URL: {cfg.url}")
    lines.append(f"Task: {cfg.task}, inputs {', '.join(cfg.inputs)} ({cfg.kind}).")
    lines.append("")
    if cfg.weights:
        lines.append("Weights tags (pass tag=...; the first is the default):")
        for i, w in enumerate(cfg.weights):
            data = "; ".join(d["name"] for d in w.train_data)
            lines.append(f"    {arch}.{w.tag}{' (default)' if i == 0 else ''}: {w.sensor}, {w.num_bands} bands "
                         f"{', '.join(w.bands)}, ratio {w.ratio}, {w.bit_depth}-bit; trained on {data}")
    elif cfg.classical or cfg.fitted:
        lines.append("Weights tags: none (nothing to load: " + ("a classical method)." if cfg.classical
                                                               else "optimised on each input pair)."))
    else:
        lines.append("Weights tags: none yet (pretrained=True raises until weights are published).")
    lines += [
        "",
        "Args:",
        "    pretrained (bool): load the pretrained weights of ``tag`` (default False).",
        "    tag (str): a weights tag listed above (default: the first).",
        "    **kwargs: constructor arguments (e.g. ``bands=4`` adapts 8-band weights to 4 bands), plus",
        "        ``checkpoint=`` (a local .safetensors file or folder) and ``source=`` ('auto', 'local', 'hub').",
    ]
    return "\n".join(lines)


def _entry_point(arch):
    def entry(pretrained=False, tag=None, **kwargs):
        return _fz.create_model(arch if tag is None else f"{arch}.{tag}", pretrained=pretrained, **kwargs)

    entry.__name__ = entry.__qualname__ = arch
    entry.__module__ = __name__
    entry.__doc__ = _doc(arch)
    return entry


for _arch in _fz.registry.list_archs():
    if _arch in globals():  # pragma: no cover - an architecture named like a module-level name
        raise RuntimeError(f"architecture {_arch!r} clashes with a name of hubconf.py")
    globals()[_arch] = _entry_point(_arch)
globals().pop("_arch", None)
