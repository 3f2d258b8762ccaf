"""Swap what a student's view sees under a global name, for the duration of a check.

A view defined in a notebook looks its helpers up in the notebook's namespace (its
``__globals__``) each time it runs, so a check can put an instrumented ``fetch_user`` or
``legacy_price`` there and put the original back afterwards, whatever the student named things.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_MISSING = object()


@contextmanager
def substituted(view: Callable, name: str, value: object) -> Iterator[None]:
    """Within the block, ``name`` in the view's module namespace is ``value``."""
    namespace = inspect.unwrap(view).__globals__
    previous = namespace.get(name, _MISSING)
    namespace[name] = value
    try:
        yield
    finally:
        if previous is _MISSING:
            namespace.pop(name, None)
        else:
            namespace[name] = previous
