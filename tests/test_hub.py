"""Hub folders (model.safetensors + config.json + README.md) and downloads through the Hugging Face client.

The download tests run the installed ``huggingface_hub`` against a local stand-in of the Hub
(:class:`FakeHub`): ``HEAD``/``GET {endpoint}/{repo_id}/resolve/{revision}/{filename}`` answered with the
headers the client reads (``X-Repo-Commit``, ``ETag``/``X-Linked-Etag``, ``Content-Length``/``X-Linked-Size``),
LFS files redirected to a "CDN" on another origin, and the Hub's error codes for other revisions, files and
repositories.  Until the real weights are published they run on a test-only architecture
(``tests/helpers/toy_family.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import yaml

import fusionzoo
from fusionzoo import hub
from fusionzoo.registry import create_model, get_weights, split_name
from fusionzoo.weights import ChecksumError, WeightsError, resolve_weights_file, sha256sum
from tests.helpers import ROOT
from tests.helpers import toy_family as toy

COMMIT = "0123456789abcdef0123456789abcdef01234567"
REAL_TAGS = [n for n in fusionzoo.list_models(pretrained=True) if split_name(n)[0] != toy.ARCH]
_NO_REAL = [pytest.param(None, marks=pytest.mark.skip(reason="no registered pretrained weights yet"))]


# --- fixtures ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def registered():
    toy.register()
    yield toy.weights()
    toy.unregister()


@pytest.fixture
def toy_weights(registered, tmp_path, monkeypatch):
    """The toy record, its file resolvable locally through FUSIONZOO_WEIGHTS_DIR."""
    base = tmp_path / "weights_dir"
    toy.write_weights(base)
    monkeypatch.setenv("FUSIONZOO_WEIGHTS_DIR", str(base))
    return registered


def _front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end])


def _metrics_from_model_index(meta: dict) -> dict:
    got: dict = {}
    (entry,) = meta["model-index"]
    for r in entry["results"]:
        (m,) = r["metrics"]
        got.setdefault(r["dataset"]["name"], {}).setdefault(r["dataset"]["config"], {})[m["name"]] = m["value"]
    return got


def _canon(x):
    return json.loads(json.dumps(x))


def _check_folder(name: str, folder: Path) -> None:
    """The three files, config.json == the record, README's YAML == the record's metrics."""
    w = get_weights(name)
    arch, _ = split_name(name)
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", w.file_name]
    assert sha256sum(folder / w.file_name) == w.sha256

    text = (folder / "config.json").read_text()
    cfg = json.loads(text)
    assert text == json.dumps(cfg, indent=2, sort_keys=True, ensure_ascii=False) + "\n"  # deterministic layout
    assert cfg["architecture"] == arch and cfg["tag"] == w.tag
    assert cfg["task"] == fusionzoo.get_arch(name).cfg.task
    assert cfg["fusionzoo_version"] == fusionzoo.__version__
    assert cfg["weights"] == _canon(w.to_dict())
    assert cfg["model_kwargs"] == _canon(dict(w.model_kwargs))
    back = hub.weights_from_config(cfg)
    assert _canon(back.to_dict()) == _canon(w.to_dict())
    assert (back.bands, back.wavelengths, back.sha256, back.hf_revision) == (w.bands, w.wavelengths, w.sha256,
                                                                             w.hf_revision)

    card = (folder / "README.md").read_text()
    meta = _front_matter(card)
    assert meta["library_name"] == "fusionzoo"
    assert "pipeline_tag" not in meta
    assert {"fusionzoo", "remote-sensing"} <= set(meta["tags"])
    assert _metrics_from_model_index(meta) == _canon(w.metrics)
    n_results = sum(len(m) for p in w.metrics.values() for m in p.values())
    assert len(meta["model-index"][0]["results"]) == n_results
    assert w.sha256 in card and f'create_model("{arch}.{w.tag}", pretrained=True)' in card


# --- writing folders --------------------------------------------------------------------------------------
def test_write_hub_folder_toy(toy_weights, tmp_path):
    w = toy_weights
    folder = hub.write_hub_folder(toy.NAME, tmp_path / "out")
    assert folder == tmp_path / "out" / "fusionzoo" / toy.NAME
    _check_folder(toy.NAME, folder)
    # the round trip gives the very record back (tuples included)
    assert hub.weights_from_config(json.loads((folder / "config.json").read_text())) == w

    meta = _front_matter((folder / "README.md").read_text())
    assert meta["license"] == "mit"
    assert meta["datasets"] == ["Toy-QB"]
    assert meta["tags"] == ["fusionzoo", "remote-sensing", "pansharpening", "qb"]
    # the Hub's own parser reads the model-index: one result per (dataset, protocol, metric)
    from huggingface_hub import ModelCard

    results = ModelCard((folder / "README.md").read_text()).data.eval_results
    assert [(r.dataset_name, r.dataset_config, r.metric_name, r.metric_value) for r in results] == [
        ("Toy-QB", p, m, v) for p, ms in toy.METRICS["Toy-QB"].items() for m, v in ms.items()]
    assert {r.task_type for r in results} == {"pansharpening"}


def test_card_body(toy_weights, tmp_path, monkeypatch):
    card = hub.card_text(toy.NAME)
    body = card[card.index("\n---\n", 4) + 5:]
    # no hand-written card: the summary and the paper stand in
    assert body.lstrip().startswith("# toypan") and "nearest upsampling" in body
    for s in ("QB (QuickBird)", "| 0 | blue | 485 |", "| 3 | nir | 830 |", "DN / (2**11 - 1)", "Toy-QB",
              "CC0-1.0", "tests/helpers/toy_family.py", toy.SHA256, f"{toy.NUM_PARAMS:,}", "torch.hub.load(",
              "revision `v0.1.0`"):
        assert s in body, s
    # metrics side by side with the baseline
    assert "| Dataset | Protocol | Metric | **toypan.synth** | exp |" in body
    assert "| Toy-QB | reduced_resolution | Q4 | **0.8123** | 0.6501 |" in body

    cards = tmp_path / "model_cards"
    cards.mkdir()
    (cards / "toypan.md").write_text("---\nlicense: apache-2.0\n---\n# ToyPan\n\nHand-written words.\n")
    monkeypatch.setattr(hub, "MODEL_CARDS_DIR", cards)
    card = hub.card_text(toy.NAME)
    assert card.count("\n---\n") == 1 and _front_matter(card)["license"] == "mit"  # its own YAML is dropped
    body = card[card.index("\n---\n", 4) + 5:]
    assert body.lstrip().startswith("# ToyPan\n\nHand-written words.")
    assert body.index("Hand-written") < body.index("## Weights `toypan.synth`") < body.index("## Usage")


def test_write_refuses_wrong_sha256_and_keeps_old_folder(toy_weights, tmp_path):
    out = tmp_path / "out"
    folder = hub.write_hub_folder(toy.NAME, out)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    bad = tmp_path / "bad.safetensors"
    data = bytearray(toy.WEIGHTS_BYTES)
    data[-1] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(ChecksumError) as e:
        hub.write_hub_folder(toy.NAME, out, weights_file=bad)
    msg = str(e.value)
    assert str(bad) in msg and toy.SHA256 in msg and sha256sum(bad) in msg and "refusing" in msg
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in folder.parent.iterdir()] == [toy.NAME]  # no temporary folders left

    with pytest.raises(ChecksumError):
        hub.write_hub_folder(toy.NAME, tmp_path / "fresh", weights_file=bad)
    assert not (tmp_path / "fresh" / "fusionzoo" / toy.NAME).exists()


def test_write_is_atomic(toy_weights, tmp_path, monkeypatch):
    out = tmp_path / "out"
    folder = hub.write_hub_folder(toy.NAME, out)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken_write_text(self, *a, **k):  # a crash half-way through the new folder
        raise OSError("disk full")

    with monkeypatch.context() as m, pytest.raises(OSError, match="disk full"):
        m.setattr(Path, "write_text", broken_write_text)
        hub.write_hub_folder(toy.NAME, out)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in folder.parent.iterdir()] == [toy.NAME]


def test_sync_published(toy_weights, tmp_path, monkeypatch):
    pub = tmp_path / "published"
    toy.write_weights(pub)  # only the safetensors, as training leaves it
    assert hub.sync_published([toy.NAME], published_dir=pub) == [pub / "fusionzoo" / toy.NAME]
    _check_folder(toy.NAME, pub / "fusionzoo" / toy.NAME)
    first = {p.name: p.read_bytes() for p in (pub / "fusionzoo" / toy.NAME).iterdir()}
    hub.sync_published([toy.NAME], published_dir=pub)
    assert {p.name: p.read_bytes() for p in (pub / "fusionzoo" / toy.NAME).iterdir()} == first  # idempotent
    # the folder is one that fusionzoo loads from
    monkeypatch.setenv("FUSIONZOO_WEIGHTS_DIR", str(pub))
    assert resolve_weights_file(toy_weights, source="local") == pub / "fusionzoo" / toy.NAME / "model.safetensors"
    create_model(toy.NAME, pretrained=True, source="local")


@pytest.mark.parametrize("name", REAL_TAGS or _NO_REAL)
def test_write_hub_folder_real(name, tmp_path):
    w = get_weights(name)
    try:
        resolve_weights_file(w, source="local")
    except (WeightsError, FileNotFoundError) as e:
        pytest.skip(f"{name}: weights not available locally ({e})")
    _check_folder(name, hub.write_hub_folder(name, tmp_path))


@pytest.mark.parametrize("name", REAL_TAGS or _NO_REAL)
def test_bundled_folder_in_sync(name):
    """The folder shipped in the package is what the registry generates (else: python -m fusionzoo.hub sync)."""
    w = get_weights(name)
    folder = hub.PUBLISHED_DIR / w.hf_repo
    if not (folder / w.file_name).is_file():
        pytest.skip(f"{name} is not bundled")
    hint = "the bundled folder is stale: run `python -m fusionzoo.hub sync`"
    assert sha256sum(folder / w.file_name) == w.sha256, "bundled file differs from the record's sha256"
    assert (folder / "config.json").read_text() == hub.config_json(name), hint
    if hub.MODEL_CARDS_DIR.is_dir():  # the cards are generated from a source checkout
        assert (folder / "README.md").read_text() == hub.card_text(name), hint


def test_command_line(toy_weights, tmp_path, capsys):
    assert hub.main(["card", toy.NAME]) == 0
    assert capsys.readouterr().out == hub.card_text(toy.NAME)
    assert hub.main(["config", toy.NAME]) == 0
    assert json.loads(capsys.readouterr().out) == hub.config_dict(toy.NAME)
    assert hub.main(["write", toy.NAME, str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "fusionzoo" / toy.NAME)


# --- push (HfApi mocked) ----------------------------------------------------------------------------------
class FakeApi:
    def __init__(self, tags=None, remote_sha=None):
        self.tags, self.remote_sha, self.calls, self.uploaded = dict(tags or {}), remote_sha, [], {}

    def __call__(self, token=None):
        self.calls.append(("init", token))
        return self

    def create_repo(self, repo_id, **kw):
        self.calls.append(("create_repo", repo_id, kw.get("private"), kw.get("exist_ok")))

    def list_repo_refs(self, repo_id, **kw):
        return SimpleNamespace(tags=[SimpleNamespace(name=t, target_commit=c) for t, c in self.tags.items()])

    def get_paths_info(self, repo_id, paths, revision=None, **kw):
        return [SimpleNamespace(path=paths[0], lfs=SimpleNamespace(sha256=self.remote_sha))]

    def upload_folder(self, *, repo_id, folder_path, **kw):
        self.calls.append(("upload_folder", repo_id))
        self.uploaded = {p.name: p.read_bytes() for p in Path(folder_path).iterdir()}
        return SimpleNamespace(oid="f" * 40, commit_url=f"https://huggingface.co/{repo_id}/commit/{'f' * 40}")

    def create_tag(self, repo_id, *, tag, revision=None, **kw):
        self.calls.append(("create_tag", repo_id, tag, revision))


def test_push_to_hub(toy_weights, monkeypatch):
    import huggingface_hub

    api = FakeApi()
    monkeypatch.setattr(huggingface_hub, "HfApi", api)
    url = hub.push_to_hub(toy.NAME, org="someorg", token="hf_x", private=True)
    repo = f"someorg/{toy.NAME}"
    assert url == f"https://huggingface.co/{repo}/commit/{'f' * 40}"
    assert api.calls == [("init", "hf_x"), ("create_repo", repo, True, True), ("upload_folder", repo),
                         ("create_tag", repo, "v0.1.0", "f" * 40)]
    assert sorted(api.uploaded) == ["README.md", "config.json", "model.safetensors"]
    assert hashlib.sha256(api.uploaded["model.safetensors"]).hexdigest() == toy.SHA256

    # the tag exists with the same file: main is refreshed, the tag is not moved
    api = FakeApi(tags={"v0.1.0": "a" * 40}, remote_sha=toy.SHA256)
    monkeypatch.setattr(huggingface_hub, "HfApi", api)
    hub.push_to_hub(toy.NAME)
    assert [c[0] for c in api.calls] == ["init", "create_repo", "upload_folder"]
    assert api.calls[1][1] == f"fusionzoo/{toy.NAME}"

    # the tag exists with another file: refused before anything is uploaded
    api = FakeApi(tags={"v0.1.0": "a" * 40}, remote_sha="0" * 64)
    monkeypatch.setattr(huggingface_hub, "HfApi", api)
    with pytest.raises(WeightsError, match="immutable"):
        hub.push_to_hub(toy.NAME)
    assert "upload_folder" not in [c[0] for c in api.calls]


# --- a local Hub ------------------------------------------------------------------------------------------
class FakeHub:
    """Serves published folders in the Hub's URL layout on 127.0.0.1.

    ``{hub}/{org}/{name}/resolve/{revision}/{file}`` for the pinned tag revision (and the commit itself);
    small files answer ``200`` with their git blob sha1 as ``ETag``; ``*.safetensors`` (LFS on the Hub)
    answer ``302`` to ``{cdn}/{org}/{name}/{sha256}`` with ``X-Linked-Etag`` (the sha256) and
    ``X-Linked-Size``, the CDN being a second server (another origin, as cdn-lfs.hf.co is).
    """

    def __init__(self) -> None:
        self.repos: dict[str, tuple[str, dict[str, bytes]]] = {}
        self.requests: list[tuple[str, str, str]] = []
        self.corrupt: set[str] = set()
        self._servers = [ThreadingHTTPServer(("127.0.0.1", 0), self._handler(role)) for role in ("hub", "cdn")]
        self.endpoint, self.cdn = (f"http://127.0.0.1:{s.server_address[1]}" for s in self._servers)
        for s in self._servers:
            threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def add_folder(self, folder: Path, repo_id: str, revision: str) -> None:
        self.repos[repo_id] = (revision, {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()})

    def count(self, method: str, role: str, suffix: str = "") -> int:
        return sum(1 for r, m, p in self.requests if m == method and r == role and p.endswith(suffix))

    def close(self) -> None:
        for s in self._servers:
            s.shutdown()
            s.server_close()

    def _body(self, name: str, data: bytes) -> bytes:
        if name in self.corrupt:
            data = bytearray(data)
            data[len(data) // 2] ^= 0xFF
            data = bytes(data)
        return data

    def _handler(self, role: str):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, code: int, headers: dict[str, str], body: bytes = b"") -> None:
                self.send_response(code)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command == "GET":
                    self.wfile.write(body)

            def _error(self, code: int, error_code: str, extra: dict[str, str] | None = None) -> None:
                self._send(code, {"X-Error-Code": error_code, "X-Error-Message": error_code, **(extra or {})},
                           json.dumps({"error": error_code}).encode())

            def do_HEAD(self):
                self._serve()

            def do_GET(self):
                self._serve()

            def _serve(self) -> None:
                fake.requests.append((role, self.command, self.path))
                parts = self.path.split("?")[0].split("/")
                if role == "cdn":  # /{org}/{name}/{sha256}
                    repo_id, sha = "/".join(parts[1:3]), parts[-1]
                    for fname, data in fake.repos.get(repo_id, ("", {}))[1].items():
                        if hashlib.sha256(data).hexdigest() == sha:
                            return self._send(200, {"ETag": f'"{sha}"', "Content-Type": "application/octet-stream"},
                                              fake._body(fname, data))
                    return self._send(404, {})
                if len(parts) < 6 or parts[3] != "resolve":
                    return self._error(404, "RepoNotFound")
                repo_id, revision, fname = "/".join(parts[1:3]), parts[4], "/".join(parts[5:])
                if repo_id not in fake.repos:
                    return self._error(401, "RepoNotFound")
                tag, files = fake.repos[repo_id]
                if revision not in (tag, COMMIT):
                    return self._error(404, "RevisionNotFound")
                if fname not in files:
                    return self._error(404, "EntryNotFound", {"X-Repo-Commit": COMMIT})
                data = files[fname]
                git_sha1 = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                if fname.endswith(".safetensors"):
                    sha = hashlib.sha256(data).hexdigest()
                    return self._send(302, {"Location": f"{fake.cdn}/{repo_id}/{sha}", "X-Repo-Commit": COMMIT,
                                            "ETag": f'"{git_sha1}"', "X-Linked-Etag": f'"{sha}"',
                                            "X-Linked-Size": str(len(data))})
                return self._send(200, {"X-Repo-Commit": COMMIT, "ETag": f'"{git_sha1}"',
                                        "Content-Type": "text/plain; charset=utf-8"}, fake._body(fname, data))

        return Handler


@pytest.fixture
def fake_hub(toy_weights, tmp_path, monkeypatch):
    """A local Hub serving the published toy folder; huggingface_hub pointed at it with an empty cache.

    huggingface_hub reads HF_ENDPOINT, HF_HUB_CACHE and HF_HUB_OFFLINE into ``huggingface_hub.constants`` at
    import; the client looks ``ENDPOINT``, ``HUGGINGFACE_CO_URL_TEMPLATE`` (the /resolve/ url),
    ``HF_HUB_CACHE`` and ``HF_HUB_OFFLINE`` (``is_offline_mode``) up there at call time, so those are set.
    """
    from huggingface_hub import constants

    w = toy_weights
    folder = hub.write_hub_folder(toy.NAME, tmp_path / "to_publish")
    server = FakeHub()
    server.add_folder(folder, w.hf_repo, w.hf_revision)
    cache = tmp_path / "hf_home" / "hub"
    monkeypatch.setattr(constants, "ENDPOINT", server.endpoint)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                        server.endpoint + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("FUSIONZOO_WEIGHTS_DIR")  # nothing local: "auto" has to go to the Hub too
    server.cache = cache
    server.folder = folder
    yield server
    server.close()


def _cache_snapshot(cache: Path, w) -> Path:
    return cache / f"models--{w.hf_repo.replace('/', '--')}" / "snapshots" / COMMIT / w.file_name


def test_hub_download_pinned_revision_and_strict_load(fake_hub, toy_weights):
    w = toy_weights
    path = resolve_weights_file(w, source="hub")
    assert path == _cache_snapshot(fake_hub.cache, w)
    assert sha256sum(path) == w.sha256
    refs = fake_hub.cache / f"models--{w.hf_repo.replace('/', '--')}" / "refs" / w.hf_revision
    assert refs.read_text() == COMMIT  # the tag resolved to its commit
    assert ("hub", "HEAD", f"/{w.hf_repo}/resolve/{w.hf_revision}/model.safetensors") in fake_hub.requests
    assert fake_hub.count("GET", "cdn", w.sha256) == 1

    model = create_model(toy.NAME, pretrained=True, source="hub")
    ref = toy.toy_state_dict()
    assert all(torch.equal(v, ref[k]) for k, v in model.state_dict().items())
    out = model(torch.rand(1, 4, 8, 8), torch.rand(1, 1, 32, 32))
    assert out.shape == (1, 4, 32, 32)
    # "auto" finds nothing local and downloads as well; the small files come through the same route
    assert resolve_weights_file(w) == path
    from fusionzoo.weights import hub_download

    assert json.loads(hub_download(w, "config.json").read_text())["weights"]["sha256"] == w.sha256


def test_hub_cache_reuse(fake_hub, toy_weights):
    w = toy_weights
    create_model(toy.NAME, pretrained=True, source="hub")
    assert fake_hub.count("GET", "cdn") == 1
    create_model(toy.NAME, pretrained=True, source="hub")
    resolve_weights_file(w, source="hub")
    assert fake_hub.count("GET", "cdn") == 1  # never fetched again
    assert fake_hub.count("GET", "hub") == 0
    assert fake_hub.count("HEAD", "hub", "model.safetensors") == 3  # only the metadata is checked


def test_hub_only_the_pinned_revision_exists(fake_hub, toy_weights):
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import RevisionNotFoundError

    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(toy_weights.hf_repo, "model.safetensors", revision="main")


def test_hub_offline(fake_hub, toy_weights, monkeypatch):
    from huggingface_hub import constants

    w = toy_weights
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    # (c1) empty cache: fusionzoo's error says what to download and where
    with pytest.raises(WeightsError) as e:
        create_model(toy.NAME, pretrained=True, source="hub")
    msg = str(e.value)
    for s in (w.hf_repo, w.file_name, w.hf_revision, "FUSIONZOO_WEIGHTS_DIR", "checkpoint=", "cache"):
        assert s in msg, s
    assert fake_hub.requests == []

    # (c2) once cached, offline loads from the cache without a single request
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    create_model(toy.NAME, pretrained=True, source="hub")
    n = len(fake_hub.requests)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    model = create_model(toy.NAME, pretrained=True, source="hub")
    assert resolve_weights_file(w, source="hub") == _cache_snapshot(fake_hub.cache, w)
    assert len(fake_hub.requests) == n
    assert torch.equal(model.conv.weight, toy.toy_state_dict()["conv.weight"])


def test_hub_corrupted_download(fake_hub, toy_weights):
    w = toy_weights
    fake_hub.corrupt.add("model.safetensors")  # same size, claimed sha256 unchanged
    with pytest.raises(ChecksumError) as e:
        create_model(toy.NAME, pretrained=True, source="hub")
    path = _cache_snapshot(fake_hub.cache, w)
    msg = str(e.value)
    assert str(path) in msg and w.file_name in msg
    assert f"expected sha256 {w.sha256}" in msg and f"got {sha256sum(path)}" in msg
    assert sha256sum(path) != w.sha256


def test_hub_corrupted_cache(fake_hub, toy_weights):
    w = toy_weights
    path = resolve_weights_file(w, source="hub")
    blob = path.resolve()
    assert blob != path and blob.parent.name == "blobs"  # the snapshot links to the blob
    data = bytearray(blob.read_bytes())
    data[10] ^= 0x01
    blob.write_bytes(bytes(data))
    with pytest.raises(ChecksumError) as e:
        create_model(toy.NAME, pretrained=True, source="hub")
    msg = str(e.value)
    assert w.file_name in msg and w.sha256 in msg and hashlib.sha256(bytes(data)).hexdigest() in msg
    assert fake_hub.count("GET", "cdn") == 1  # the cache was trusted, the check caught it


_SUBPROCESS = """
import sys
sys.path.insert(0, {root!r})
from tests.helpers import toy_family as toy
from fusionzoo import create_model
from fusionzoo.weights import resolve_weights_file
toy.register()
m = create_model(toy.NAME, pretrained=True)
print(resolve_weights_file(toy.weights()))
"""


def test_hub_environment_variables(fake_hub, toy_weights, tmp_path):
    """The documented route in a fresh process: HF_ENDPOINT, HF_HOME and HF_HUB_OFFLINE as set by a user."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_", "FUSIONZOO_"))}
    env.update(HF_ENDPOINT=fake_hub.endpoint, HF_HOME=str(tmp_path / "home"), HF_HUB_DISABLE_TELEMETRY="1")
    code = _SUBPROCESS.format(root=str(ROOT))
    expected = _cache_snapshot(tmp_path / "home" / "hub", toy_weights)
    for offline in ("0", "1"):
        r = subprocess.run([sys.executable, "-c", code], env={**env, "HF_HUB_OFFLINE": offline},
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert Path(r.stdout.strip().splitlines()[-1]) == expected
        assert fake_hub.count("GET", "cdn") == 1  # downloaded online, read from the cache offline
