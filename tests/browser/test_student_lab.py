"""`make lab` in a real browser: the notebooks are listed and nbgrader's lab extension is loaded."""

import pytest

from autograder.instructor.paths import REPO
from tests.browser.jupyterlab import PANEL, open_notebook, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LESSONS = sorted(path.name for path in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ASSIGNMENTS = sorted(path.name for path in (REPO / "release").iterdir() if path.is_dir())


def listed(page) -> list[str]:
    """The names the file browser lists in the folder it shows."""
    items = page.locator(".jp-DirListing-content .jp-DirListing-itemText")
    items.first.wait_for()
    return items.all_inner_texts()


def open_folder(page, name: str) -> None:
    page.locator(".jp-DirListing-item[data-isdir='true']", has_text=name).dblclick()
    page.locator(".jp-BreadCrumbs").get_by_text(name, exact=True).wait_for()


def test_make_lab_lists_the_notebooks_and_loads_nbgrader(page, lab, workspace):
    page.goto(lab.url(f"lab/workspaces/{workspace}"))
    page.get_by_role("menubar").wait_for(timeout=90_000)
    print(f"`make lab` answered after {lab.started_seconds:.1f} s")
    assert {"notebooks", "release"} <= set(listed(page))

    open_folder(page, "notebooks")
    page.locator(".jp-DirListing-item", has_text=LESSONS[-1]).wait_for()
    assert set(LESSONS) <= set(listed(page)), listed(page)

    page.locator(".jp-BreadCrumbs-home").click()
    open_folder(page, "release")
    page.locator(".jp-DirListing-item", has_text=ASSIGNMENTS[-1]).wait_for()
    assert set(ASSIGNMENTS) <= set(listed(page)), listed(page)

    # nbgrader's lab extension: its menu, and Validate on an assignment notebook's toolbar.
    page.get_by_role("menubar").get_by_role("menuitem", name="Nbgrader", exact=True).wait_for()
    open_notebook(page, lab, "release/ps1_async_views/ps1_async_views.ipynb", workspace)
    toolbar = page.locator(f"{PANEL} .jp-NotebookPanel-toolbar")
    validate = toolbar.get_by_role("button", name="Validate", exact=True)
    validate.wait_for()
    assert validate.is_enabled()
    screenshot(page, "1-lab-with-validate-button")
