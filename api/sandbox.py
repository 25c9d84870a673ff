"""Take away what a query worker does not need: the network.

A query worker reads a local store and talks to the server over a socket pair made before it started. It
opens no connection of its own, so it runs in a network namespace of its own (Linux ``unshare``), where no
address, not even the host's loopback, can be reached. This is the second wall behind the request check of
:mod:`keifu.api.outbound`: should a SERVICE call ever get past that check, the engine's HTTP client finds no
network. Where the kernel refuses (no Linux, no user namespaces), the worker goes on and says so once.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger("keifu.api.sandbox")
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


def without_network() -> bool:
    """Move this process into an empty network namespace; True when it is there. Call it before any thread
    starts (a user namespace can only be entered by a single-threaded process)."""
    if not sys.platform.startswith("linux"):
        log.warning("query workers keep network access: network namespaces need Linux")
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    # as root a network namespace alone; otherwise inside a user namespace of our own, which allows it
    for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return True
    log.warning("query workers keep network access: unshare(CLONE_NEWNET) refused (errno %d)", ctypes.get_errno())
    return False
