"""Shared set-up: Django configured exactly as a notebook's first cell configures it."""

import asyncio

import pytest

from autograder.runtime.bootstrap import setup_notebook


@pytest.fixture(scope="session", autouse=True)
def django_like_a_notebook():
    setup_notebook(quiet=True)


def run(coroutine):
    """Run a coroutine to completion in a fresh event loop (the tests' stand-in for a cell)."""
    return asyncio.run(coroutine)


def pytest_terminal_summary(terminalreporter):
    """Print how long each lesson took in its kernel (the issue notes record these)."""
    from tests.test_lessons import TIMINGS

    if TIMINGS:
        lines = [f"{name}: {seconds:.1f} s" for name, seconds in TIMINGS.items()]
        lines.append(f"all lessons: {sum(TIMINGS.values()):.1f} s")
        terminalreporter.write_sep("-", "lesson run times")
        terminalreporter.write_line("\n".join(lines))


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`--dist loadgroup`), the tests that share a module-scoped fixture (a
    graded class, a server) run in one worker, so the fixture is built once; the rest spread out."""
    for item in items:
        fixturedefs = getattr(item, "_fixtureinfo", None)
        if fixturedefs is None:
            continue
        scopes = {defs[-1].scope for defs in fixturedefs.name2fixturedefs.values() if defs}
        if scopes & {"module", "class", "package"}:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
