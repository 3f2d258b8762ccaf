"""Fixtures of the browser suite: one JupyterLab (`make lab`) and one Chromium per session.

Every test gets a fresh browser context and page; when it ends, its kernels are shut down. The
lab serves a copy of notebooks/ and release/ in a temporary folder, so nothing a test types or
saves reaches the repository.
"""

from __future__ import annotations

import shutil

import pytest

from autograder.instructor.paths import REPO
from tests.browser.jupyterlab import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    LabServer,
    make_lab,
    screenshot,
)

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the LTS environment of .ci/run installs only what grading needs
    sync_playwright = None

SKIP_REASON = (
    f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)"
    if not CHROMIUM.exists()
    else "Playwright for Python is not installed (pip install -e '.[dev]')"
    if sync_playwright is None
    else None
)


def pytest_collection_modifyitems(items):
    if SKIP_REASON is None:
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so the page fixture knows when a test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# Package scope, not session: Playwright's sync API keeps an event loop running in the main
# thread until it stops, and every later test that calls asyncio.run() would fail.
@pytest.fixture(scope="package")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def lab(tmp_path_factory):
    """`make lab` serving a copy of the lessons and the released assignments, as students get it."""
    root = tmp_path_factory.mktemp("student")
    for folder in ("notebooks", "release"):
        shutil.copytree(REPO / folder, root / folder)
    server = LabServer.start(make_lab, root=root, home=tmp_path_factory.mktemp("home"), cwd=REPO)
    yield server
    server.stop()


def new_page(chromium):
    """A browser context of its own (cookies, storage) and a page in it."""
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


@pytest.fixture
def page(chromium, lab, request):
    """A fresh page on the session's lab; a screenshot is kept when the test fails."""
    context, page = new_page(chromium)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        screenshot(page, f"{request.node.name}-FAILED")
    context.close()
    lab.shutdown_kernels()


def workspace_name(request) -> str:
    """A JupyterLab workspace per test: it opens no tab left by another test."""
    return "".join(c if c.isalnum() else "-" for c in request.node.name)[:60]


@pytest.fixture
def workspace(request) -> str:
    return workspace_name(request)
