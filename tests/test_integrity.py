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


def test_assigning_a_helper_is_refused():
    with pytest.raises(AttributeError, match="belongs to the grader and cannot be replaced"):
        checks.assert_views_overlapped = lambda *args, **kwargs: None
    with pytest.raises(AttributeError, match="belongs to the grader"):
        del autograder.assert_loop_never_blocked
    assert integrity.tampering() == []


def test_helper_written_into_the_module_dict_is_never_called_and_is_detected(monkeypatch):
    def fake(*args, **kwargs):
        return None

    monkeypatch.setitem(vars(checks), "assert_views_overlapped", fake)
    monkeypatch.setitem(vars(autograder), "assert_loop_never_blocked", fake)
    assert checks.assert_views_overlapped is not fake
    assert autograder.assert_loop_never_blocked is not fake
    found = integrity.tampering()
    assert "`autograder.checks.assert_views_overlapped` was replaced" in found
    assert "`autograder.assert_loop_never_blocked` was replaced" in found
    with pytest.raises(integrity.GradingTampered):
        integrity.verify_intact()


def test_unsealed_module_is_detected(monkeypatch):
    monkeypatch.setattr(checks, "__class__", type(sys))
    assert "the module `autograder.checks` was unsealed" in integrity.tampering()


def test_patch_made_while_a_helper_runs_is_caught_after_it(monkeypatch):
    original = time.perf_counter

    async def view_that_patches(request):
        time.perf_counter = lambda: 0.0
        return None

    async def grade():
        return await autograder.run_view(view_that_patches, ["/"])

    try:
        with pytest.raises(integrity.GradingTampered, match="time.perf_counter"):
            asyncio.run(grade())
    finally:
        time.perf_counter = original


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


def test_submodule_swapped_in_its_package_is_not_used(monkeypatch):
    from autograder.assignments import ps1

    monkeypatch.setitem(vars(sys.modules["autograder.assignments"]), "ps1", type(sys)("fake"))
    from autograder.assignments import ps1 as imported_again

    assert imported_again is ps1
    assert "`autograder.assignments.ps1` was replaced" in integrity.tampering()


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
