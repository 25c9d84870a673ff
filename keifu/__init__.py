"""keifu (系譜): a knowledge graph of Japanese public policy, traced to the line.

The library's entry points, importable from here (each loads its layer on first use, so ``import keifu`` stays
cheap for the command line)::

    from keifu import extract_file, build, validate_path, validate_graph, create_app

    ef = extract_file("objectives.pdf")            # documents, objectives, citations … with page and line
    report = validate_path("draft.txt")            # a draft against the rules: report.conforms, report.results
    from keifu.graph.store import Store
    with Store("store") as st:                     # files into the embedded store, one named graph each
        results = list(build(["docs/"], st))
    conforms, results, _ = validate_graph(graph)   # an rdflib graph against the shapes
    app = create_app(backend)                      # the web service (FastAPI), see keifu.api.backend
"""

import os
import time
from importlib import import_module

#: When keifu was first imported: start of the "start-up" phase that ``keifu build --timings`` reports.
STARTED = time.perf_counter()

__version__ = "0.1.0"


def cpus() -> int:
    """CPUs this process may run on (its affinity, where the platform tells it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


#: name → module of the entry points re-exported here
ENTRY_POINTS = {
    "extract_file": "keifu.extract.pipeline",
    "build": "keifu.graph.build",
    "validate_graph": "keifu.graph.validate",
    "validate_path": "keifu.graph.draft",
    "create_app": "keifu.api.app",
}
__all__ = ["ENTRY_POINTS", "STARTED", "__version__", "cpus", *ENTRY_POINTS]


def __getattr__(name: str) -> object:  # PEP 562: the layer is imported when the name is first used
    if name in ENTRY_POINTS:
        return getattr(import_module(ENTRY_POINTS[name]), name)
    raise AttributeError(f"module 'keifu' has no attribute {name!r}")
