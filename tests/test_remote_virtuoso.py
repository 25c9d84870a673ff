"""The remote backend against a real SPARQL 1.1 server: Virtuoso Open Source (Debian ``virtuoso-opensource``).

Virtuoso is started here in a temporary directory on 127.0.0.1 (free ports) and loaded with the sample
graph; ``.ci/run`` installs it. Without the binary the tests skip with the reason. The same protocol tests
as for the embedded store run against it through ``keifu serve --endpoint`` (see test_api_protocol.py).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SAMPLES
from test_api_fixtures import free_port, sample_store, sample_store_path, stop, wait_ready  # noqa: F401 - fixtures

from keifu.cli import main
from keifu.graph.remote import RemoteConfig, RemoteStore, mirror, push_changes
from keifu.graph.shared import SHARED_GRAPH
from keifu.graph.store import Store

VIRTUOSO = shutil.which("virtuoso-t")
SKIP = pytest.mark.skipif(VIRTUOSO is None, reason="virtuoso-t not installed (CI installs Debian "
                          "virtuoso-opensource in .ci/run; locally: apt-get install virtuoso-opensource)")
USER, PASSWORD = "dba", "dba"  # a fresh Virtuoso database's administrator


_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ServerThreads = 10
DirsAllowed = ., {d}

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
MaxClientConnections = 8
ServerThreads = 8

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 5
MaxQueryCostEstimationTime = 0
"""



@contextmanager
def virtuoso(tmp: Path) -> Iterator[RemoteConfig]:
    """A Virtuoso server in ``tmp`` on free loopback ports; killed (and its files left to tmp) afterwards."""
    assert VIRTUOSO
    http = free_port()
    (tmp / "virtuoso.ini").write_text(_INI.format(d=tmp, sql=free_port(), http=http), encoding="utf-8")
    log = open(tmp / "stdout.log", "wb")
    proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(tmp / "virtuoso.ini")], cwd=tmp,
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http}"
    try:
        wait_ready(proc, f"{base}/sparql", 60, lambda: (tmp / "stdout.log").read_text(errors="replace"))
        yield RemoteConfig(f"{base}/sparql", update_url=f"{base}/sparql-auth",
                           graph_store_url=f"{base}/sparql-graph-crud-auth", user=USER, password=PASSWORD,
                           auth_scheme="digest")
    finally:
        stop(proc)
        log.close()


def load(remote: RemoteStore, store: Store) -> int:
    """Copy every graph of ``store`` into the remote server; returns the triples sent."""
    n = 0
    for g in store.graphs():
        triples = [q.triple for q in store.ox.quads_for_pattern(None, None, None, ox.NamedNode(g))]
        n += remote.replace_triples(g, triples)
    return n


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteConfig]:
    if VIRTUOSO is None:
        pytest.skip("virtuoso-t not installed (CI installs Debian virtuoso-opensource in .ci/run)")
    with virtuoso(tmp_path_factory.mktemp("virtuoso")) as cfg:
        yield cfg


@SKIP
def test_remote_store_round_trip_by_graph_store_protocol(server: RemoteConfig, sample_store: Store) -> None:  # noqa: F811
    with RemoteStore(server) as rs:
        sent = load(rs, sample_store)
        assert sent == len(sample_store)
        assert set(sample_store.graphs()) <= set(rs.graphs())
        assert not any("openlinksw" in g for g in rs.graphs())  # system graphs are not ours
        g = sample_store.graphs()[0]
        local = {str(q.triple) for q in sample_store.ox.quads_for_pattern(None, None, None, ox.NamedNode(g))}
        assert {str(t) for t in rs.graph(g)} == local  # literals, languages and datatypes survive
        rows = list(rs.select("PREFIX kf: <https://w3id.org/keifu/ns#> "
                              "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a kf:SourceFile }"))
        assert rows == [{"n": "2"}]
        assert rs.query("PREFIX kf: <https://w3id.org/keifu/ns#> ASK { ?f a kf:SourceFile }") is True
        assert rs.query("ASK { ?s <http://example.org/none> ?o }") is False  # Virtuoso's ASK shape handled


@SKIP
def test_remote_store_replace_by_update_is_a_replacement(server: RemoteConfig) -> None:
    cfg = RemoteConfig(server.query_url, server.update_url, None, server.user, server.password, "digest")
    name = "http://example.org/test/update-path"
    a, p = ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p")
    with RemoteStore(cfg) as rs:
        rs.replace_triples(name, [ox.Triple(a, p, ox.Literal("古い", language="ja"))])
        rs.replace_triples(name, [ox.Triple(a, p, ox.Literal('新しい "引用" \\ と改行\n', language="ja"))])
        got = rs.graph(name)
        assert len(got) == 1 and got[0].object.value == '新しい "引用" \\ と改行\n'
        before = len(rs)
        rs.drop(name)
        assert name not in rs.graphs() and len(rs) == before - 1


@SKIP
def test_remote_store_dump_and_build_mirror(server: RemoteConfig, sample_store: Store, tmp_path: Path) -> None:  # noqa: F811
    with RemoteStore(server) as rs:
        load(rs, sample_store)
        out = tmp_path / "dump.nq"
        rs.dump(out, ox.RdfFormat.N_QUADS)
        quads = list(ox.parse(out.read_bytes(), format=ox.RdfFormat.N_QUADS))
        ours = {str(q) for q in sample_store.ox}
        assert ours <= {str(q) for q in quads}
        local, before = mirror(rs)
        assert set(sample_store.graphs()) <= set(local.graphs())
        assert push_changes(local, rs, before) == []  # nothing changed, nothing sent
        g = sample_store.graphs()[0]
        local.ox.add(ox.Quad(ox.NamedNode("http://example.org/x"), ox.NamedNode("http://example.org/p"),
                             ox.Literal("追加"), ox.NamedNode(g)))
        assert push_changes(local, rs, before) == [g]
        assert any(t.object == ox.Literal("追加") for t in rs.graph(g))
        load(rs, sample_store)  # restore for the other tests


@SKIP
def test_keifu_build_into_the_remote_server(server: RemoteConfig, sample_store: Store,  # noqa: F811
                                            capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEIFU_ENDPOINT_PASSWORD", PASSWORD)  # never on the command line
    with RemoteStore(server) as rs:
        for g in rs.graphs():
            rs.drop(g)
        assert rs.graphs() == []
    rc = main(["build", str(SAMPLES), "--no-validate", "--jobs", "1", "--endpoint", server.query_url,
               "--update-endpoint", str(server.update_url), "--user", USER, "--auth-scheme", "digest"])
    out = capsys.readouterr().out
    assert rc == 0 and "graphs sent" in out
    with RemoteStore(server) as rs:
        # a remote store keeps each file's statements about shared nodes in the file's graph (which files state a
        # shared fact is recorded beside an embedded store only): the same facts, laid out per file
        assert rs.graphs() == [g for g in sample_store.graphs() if g != str(SHARED_GRAPH)]
        digest = "http://purl.org/dc/terms/identifier"  # the lineage digest counts the quads: layouts differ
        assert ({str(t) for g in rs.graphs() for t in rs.graph(g) if t.predicate.value != digest}
                == {str(q.triple) for q in sample_store.ox if q.predicate.value != digest})
        g = next(n for n in rs.graphs() if "annual_plan" in n)
        local = {str(q.triple) for q in sample_store.ox.quads_for_pattern(None, None, None, ox.NamedNode(g))}
        remote = {str(t) for t in rs.graph(g)}
        shared = {str(q.triple) for q in sample_store.ox.quads_for_pattern(None, None, None, ox.NamedNode(
            str(SHARED_GRAPH)))}
        assert local <= remote  # cross-file links (kf:implements) made in the mirror
        assert remote - local and remote - local <= shared  # and what the file states about shared nodes
    rc = main(["build", str(SAMPLES), "--no-validate", "--jobs", "1", "--endpoint", server.query_url,
               "--update-endpoint", str(server.update_url), "--user", USER, "--auth-scheme", "digest"])
    assert rc == 0 and "0 グラフを送信" in capsys.readouterr().out  # unchanged: nothing sent again
