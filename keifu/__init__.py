"""keifu (系譜): a knowledge graph of Japanese public policy, traced to the line."""

import os
import time

#: When keifu was first imported: start of the "start-up" phase that ``keifu build --timings`` reports.
STARTED = time.perf_counter()

__version__ = "0.1.0"


def cpus() -> int:
    """CPUs this process may run on (its affinity, where the platform tells it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
