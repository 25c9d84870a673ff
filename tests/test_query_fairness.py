"""Runaway queries re-sent by several clients (or by one, all at once) leave a worker to short queries
(issue 16; bench/bench_hostile.py measures the latency)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from test_api_fixtures import sample_store_path, serve  # noqa: F401 - fixtures

from keifu.api.service import HEAVY_FOR, LONG_QUERY, Service

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_a_client_whose_last_query_ran_long_is_heavy_until_a_short_one() -> None:
    svc = Service(backend=None)  # type: ignore[arg-type]
    svc.long_per_client = 2
    for c in ("a", "b", "c"):
        svc.end(c, svc.begin(c, 0.0), LONG_QUERY + 1)  # each ran into the time limit
    assert all(svc.is_heavy(c, 10.0) for c in "abc") and not svc.is_heavy("probe", 10.0)
    svc.begin("a", 10.0)
    svc.begin("b", 10.0)
    assert svc.heavy_running(10.0) == 2  # the third runaway would take the last worker: refused
    n = svc.begin("probe", 10.0)
    svc.end("probe", n, 10.1)
    assert not svc.is_heavy("probe", 10.2)
    n = svc.begin("c", 20.0)
    svc.end("c", n, 20.1)  # a short query: no longer heavy
    assert not svc.is_heavy("c", 20.2)
    assert not svc.is_heavy("a", LONG_QUERY + 1 + HEAVY_FOR)  # heaviness expires


def _get(base: str, query: str, address: str, timeout: float = 60) -> httpx.Response:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=timeout) as c:
        return c.get(f"{base}/sparql", params={"query": query})


def test_three_runaway_clients_leave_a_worker_to_a_point_query(sample_store_path: Path) -> None:  # noqa: F811
    with serve("--store", str(sample_store_path), "--workers", "3", "--timeout", "2") as base:
        answers: list[list[str]] = [[], [], []]

        def runaway(k: int) -> None:
            for _ in range(2):  # the second one is re-sent at once, as the first is ended by the time limit
                r = _get(base, RUNAWAY, f"127.0.1.{k + 1}")
                answers[k].append(r.json().get("error", {}).get("code", str(r.status_code)))

        threads = [threading.Thread(target=runaway, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        time.sleep(2.8)  # the first wave has been ended, the second sent
        t0 = time.monotonic()
        probe = _get(base, "ASK { ?s ?p ?o }", "127.0.0.2")
        took = time.monotonic() - t0
        for t in threads:
            t.join(60)
        assert probe.status_code == 200 and took < 1.5, (probe.status_code, took, answers)
        second = sorted(a[1] for a in answers)
        assert second.count("client-busy") >= 1 and second.count("timeout") <= 2, answers
