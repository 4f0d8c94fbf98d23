"""Keeping Python's cyclic garbage collector out of the way of big loads."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Building millions of small objects makes the cyclic GC rescan the heap
    again and again. What is built here is long-lived and not cyclic: pause
    the collector, then freeze what was built so later collections skip it.
    Reference counting still frees it as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
