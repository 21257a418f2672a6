"""Publishing weights as Hugging Face Hub repositories.

Every set of weights ``arch.tag`` is published as the Hub repository ``<org>/<arch>.<tag>`` holding

* ``model.safetensors`` -- the state dict, whose sha256 is the record's :attr:`Weights.sha256`;
* ``config.json``       -- :func:`config_dict`: architecture, task, inputs, constructor arguments and the whole
  :class:`~fusionzoo.weights.Weights` record;
* ``README.md``         -- :func:`card_text`: the model card (YAML metadata with a ``model-index``, the
  hand-written card of the architecture, the weights' metadata, usage).

The pinned revision :attr:`Weights.hf_revision` (e.g. ``"v0.1.0"``) is a tag that :func:`push_to_hub`
creates on the repository after the upload.  Until the Hub organisation exists the very same folders ship
inside the package under ``fusionzoo/published/<org>/<arch>.<tag>/``; :func:`sync_published` regenerates
their ``config.json`` and ``README.md`` from the registry.

Command line (from a source checkout)::

    python -m fusionzoo.hub card pnn.wv3            # print the model card
    python -m fusionzoo.hub write pnn.wv3 out/      # out/fusionzoo/pnn.wv3/{model.safetensors,config.json,README.md}
    python -m fusionzoo.hub sync                    # regenerate every bundled folder
    python -m fusionzoo.hub push pnn.wv3 [--org ORG] [--private]
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

from .cards import MODEL_CARDS_DIR
from .registry import get_arch, get_weights, list_models, split_name
from .tasks import get_task
from .weights import (
    CONFIG_FILE,
    PUBLISHED_DIR,
    ChecksumError,
    Weights,
    WeightsError,
    load_state_dict,
    resolve_weights_file,
    sha256sum,
    validate_weights_metadata,
)

__all__ = [
    "CARD_FILE",
    "MODEL_CARDS_DIR",
    "TORCH_HUB_REPO",
    "card_text",
    "config_dict",
    "config_json",
    "weights_from_config",
    "write_hub_folder",
    "push_to_hub",
    "sync_published",
]

log = logging.getLogger(__name__)

CARD_FILE = "README.md"
#: The GitHub repository torch.hub loads the entry points from (``hubconf.py`` at its root).
TORCH_HUB_REPO = "fusionzoo/fusionzoo"

# Licence identifiers the Hub accepts in the ``license`` field of a card; anything else is published as
# ``license: other`` with ``license_name``.
_HUB_LICENSES = frozenset("""
apache-2.0 mit openrail openrail++ bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0
bigcode-openrail-m afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear
c-uda cc cc0-1.0 cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0
cc-by-nc-3.0 cc-by-nc-4.0 cc-by-nd-4.0 cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0 cc-by-nc-sa-3.0
cc-by-nc-sa-4.0 cdla-sharing-1.0 cdla-permissive-1.0 cdla-permissive-2.0 wtfpl ecl-2.0 epl-1.0 epl-2.0
etalab-2.0 eupl-1.1 eupl-1.2 agpl-3.0 gfdl gpl gpl-2.0 gpl-3.0 lgpl lgpl-2.1 lgpl-3.0 isc h-research
intel-research lppl-1.3c ms-pl apple-ascl apple-amlr mpl-2.0 odc-by odbl openmdw-1.0 osl-3.0 postgresql
ofl-1.1 ncsa unlicense zlib pddl lgpl-lr deepfloyd-if-license fair-noncommercial-research-license
llama2 llama3 llama3.1 llama3.2 llama3.3 llama4 gemma unknown other
""".split())

# --- helpers ---------------------------------------------------------------------------------------------
def _resolve(name: str) -> tuple[str, Any, Weights]:
    """``(arch, ArchConfig, Weights)`` of ``arch.tag`` (or of the default tag of ``arch``)."""
    entry = get_arch(name)
    return entry.arch, entry.cfg, get_weights(name)


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(s).lower()).strip("-") or "unknown"


def _cell(v: Any) -> str:
    """A value for a markdown table cell."""
    return str(v).replace("|", "\\|").replace("\n", " ")


def _num(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return _cell(v)
    if isinstance(v, int):
        return str(v)
    return f"{v:.4f}"


def _wl(v: float) -> str:
    return f"{v:g}"


def sensor_title(sensor: str) -> str:
    try:
        from .sensors import get_sensor

        s = get_sensor(sensor)
        return s.name if s.full_name == s.name else f"{s.name} ({s.full_name})"
    except (KeyError, ValueError):
        return sensor


def _dataset_names(w: Weights) -> list[str]:
    names: list[str] = []
    for e in (*w.train_data, *w.eval_data):
        n = e.get("name")
        if n and n not in names:
            names.append(n)
    for ds in w.metrics:
        if ds not in names:
            names.append(ds)
    return names


def _jsonable(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


def _tupled(x: Any) -> Any:
    """JSON arrays back to the tuples records use."""
    if isinstance(x, Mapping):
        return {k: _tupled(v) for k, v in x.items()}
    if isinstance(x, list):
        return tuple(_tupled(v) for v in x)
    return x


# --- config.json ------------------------------------------------------------------------------------------
def config_dict(name: str) -> dict[str, Any]:
    """What ``config.json`` of ``arch.tag`` holds (JSON types only)."""
    from . import __version__

    arch, cfg, w = _resolve(name)
    return _jsonable({
        "architecture": arch,
        "tag": w.tag,
        "task": cfg.task,
        "inputs": list(cfg.inputs),
        "model_kwargs": dict(w.model_kwargs),
        "weights": w.to_dict(),
        "fusionzoo_version": __version__,
    })


def config_json(name: str) -> str:
    """``config.json`` of ``arch.tag`` as text: sorted keys, indent 2, strict JSON, final newline."""
    return json.dumps(config_dict(name), indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False) + "\n"


def weights_from_config(config: Mapping[str, Any]) -> Weights:
    """The :class:`Weights` record of a ``config.json`` (the whole dict or its ``"weights"`` entry).

    JSON arrays come back as the tuples records use (``bands``, ``wavelengths``, ``train_data``,
    ``eval_data`` and arrays inside ``model_kwargs``).
    """
    d = dict(config.get("weights", config))
    d["bands"] = tuple(d["bands"])
    d["wavelengths"] = tuple(d["wavelengths"]) if d.get("wavelengths") is not None else None
    d["train_data"] = tuple(dict(e) for e in d["train_data"])
    d["eval_data"] = tuple(dict(e) for e in d["eval_data"])
    d["model_kwargs"] = _tupled(d.get("model_kwargs", {}))
    d["classes"] = tuple(dict(c) for c in d.get("classes", ()))
    return Weights(**d)


# --- README.md --------------------------------------------------------------------------------------------
def _license_fields(lic: str) -> dict[str, str]:
    key = lic.strip().lower()
    if key in _HUB_LICENSES:
        return {"license": key}
    return {"license": "other", "license_name": _slug(lic)}


def _model_index(name: str, task: str, w: Weights) -> list[dict[str, Any]]:
    split = {e.get("name"): e.get("split") for e in w.eval_data}
    results = []
    for ds, protocols in w.metrics.items():
        for protocol, metrics in protocols.items():
            for metric, value in metrics.items():
                dataset: dict[str, Any] = {"name": ds, "type": _slug(ds), "config": protocol}
                if split.get(ds):
                    dataset["split"] = split[ds]
                results.append({
                    "task": {"type": task, "name": get_task(task).title},
                    "dataset": dataset,
                    "metrics": [{"type": _slug(metric), "name": metric, "value": value}],
                })
    return [{"name": name, "results": results}]


def _front_matter(name: str, cfg: Any, w: Weights) -> str:
    import yaml

    meta: dict[str, Any] = {"library_name": "fusionzoo"}
    meta.update(_license_fields(w.license))
    meta["datasets"] = _dataset_names(w)
    tags = ["fusionzoo", "remote-sensing", _slug(cfg.task), _slug(w.sensor)]
    meta["tags"] = list(dict.fromkeys(tags))
    meta["model-index"] = _model_index(name, cfg.task, w)
    text = yaml.safe_dump(_jsonable(meta), sort_keys=False, allow_unicode=True, default_flow_style=False,
                          width=1000)
    return f"---\n{text}---\n"


def _strip_front_matter(text: str) -> str:
    """A hand-written card without its own YAML block (the generated one replaces it)."""
    m = re.match(r"---\r?\n.*?\r?\n---[ \t]*(\r?\n|$)", text, flags=re.S)
    return text[m.end():] if m else text


def _intro(arch: str, cfg: Any) -> str:
    """The hand-written card of the architecture, or its summary and paper when there is none."""
    if cfg.card:
        p = MODEL_CARDS_DIR / cfg.card
        if p.is_file():
            return _strip_front_matter(p.read_text(encoding="utf-8")).strip() + "\n"
    lines = [f"# {arch}", "", cfg.summary, "", f"**Paper:** {cfg.paper}" + (f" ({cfg.url})" if cfg.url else "")]
    return "\n".join(lines) + "\n"


def _data_list(entries: Iterable[Mapping[str, str]]) -> list[str]:
    out = []
    for e in entries:
        extra = ", ".join(f"{k}: {v}" for k, v in e.items() if k not in ("name", "terms", "url"))
        line = f"- **{e.get('name', '?')}**"
        if e.get("url"):
            line += f" ({e['url']})"
        line += f" -- terms: {e.get('terms', 'unknown')}"
        if extra:
            line += f"; {extra}"
        out.append(line)
    return out or ["- (none)"]


def _metrics_table(name: str, w: Weights) -> list[str]:
    methods = list(w.baselines)
    head = ["Dataset", "Protocol", "Metric", f"**{name}**", *methods]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 3 + "---:|" * (1 + len(methods))]
    for ds, protocols in w.metrics.items():
        for protocol, metrics in protocols.items():
            for metric, value in metrics.items():
                row = [_cell(ds), _cell(protocol), _cell(metric), f"**{_num(value)}**"]
                for m in methods:
                    b = w.baselines[m].get(ds, {}).get(protocol, {}).get(metric)
                    row.append("-" if b is None else _num(b))
                lines.append("| " + " | ".join(row) + " |")
    return lines


def _usage(name: str, arch: str, cfg: Any, w: Weights) -> list[str]:
    tag = w.tag
    lines = ["## Usage", "", "```python", "import torch", "import fusionzoo", "",
             f'model = fusionzoo.create_model("{name}", pretrained=True).eval()']
    lines += get_task(cfg.task).usage_lines(name, w)
    lines += [
        "```",
        "",
        "With torch.hub (no installation):",
        "",
        "```python",
        "import torch",
        "",
        f'model = torch.hub.load("{TORCH_HUB_REPO}", "{arch}", pretrained=True, tag="{tag}")',
        "```",
        "",
        f"The file is downloaded from `{w.hf_repo}` at the pinned revision `{w.hf_revision}` and its sha256 is "
        "checked before a strict load. To work offline, fill the Hugging Face cache beforehand with "
        f"`hf download {w.hf_repo} {w.file_name} --revision {w.hf_revision}` and set `HF_HUB_OFFLINE=1`, "
        f"or pass `checkpoint=` a folder holding `{w.file_name}`.",
    ]
    return lines


def card_text(name: str) -> str:
    """The Hub model card (``README.md``) of ``arch.tag``."""
    arch, cfg, w = _resolve(name)
    full = f"{arch}.{w.tag}"
    body: list[str] = [_intro(arch, cfg), f"## Weights `{full}`", ""]
    if w.description:
        body += [w.description.strip(), ""]
    kwargs = ", ".join(f"{k}={v!r}" for k, v in w.model_kwargs.items()) or "(defaults)"
    rows = [
        ("Hub repository", f"`{w.hf_repo}`, revision `{w.hf_revision}`"),
        ("Architecture", f"{cfg.summary}"),
        ("Paper", cfg.paper + (f" ({cfg.url})" if cfg.url else "")),
        ("Task", f"{cfg.task} (inputs: {', '.join(cfg.inputs)})"),
        *get_task(cfg.task).hub_rows(w),
        ("Scaling", w.scaling),
        ("Normalisation", w.normalization),
        ("Parameters", f"{w.num_params:,}"),
        ("Licence (weights)", w.license),
        ("Training recipe", f"`{w.recipe}`"),
        ("File", f"`{w.file_name}`"),
        ("sha256", f"`{w.sha256}`"),
        ("Constructor arguments", f"`{kwargs}`"),
    ]
    body += ["| | |", "|---|---|"] + [f"| {k} | {_cell(v)} |" for k, v in rows] + [""]
    body += ["### Input bands", "", "| # | Band | Centre wavelength (nm) |", "|---:|---|---:|"]
    for i, b in enumerate(w.bands):
        wl = _wl(w.wavelengths[i]) if w.wavelengths else "-"
        body.append(f"| {i} | {_cell(b)} | {wl} |")
    body += ["", "### Training data", "", *_data_list(w.train_data), ""]
    body += ["### Evaluation data", "", *_data_list(w.eval_data), ""]
    body += ["### Metrics", ""]
    if w.baselines:
        body += [f"Side by side with the reference methods measured on the same data ({', '.join(w.baselines)}).", ""]
    body += [*_metrics_table(full, w), ""]
    body += _usage(full, arch, cfg, w)
    return _front_matter(full, cfg, w) + "\n" + "\n".join(body).rstrip() + "\n"


# --- the folder -------------------------------------------------------------------------------------------
def _check_loadable(name: str, w: Weights, path: Path) -> None:
    """The record is valid and the file loads strictly into the model built from ``w.model_kwargs``."""
    from .registry import create_model

    model = create_model(name)
    problems = validate_weights_metadata(w, model, task=get_arch(name).cfg.task)
    if problems:
        raise WeightsError(f"the record of {name} is not valid, fix it before publishing: " + "; ".join(problems))
    sd = load_state_dict(path)
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise WeightsError(f"{path} does not load strictly into {name} built with {dict(w.model_kwargs)}: {e}") from e


def write_hub_folder(name: str, out_dir: str | os.PathLike, weights_file: str | os.PathLike | None = None,
                     check: bool = True) -> Path:
    """Write ``<out_dir>/<org>/<arch>.<tag>/`` with ``model.safetensors``, ``config.json`` and ``README.md``.

    The weights come from ``weights_file`` or from where fusionzoo finds them without the network
    (``resolve_weights_file(w, source="local")``).  Their sha256 must be the record's (a
    :class:`~fusionzoo.weights.ChecksumError` otherwise); with ``check`` the record is validated and the file
    must load strictly into the model.  The folder is assembled in a temporary folder beside it and renamed
    into place, so it is never half-written; an existing folder is replaced.  Returns the folder.
    """
    arch, _, w = _resolve(name)
    full = f"{arch}.{w.tag}"
    final = Path(out_dir) / w.hf_repo
    src = Path(weights_file) if weights_file is not None else resolve_weights_file(w, source="local")
    if not src.is_file():
        raise FileNotFoundError(f"weights file {src} of {full} does not exist")
    got = sha256sum(src)
    if got != w.sha256:
        raise ChecksumError(
            f"refusing to write {final}: {src} has sha256 {got}, but the record of {full} expects {w.sha256}. "
            f"Pass the file the record describes, or update Weights.sha256 of {full} in "
            f"{get_arch(name).module} if these are new weights")
    if check:
        _check_loadable(full, w, src)
    config = config_json(full)
    card = card_text(full)

    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    old: Path | None = None
    try:
        os.chmod(tmp, 0o755)
        shutil.copyfile(src, tmp / w.file_name)
        copied = sha256sum(tmp / w.file_name)
        if copied != w.sha256:
            raise ChecksumError(f"copy of {src} has sha256 {copied}, expected {w.sha256}; was it modified meanwhile?")
        (tmp / CONFIG_FILE).write_text(config, encoding="utf-8")
        (tmp / CARD_FILE).write_text(card, encoding="utf-8")
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
            os.rmdir(old)
            os.rename(final, old)
        os.rename(tmp, final)
    except BaseException:
        if old is not None and old.exists() and not final.exists():
            os.rename(old, final)  # put the previous folder back
            old = None
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    log.info("wrote %s (%s)", final, full)
    return final


# --- publishing -------------------------------------------------------------------------------------------
def push_to_hub(name: str, org: str | None = None, token: str | None = None, private: bool = False) -> str:
    """Publish ``arch.tag`` as ``<org>/<arch>.<tag>`` and tag the commit with ``Weights.hf_revision``.

    Creates the repository if needed, uploads the folder :func:`write_hub_folder` writes (from the locally
    resolvable file) and creates the tag.  A pinned revision is immutable: if the tag already exists and its
    file has another sha256 the upload is refused (bump ``hf_revision``); if it holds the same file the
    upload only refreshes ``main`` (e.g. the card) and the tag is left alone.  Returns the commit url.
    """
    from huggingface_hub import HfApi

    arch, _, w = _resolve(name)
    full = f"{arch}.{w.tag}"
    repo_id = f"{org}/{full}" if org else w.hf_repo
    api = HfApi(token=token)
    with tempfile.TemporaryDirectory(prefix="fusionzoo-push-") as tmp:
        folder = write_hub_folder(full, tmp)
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        tags = {t.name: t.target_commit for t in api.list_repo_refs(repo_id, repo_type="model").tags}
        if w.hf_revision in tags:
            info = api.get_paths_info(repo_id, [w.file_name], revision=w.hf_revision, repo_type="model")
            remote = info[0].lfs.sha256 if info and getattr(info[0], "lfs", None) else None
            if remote != w.sha256:
                raise WeightsError(
                    f"{repo_id} already has the tag {w.hf_revision} with {w.file_name} of sha256 {remote}, not "
                    f"{w.sha256}; pinned revisions are immutable: give these weights a new hf_revision")
        commit = api.upload_folder(repo_id=repo_id, repo_type="model", folder_path=str(folder),
                                   commit_message=f"Publish {full} ({w.hf_revision}, sha256 {w.sha256[:12]})")
        if w.hf_revision not in tags:
            api.create_tag(repo_id, tag=w.hf_revision, revision=commit.oid, repo_type="model",
                           tag_message=f"fusionzoo {full}, {w.file_name} sha256 {w.sha256}")
    log.info("published %s as %s@%s: %s", full, repo_id, w.hf_revision, commit.commit_url)
    return commit.commit_url


def sync_published(names: Iterable[str] | None = None, published_dir: str | os.PathLike = PUBLISHED_DIR,
                   check: bool = True) -> list[Path]:
    """Regenerate ``config.json`` and ``README.md`` of every bundled folder from the registry.

    ``names`` defaults to every registered ``arch.tag``; a tag whose ``model.safetensors`` is not bundled is
    skipped with a warning.  Each folder is rewritten atomically by :func:`write_hub_folder` (so its sha256
    is checked again).  Returns the folders written.
    """
    published_dir = Path(published_dir)
    every = names is None
    names = list(list_models(pretrained=True) if names is None else names)
    written, known = [], set()
    for name in names:
        w = get_weights(name)
        known.add(w.hf_repo)
        f = published_dir / w.hf_repo / w.file_name
        if not f.is_file():
            log.warning("%s: no bundled %s, skipped", name, f)
            continue
        written.append(write_hub_folder(name, published_dir, weights_file=f, check=check))
    if every and published_dir.is_dir():
        for d in sorted(published_dir.glob("*/*")):
            rel = f"{d.parent.name}/{d.name}"
            if d.is_dir() and not d.name.startswith(".") and rel not in known and split_name(d.name)[1]:
                log.warning("%s is bundled but not a registered set of weights", d)
    return written


# --- command line -----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m fusionzoo.hub",
                                description="Write, sync and publish fusionzoo weights as Hub repositories.")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("card", help="print the model card").add_argument("name")
    sub.add_parser("config", help="print config.json").add_argument("name")
    wr = sub.add_parser("write", help="write the Hub folder")
    wr.add_argument("name")
    wr.add_argument("out_dir")
    wr.add_argument("--weights-file")
    sy = sub.add_parser("sync", help="regenerate the bundled folders")
    sy.add_argument("names", nargs="*")
    pu = sub.add_parser("push", help="publish on the Hub and create the revision tag")
    pu.add_argument("name")
    pu.add_argument("--org")
    pu.add_argument("--private", action="store_true")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if a.cmd == "card":
        print(card_text(a.name), end="")
    elif a.cmd == "config":
        print(config_json(a.name), end="")
    elif a.cmd == "write":
        print(write_hub_folder(a.name, a.out_dir, a.weights_file))
    elif a.cmd == "sync":
        for f in sync_published(a.names or None):
            print(f)
    elif a.cmd == "push":
        print(push_to_hub(a.name, org=a.org, private=a.private))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
