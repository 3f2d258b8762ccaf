"""Shared set-up: Django configured exactly as a notebook's first cell configures it."""

import asyncio

import pytest

from autograder.runtime.bootstrap import setup_notebook


@pytest.fixture(scope="session", autouse=True)
def django_like_a_notebook():
    setup_notebook(quiet=True)


@pytest.fixture(scope="session")
def graded_ps1_class(tmp_path_factory, worker_id):
    """ps1's example class, graded once for the whole run (every xdist worker shares it): the
    report, parallel grading and feedback tests all assert on this one result."""
    from tests.grading_helpers import graded_class

    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent  # the workers' common folder
    return graded_class(shared, "ps1_async_views")


def run(coroutine):
    """Run a coroutine to completion in a fresh event loop (the tests' stand-in for a cell).

    The view servers a preview started on that loop are stopped before it closes: a kernel's
    loop outlives them, a test's does not, and a server left behind leaks its sockets."""
    from autograder.runtime import serve

    async def cell():
        try:
            return await coroutine
        finally:
            await serve.stop_servers()

    return asyncio.run(cell())


def pytest_terminal_summary(terminalreporter):
    """Print how long each lesson took in its kernel (the issue notes record these)."""
    from tests.test_lessons import TIMINGS

    if TIMINGS:
        lines = [f"{name}: {seconds:.1f} s" for name, seconds in TIMINGS.items()]
        lines.append(f"all lessons: {sum(TIMINGS.values()):.1f} s")
        terminalreporter.write_sep("-", "lesson run times")
        terminalreporter.write_line("\n".join(lines))


# What a change of Python or Django can break, which `make test-versions` runs again on the LTS
# pair: the judge and its checks (every catalogue verdict, the out-of-process observer, grading
# through nbgrader), the kernel's runtime, the bootstrap, the ORM of the demo project, the
# sandbox's kernels, the lessons, the practice keys and the assignment notebooks. Not the report,
# parallel grading, PostgreSQL gradebooks, the intake, the browser or the hub: the same code on
# every version, and proven once by `make test`.
VERSION_DEPENDENT = (
    "tests/judge/",
    "tests/runtime/",
    "tests/instructor/test_sandbox.py",
    "tests/test_assignment_notebooks.py",
    "tests/test_bootstrap.py",
    "tests/test_demo_project.py",
    "tests/test_lessons.py",
    "tests/test_practice.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(VERSION_DEPENDENT):
            item.add_marker(pytest.mark.versions)
