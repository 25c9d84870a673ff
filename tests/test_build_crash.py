"""A build killed at any point leaves the old state, the new one, or a store marked incomplete that the next
command names and the next build repairs: never an unmarked mix. A server sees a build made beside it.

The store is built from our samples ("old"), then rebuilt from a changed copy ("new": an item renamed, a
document added), and that rebuild is killed with SIGKILL at points spread over its whole run.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import SAMPLES
from test_api_fixtures import serve

from keifu.graph.store import Store, build_state

TRIALS = 20


def keifu(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "keifu.cli", *map(str, args)], capture_output=True, text=True,
                       timeout=300)
    if check and r.returncode != 0:
        raise AssertionError(f"keifu {args} exited {r.returncode}: {r.stderr[-2000:]}")
    return r


def dump(store: Path) -> list[str]:
    """The store's quads, sorted (opened for writing, as the next command would: staging graphs removed)."""
    with Store(store) as st:
        return sorted(str(q) for q in st.ox)


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str], list[str], float]:
    """(the old store, the new documents, old quads, new quads, seconds a rebuild takes)."""
    tmp = tmp_path_factory.mktemp("crash")
    old_docs, new_docs = tmp / "old", tmp / "new"
    shutil.copytree(SAMPLES, old_docs, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copytree(old_docs, new_docs)
    plan = new_docs / "annual_plan.txt"
    text = plan.read_text(encoding="utf-8")
    assert "を行う。" in text
    plan.write_text(text.replace("を行う。", "を重点的に行う。", 2), encoding="utf-8")
    shutil.copy2(new_docs / "objectives_compendium.txt", new_docs / "objectives_copy.txt")
    old = tmp / "old-store"
    keifu("build", old_docs, "--store", old, "--no-validate")
    old_quads = dump(old)
    full = tmp / "full"
    shutil.copytree(old, full)
    t0 = time.perf_counter()
    keifu("build", new_docs, "--store", full, "--no-validate")
    seconds = time.perf_counter() - t0
    new_quads = dump(full)
    assert old_quads != new_quads
    assert build_state(full)["state"] == "complete"
    return old, new_docs, old_quads, new_quads, seconds


def test_a_killed_build_is_old_new_or_marked_and_repaired(states, tmp_path: Path) -> None:  # noqa: ANN001
    old, new_docs, old_quads, new_quads, seconds = states
    outcomes = {"old": 0, "new": 0, "marked": 0, "mixed": 0}
    for k in range(TRIALS):
        store = tmp_path / f"s{k}"
        shutil.copytree(old, store)
        proc = subprocess.Popen([sys.executable, "-m", "keifu.cli", "build", str(new_docs), "--store", str(store),
                                 "--no-validate"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(seconds * (0.2 + 0.85 * k / TRIALS))  # kill points spread over the run, past start-up
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = build_state(store).get("state")
        quads = dump(store)
        if state == "building":
            outcomes["marked"] += 1
            said = keifu("query", "--store", store, "ASK { ?s ?p ?o }")
            assert "did not finish" in said.stderr and "完了していません" in said.stderr
            keifu("build", new_docs, "--store", store, "--no-validate")
            assert dump(store) == new_quads, f"trial {k}: the next build did not repair the store"
        elif quads == old_quads:
            outcomes["old"] += 1
        elif quads == new_quads:
            outcomes["new"] += 1
        else:
            outcomes["mixed"] += 1
        shutil.rmtree(store)
    print(f"kill trials: {outcomes}")
    assert outcomes["mixed"] == 0, outcomes
    assert outcomes["marked"] > 0, f"no kill landed inside a build: {outcomes}"


def test_a_server_sees_a_build_made_beside_it(states, tmp_path: Path) -> None:  # noqa: ANN001
    old, new_docs, _, new_quads, _ = states
    store = tmp_path / "served"
    shutil.copytree(old, store)
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    with serve("--store", str(store)) as base:
        def n() -> int:
            r = httpx.get(f"{base}/sparql", params={"query": count}, headers={"Accept": "text/csv"}, timeout=60)
            assert r.status_code == 200
            return int(r.text.split()[-1])
        before = n()
        keifu("build", new_docs, "--store", store, "--no-validate")
        deadline = time.monotonic() + 30
        while n() == before:
            assert time.monotonic() < deadline, "the server still serves the old store"
            time.sleep(0.2)
        assert n() == len(new_quads)
