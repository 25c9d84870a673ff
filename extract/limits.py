"""What one input may cost: pages, characters, bytes, and the memory of the process that reads it.

A hostile or broken file must not exhaust the machine: a 3,000-page PDF kept a server busy for minutes, one
content stream of 4 million text operators took 8 GB, a 1 MB PDF inflating to 1 GiB took 2 GB. Real inputs
are far below every cap here (the largest compendium we know has a few hundred pages and under 3,000
characters a page), so the defaults only ever stop what is not a policy document. Each cap can be set by an
environment variable or, for the commands, an option; the readers check them as they go, so the work stops
at the cap, not after it.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass, replace

from keifu.extract.errors import TooLargeError
from keifu.settings import SETTINGS, setting


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Caps on one input file (0 = no cap)."""

    #: pages of a PDF (``KEIFU_MAX_PAGES``)
    max_pages: int = SETTINGS["max_pages"].default  # type: ignore[assignment]
    #: characters on one PDF page (``KEIFU_MAX_PAGE_CHARS``): a dense A4 page holds about 3,000
    max_page_chars: int = SETTINGS["max_page_chars"].default  # type: ignore[assignment]
    #: characters in one file (``KEIFU_MAX_CHARS``): a five-agency compendium has about 400,000
    max_chars: int = SETTINGS["max_chars"].default  # type: ignore[assignment]
    #: bytes of one input file (``KEIFU_MAX_FILE_BYTES``)
    max_file_bytes: int = SETTINGS["max_file_bytes"].default  # type: ignore[assignment]

    @classmethod
    def from_env(cls) -> ReadLimits:
        """The caps in force (:mod:`keifu.settings`: ``KEIFU_MAX_PAGES`` …)."""
        return cls(*(int(setting(n)) for n in ("max_pages", "max_page_chars", "max_chars", "max_file_bytes")))  # type: ignore[call-overload]


_limits = ReadLimits.from_env()


def read_limits() -> ReadLimits:
    return _limits


def set_read_limits(limits: ReadLimits | None = None, **changes: int) -> ReadLimits:
    """Set the caps of this process (worker processes get them from their parent); returns the old ones."""
    global _limits
    old = _limits
    _limits = replace(limits or _limits, **changes)
    return old


def _over(what_en: str, what_ja: str, n: int, cap: int, path: object, page: int | None = None) -> TooLargeError:
    return TooLargeError(f"too many {what_en} ({n:,}; the limit is {cap:,}): not read",
                     f"{what_ja}が多すぎるため読み込みません（{n:,}。上限は {cap:,}）", path=path, page=page)  # type: ignore[arg-type]


def check_pages(n: int, path: object) -> None:
    if _limits.max_pages and n > _limits.max_pages:
        raise _over("pages", "ページ数", n, _limits.max_pages, path)


def check_page_chars(n: int, path: object, page: int) -> None:
    if _limits.max_page_chars and n > _limits.max_page_chars:
        raise _over("characters on one page", "1ページの文字数", n, _limits.max_page_chars, path, page)


def check_chars(n: int, path: object) -> None:
    if _limits.max_chars and n > _limits.max_chars:
        raise _over("characters", "文字数", n, _limits.max_chars, path)


def check_file_bytes(n: int, path: object) -> None:
    if _limits.max_file_bytes and n > _limits.max_file_bytes:
        raise _over("bytes", "バイト数", n, _limits.max_file_bytes, path)


def _vm_bytes() -> int:
    """This process's virtual memory size now (Linux), or 0 where it cannot be read."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


#: the address-space limit :func:`cap_memory` set and the budget it came from; None while uncapped
_CAP: tuple[int, int] | None = None


def cap_memory(budget: int) -> bool:
    """Let this process grow by at most ``budget`` bytes of address space from now on (``RLIMIT_AS``).

    Counted from the current size, because the libraries already loaded (pdfium, Oxigraph, their thread
    arenas) reserve address space of their own. Past the cap an allocation fails: Python raises
    MemoryError, a native library may end the process; either way the rest of the machine is untouched.
    Only for worker processes, whose death the parent survives. True when the cap is set."""
    if budget <= 0:
        return False
    current = _vm_bytes()
    if not current:
        return False
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + budget
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    global _CAP
    _CAP = (limit, budget)
    return True


def _vm_peak() -> int:
    """This process's largest virtual memory size so far (Linux ``VmPeak``), or 0 where it cannot be read."""
    try:
        with open("/proc/self/status") as f:
            for row in f:
                if row.startswith("VmPeak:"):
                    return int(row.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


#: an allocation failed in this process (set by :func:`mark_exhausted`)
_FAILED = False


def mark_exhausted() -> None:
    """Record that an allocation failed here, however far from the cap the process is by now (one large
    request refused leaves the peak low): :func:`memory_exhausted` says so from then on."""
    global _FAILED
    _FAILED = True


def memory_exhausted() -> bool:
    """True once an allocation failed here, or this process has grown to within an eighth of its budget (at
    least 4 MiB) of the cap.

    Past the cap, native code does not always raise MemoryError: a C extension may report a SystemError or
    an OSError, or leave a shared parser half built. So a failure in a process that has touched its cap is
    counted as the cap's, and the process is not trusted with more work (the pool replaces it)."""
    if _FAILED:
        return True
    if _CAP is None:
        return False
    limit, budget = _CAP
    return _vm_peak() >= limit - max(budget // 8, 4 * 1024**2)
