"""What a long-running potwise process does once it has started.

Start-up builds a great many objects that live as long as the process:
modules, functions, classes, SQLAlchemy's tables and mappers, pydantic's
validators (about 170,000 objects the cycle collector tracks once the web app is
imported). Every full pass of the collector walks them all, and a pass holds
the interpreter: about 0.1 s during which no thread runs. A bank page walk
waiting for its next answer, a web request and a scheduled rule all stall
behind it, and a sync making thousands of objects sets a full pass off now and
then. So, once started, those objects are frozen out of the collector's way
(`gc.freeze`); what the process builds later is collected as before.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_settled = threading.Event()


def settle_heap() -> bool:
    """Collect once, then freeze everything alive into the collector's permanent
    generation. Once per process (later calls return False and do nothing).

    Call it after start-up (the app, the context and their wiring built), before
    the process starts its real work: `potwise serve`, `worker`, `sync`, and each
    process of a spread cycle do.
    """
    with _lock:
        if _settled.is_set():
            return False
        gc.collect()  # start-up's garbage is freed, not frozen
        gc.freeze()
        _settled.set()
        return True
