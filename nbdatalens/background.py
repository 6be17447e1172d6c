"""Background threads that leave the CPU to the notebook page.

``show()`` starts the issue checks (and a UMAP fit may run) in a kernel thread
while the user is already working in the page. On a 2-core laptop the kernel
and the browser then share the cores: a lasso over 5M points in the page took
300–400 ms while the checks ran, ~190 ms after they finished. Background work
here lowers its own thread's scheduling priority (on Linux the nice value is
per thread) and runs the native thread pools (BLAS, OpenMP) on that one
thread: their worker threads were started by the kernel's main thread, at
its priority, and would otherwise take both cores. Whenever the browser (or
anything else) wants the CPU it then gets it first; on an idle machine the
work runs about as fast as before.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits

#: How much lower than its parent a background thread runs (nice levels, 0..19).
NICE_INCREMENT = 10


def lower_thread_priority(increment: int = NICE_INCREMENT) -> bool:
    """Lower the calling thread's CPU priority by ``increment`` nice levels.

    Returns whether it did: only Linux has per-thread nice values (elsewhere,
    or where the system refuses, the thread keeps its priority).
    """
    if not sys.platform.startswith("linux") or not hasattr(os, "setpriority"):
        return False
    try:
        tid = threading.get_native_id()
        now = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, now + increment))
    except OSError:
        return False
    return True


@contextmanager
def background_work() -> Iterator[None]:
    """Run the body as background work (see the module): the calling thread at a
    lower priority, the native thread pools limited to one thread meanwhile."""
    lower_thread_priority()
    with threadpool_limits(1):
        yield
