"""The grader notices rebound clocks, asyncio functions and patched helpers, and says which."""

import asyncio
import subprocess
import sys
import textwrap
import time

import pytest

import autograder
from autograder import checks, integrity

pytestmark = pytest.mark.grading


def test_untouched_process_is_intact():
    assert integrity.tampering() == []
    integrity.verify_intact()


@pytest.mark.parametrize(
    ("owner", "name", "label"),
    [
        (time, "perf_counter", "`time.perf_counter`"),
        (time, "monotonic", "`time.monotonic`"),
        (asyncio, "gather", "`asyncio.gather`"),
        (asyncio, "sleep", "`asyncio.sleep`"),
        (asyncio.base_events.BaseEventLoop, "time", "`BaseEventLoop.time`"),
    ],
)
def test_rebound_stdlib_function_fails_every_helper(monkeypatch, owner, name, label):
    monkeypatch.setattr(owner, name, lambda *args, **kwargs: 0)
    with pytest.raises(integrity.GradingTampered, match="cannot trust this run") as failure:
        autograder.assert_async_view(lambda request: None)
    assert label in str(failure.value)
    assert "restart the kernel" in str(failure.value)


def test_replaced_helper_is_detected(monkeypatch):
    monkeypatch.setattr(checks, "assert_views_overlapped", lambda *args, **kwargs: None)
    monkeypatch.setattr(autograder, "assert_loop_never_blocked", lambda *args, **kwargs: None)
    found = integrity.tampering()
    assert "`autograder.checks.assert_views_overlapped` was replaced" in found
    assert "`autograder.assert_loop_never_blocked` was replaced" in found
    with pytest.raises(integrity.GradingTampered):
        integrity.verify_intact()


def test_helper_patched_in_place_is_detected(monkeypatch):
    # The helper object stays the same; what it runs is swapped.
    wrapped = checks.assert_views_overlapped.__wrapped__
    monkeypatch.setattr(wrapped, "__code__", (lambda run, minimum=None: None).__code__)
    assert "`autograder.checks.assert_views_overlapped` was patched in place" in (
        integrity.tampering()
    )


def test_helper_closure_swap_is_detected(monkeypatch):
    cell = checks.assert_views_overlapped.__closure__[0]
    original = cell.cell_contents
    cell.cell_contents = lambda run, minimum=None: None
    try:
        assert "`autograder.checks.assert_views_overlapped` was patched in place" in (
            integrity.tampering()
        )
    finally:
        cell.cell_contents = original
    assert integrity.tampering() == []


def test_module_swapped_in_sys_modules_is_detected(monkeypatch):
    monkeypatch.setitem(sys.modules, "autograder.runner", type(sys)("autograder.runner"))
    assert "the module `autograder.runner` was replaced in sys.modules" in integrity.tampering()


def test_clock_rebound_before_the_setup_cell_is_detected():
    # A cell placed before the locked set-up cell runs first: the copy we take is already fake.
    script = textwrap.dedent(
        """
        import time
        real = time.perf_counter
        time.perf_counter = lambda: real() / 10
        import autograder
        print(autograder.integrity.tampering())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "`time.perf_counter` was replaced before the set-up cell ran" in result.stdout
