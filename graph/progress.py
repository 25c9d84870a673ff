"""A progress bar for ``keifu build`` on a terminal: files done, the file at hand, the phase and the seconds.

Written to stderr by a small thread that redraws it four times a second, so the seconds go on counting while a
long file or the lineage is being worked on. Silent when stderr is not a terminal (pipes, logs, CI), unless
forced. Hand-written (one line, ``\\r``): neither tqdm nor rich is a dependency of keifu.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import TextIO

PHASES = {"files": "ファイル / files", "plan links": "計画との対応 / plan links",
          "policy links": "政策評価の対応 / policy links", "lineage": "系譜 / lineage", "flush": "書き込み / flush"}


class Progress:
    """``with Progress(enabled) as p: build(..., progress=p.file, on_phase=p.phase)``."""

    def __init__(self, enabled: bool | None = None, stream: TextIO | None = None, width: int = 24) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.width = width
        self.done, self.total, self.name, self.what = 0, 0, "", PHASES["files"]
        self.t0 = time.perf_counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._shown = 0

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def file(self, n: int, total: int, path: Path) -> None:
        """The callback of :func:`keifu.graph.build.build`: ``n`` of ``total`` files, the latest ``path``."""
        with self._lock:
            self.done, self.total, self.name = n, total, path.name
        self.draw()

    def phase(self, name: str) -> None:
        with self._lock:
            self.what = PHASES.get(name, name)
        self.draw()

    def line(self) -> str:
        with self._lock:
            filled = int(self.width * self.done / max(self.total, 1))
            return (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} "
                    f"{self.name[:36]:<36} {self.what} {time.perf_counter() - self.t0:5.1f} s")

    def draw(self) -> None:
        if not self.enabled:
            return
        text = self.line()
        pad = " " * max(0, self._shown - len(text))
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self._shown = len(text)

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.draw()

    def close(self) -> None:
        """Stop redrawing and clear the line, so the summary that follows starts clean."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.enabled and self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0
