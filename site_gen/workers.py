"""Worker processes that die with their parent.

A build killed with SIGKILL must not leave workers behind that keep writing
into a staging folder the next build has already cleaned up.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import signal
from multiprocessing.pool import Pool

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers still end when their queue closes
        pass


def pool(workers: int) -> Pool:
    """A fork-based pool whose workers inherit the parent's state and are killed when it dies."""
    return multiprocessing.get_context("fork").Pool(workers, initializer=_die_with_parent)
