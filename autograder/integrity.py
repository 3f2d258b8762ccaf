"""References the checks rely on, taken before any student cell runs, and a check they are intact.

The notebook's first (locked) cell imports ``autograder``, which imports this module first. Every
clock and asyncio function the grader uses is read from here, never looked up again on ``time`` or
``asyncio``, so a submission that rebinds ``time.perf_counter`` or ``asyncio.gather`` cannot make a
sequential view look concurrent. ``verify_intact()`` runs at the start of every helper and fails the
test, with a message that says what was changed, when anything was rebound or patched.

A submission that runs code *before* the set-up cell could rebind a function before we copy it, so
the stdlib references are also checked for being genuine (defined by ``time`` or ``asyncio``).
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import asyncio.events
import gc
import inspect
import json
import sys
import textwrap
import threading
import time
import types
import warnings
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout

# --- the references themselves -------------------------------------------------------------------

perf_counter = time.perf_counter
monotonic = time.monotonic
blocking_sleep = time.sleep
sleep = asyncio.sleep
gather = asyncio.gather
wait = asyncio.wait
wait_for = asyncio.wait_for
create_task = asyncio.create_task
get_running_loop = asyncio.get_running_loop
current_task = asyncio.current_task
CancelledError = asyncio.CancelledError
Task = asyncio.Task
iscoroutinefunction = inspect.iscoroutinefunction
isawaitable = inspect.isawaitable
json_loads = json.loads
gc_collect = gc.collect
gc_disable = gc.disable
gc_enable = gc.enable
gc_isenabled = gc.isenabled
thread_time = time.thread_time
Thread = threading.Thread
get_ident = threading.get_ident
current_frames = sys._current_frames
catch_warnings = warnings.catch_warnings
simplefilter = warnings.simplefilter
redirect_stdout = redirect_stdout
redirect_stderr = redirect_stderr

# What a submission might rebind to fool a timing or overlap check: (module, attribute name).
GUARDED_STDLIB: tuple[tuple[types.ModuleType, str], ...] = (
    *(
        (time, name)
        for name in (
            "perf_counter",
            "perf_counter_ns",
            "monotonic",
            "monotonic_ns",
            "time",
            "time_ns",
            "sleep",
            "process_time",
            "thread_time",
        )
    ),
    *(
        (asyncio, name)
        for name in (
            "sleep",
            "gather",
            "wait",
            "wait_for",
            "create_task",
            "ensure_future",
            "get_running_loop",
            "get_event_loop",
            "as_completed",
            "shield",
            "timeout",
            "to_thread",
            "TaskGroup",
            "Task",
            "Future",
            "run",
            "iscoroutine",
            "current_task",
        )
    ),
    (asyncio.base_events.BaseEventLoop, "time"),
    (asyncio.base_events.BaseEventLoop, "call_at"),
    (asyncio.base_events.BaseEventLoop, "run_in_executor"),
    (asyncio.events.AbstractEventLoop, "time"),
    (inspect, "iscoroutinefunction"),
    (inspect, "isawaitable"),
    (json, "loads"),
    (gc, "disable"),
    (gc, "enable"),
    (gc, "isenabled"),
    (threading, "Thread"),
    (sys, "_current_frames"),
)

_stdlib_snapshot: dict[tuple[int, str], object] = {
    (id(owner), name): getattr(owner, name) for owner, name in GUARDED_STDLIB
}
# autograder's own modules and the objects they define; filled in by register_module().
_module_snapshots: dict[str, tuple[types.ModuleType, dict[str, object], dict[str, object]]] = {}


class TeachingFailure(AssertionError):
    """A failed check whose message is meant for the student: shown as a message, not a trace.

    IPython (in the notebook, and in nbgrader's Validate dialog) calls ``_render_traceback_``
    instead of printing the grader's frames, so the message comes first and its lines are wrapped
    to a width that fits the dialog. ``str()`` stays one line per part, for tests and logs.
    """

    width = 88

    def _render_traceback_(self) -> list[str]:
        lines = []
        for part in f"{type(self).__name__}: {self}".splitlines():
            lines += textwrap.wrap(
                part,
                self.width,
                subsequent_indent="  ",
                break_long_words=False,
                break_on_hyphens=False,
            ) or [""]
        return lines


class GradingTampered(TeachingFailure):
    """The notebook changed something the grader measures with, so it cannot be graded."""


def _owner_name(owner: object) -> str:
    return owner.__name__ if isinstance(owner, types.ModuleType) else owner.__qualname__


def _is_genuine(owner: object, name: str, value: object) -> bool:
    """True when value really comes from the stdlib module that owns it (not a student's lambda)."""
    home = owner.__name__ if isinstance(owner, types.ModuleType) else owner.__module__
    package = home.split(".")[0]
    homes = (home, package, "_" + package)
    if isinstance(value, types.BuiltinFunctionType):
        return getattr(value, "__module__", None) in homes or (
            getattr(value.__self__, "__name__", None) in homes
        )
    if isinstance(value, types.FunctionType):
        return value.__module__.split(".")[0] == package
    if isinstance(value, type):
        return value.__module__.split(".")[0] in homes
    # functools.partial, lambdas bound elsewhere, callable objects: nothing the stdlib ships here.
    return False


def _code_of(value: object) -> object:
    """What a function runs (code, closure, wrapped function), or that of each method of a class."""
    if isinstance(value, types.FunctionType):
        closure = tuple(id(cell.cell_contents) for cell in value.__closure__ or ())
        wrapped = getattr(value, "__wrapped__", None)
        return (value.__code__, closure, value.__defaults__, _code_of(wrapped) if wrapped else None)
    if isinstance(value, type):
        return tuple(
            (k, v.__code__ if isinstance(v, types.FunctionType) else v)
            for k, v in sorted(vars(value).items())
            if not k.startswith("__") or k in ("__aenter__", "__aexit__", "__call__", "__init__")
        )
    return None


class SealedModule(types.ModuleType):
    """A module of autograder whose helpers cannot be swapped from a notebook.

    Lookups of a registered name answer from the snapshot, so a fake written into the module's
    ``__dict__`` is never called; assigning or deleting a registered name is refused at once.
    (Deliberate work can still get around this in-process; ``tampering()`` then reports it.)
    """

    def __getattribute__(self, name: str):
        snapshot = _module_snapshots.get(types.ModuleType.__getattribute__(self, "__name__"))
        if snapshot is not None and name in snapshot[1]:
            return snapshot[1][name]
        return types.ModuleType.__getattribute__(self, name)

    def __setattr__(self, name: str, value: object) -> None:
        snapshot = _module_snapshots.get(self.__name__)
        if snapshot is not None and (name in snapshot[1] and snapshot[1][name] is not value):
            raise AttributeError(
                f"`{self.__name__}.{name}` belongs to the grader and cannot be replaced; "
                "the tests measure your code with the real helpers."
            )
        types.ModuleType.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        snapshot = _module_snapshots.get(self.__name__)
        if snapshot is not None and name in snapshot[1]:
            raise AttributeError(f"`{self.__name__}.{name}` belongs to the grader")
        types.ModuleType.__delattr__(self, name)


def register_module(module_name: str) -> None:
    """Snapshot and seal a module of autograder: what it defines or re-exports, and its code.

    A registered submodule is also recorded in its registered parent package, so that
    ``from autograder.assignments import ps1`` always finds the real ``ps1``.
    """
    module = sys.modules[module_name]
    exported = set(getattr(module, "__all__", ()))
    own = {
        name: value
        for name, value in vars(module).items()
        if (isinstance(value, types.FunctionType | type)
            and (name in exported or getattr(value, "__module__", None) == module_name))
        or (isinstance(value, types.ModuleType) and value.__name__ == f"{module_name}.{name}")
    }  # fmt: skip
    _module_snapshots[module_name] = (module, own, {k: _code_of(v) for k, v in own.items()})
    parent, _, child = module_name.rpartition(".")
    if parent in _module_snapshots:
        _module_snapshots[parent][1][child] = module
        _module_snapshots[parent][2][child] = None
    module.__class__ = SealedModule


def tampering() -> list[str]:
    """Every change found, in words a student can act on; empty when all is intact."""
    found = []
    for owner, name in GUARDED_STDLIB:
        original = _stdlib_snapshot[(id(owner), name)]
        current = getattr(owner, name, None)
        label = f"{_owner_name(owner)}.{name}"
        if current is not original:
            found.append(f"`{label}` was replaced (it is now {current!r})")
        elif not _is_genuine(owner, name, current):
            found.append(f"`{label}` was replaced before the set-up cell ran ({current!r})")
    for module_name, (module, own, codes) in _module_snapshots.items():
        if sys.modules.get(module_name) is not module:
            found.append(f"the module `{module_name}` was replaced in sys.modules")
            continue
        if type(module) is not SealedModule:
            found.append(f"the module `{module_name}` was unsealed")
        for name, value in own.items():
            current = vars(module).get(name)
            if current is not value:
                found.append(f"`{module_name}.{name}` was replaced")
            elif _code_of(value) != codes[name]:
                found.append(f"`{module_name}.{name}` was patched in place")
    return found


def restore() -> None:
    """Put every rebound stdlib function and helper back (for the course's own test runs)."""
    for owner, name in GUARDED_STDLIB:
        setattr(owner, name, _stdlib_snapshot[(id(owner), name)])
    for module_name, (module, own, _codes) in _module_snapshots.items():
        sys.modules[module_name] = module
        vars(module).update(own)
        module.__class__ = SealedModule


def verify_intact() -> None:
    """Fail the test when the notebook rebound a clock, an asyncio function or a grading helper."""
    found = tampering()
    if found:
        raise GradingTampered(
            "The grader cannot trust this run: "
            + "; ".join(found)
            + ".\nThe tests measure time and concurrency with the real clocks, asyncio functions "
            "and grading helpers. Remove the code that reassigns or patches them, then restart the "
            "kernel and run all cells."
        )


# Raises a failed check again without the grader's frames and chained errors. IPython shows each
# frame's source: forty lines of the checks' code would bury the message, in the notebook and in
# nbgrader's Validate dialog. The wrappers that call this are hidden (__tracebackhide__).
def _report(failure: AssertionError) -> None:
    # The check failed. The message says what it observed, what that means and what to change:
    raise failure.with_traceback(None) from None


def guarded(func: Callable) -> Callable:
    """Decorator: verify_intact() before the helper runs and again after, whatever the outcome.

    The second check catches a view that patches something while the check runs it; a run
    during which anything was tampered with proves nothing, so that verdict wins.
    """
    if iscoroutinefunction(func):

        async def async_wrapper(*args, **kwargs):
            __tracebackhide__ = True  # noqa: F841 (read by IPython and pytest)
            verify_intact()
            try:
                return await func(*args, **kwargs)
            except AssertionError as failure:
                _report(failure)
            finally:
                verify_intact()

        wrapper = async_wrapper
    else:

        def wrapper(*args, **kwargs):
            __tracebackhide__ = True  # noqa: F841 (read by IPython and pytest)
            verify_intact()
            try:
                return func(*args, **kwargs)
            except AssertionError as failure:
                _report(failure)
            finally:
                verify_intact()

    wrapper.__name__ = func.__name__
    wrapper.__qualname__ = func.__qualname__
    wrapper.__doc__ = func.__doc__
    wrapper.__module__ = func.__module__
    wrapper.__wrapped__ = func
    return wrapper
