"""The hub tests run a real JupyterHub with real Unix users, so they need root, the hub's
packages (``make install-hub``: jupyterhub, and configurable-http-proxy from npm) and, for the
browser, Debian's Chromium and Playwright. Without one of them they are skipped, saying which.

These tests let nobody in without a password: they log in with the passwords the hub printed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

from autograder.instructor.hub.launch import PROXY
from tests.browser.jupyterlab import CHROMIUM, CHROMIUM_ARGS


def skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "the hub tests make real Unix users: they need root"
    if importlib.util.find_spec("jupyterhub") is None:
        return "JupyterHub is not installed (make install-hub)"
    if shutil.which("npm") is None and not PROXY.exists():
        return "npm is missing, so configurable-http-proxy cannot be installed"
    if not PROXY.exists():
        return f"configurable-http-proxy is not installed at {PROXY} (make install-hub)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(items):
    reason = skip_reason()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("hub"):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """One class for the module's tests; its last test stops it and checks what is left."""
    from tests.hub.classroom import HubClass

    hub = HubClass.start(tmp_path_factory.mktemp("hub") / "hub.log", students=3)
    print(f"hub up in {hub.started_seconds:.1f} s at {hub.base}")
    yield hub
    if not hub.stopped:
        hub.stop()
