"""Lessons run with Run → Run All Cells in JupyterLab: every cell finishes, no unexpected error.

What the page shows is checked in the page (prompts, printed responses, the chart); which cell
raised what is checked in the notebook JupyterLab saved, next to the cell's tags.
"""

import re

import nbformat
import pytest

from tests.browser.jupyterlab import PANEL, open_notebook, run_all, save, screenshot
from tests.kernel import errors, stream

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXPECTED_TO_RAISE = "raises-exception"


def outputs(page, mime: str) -> list[str]:
    selector = f"{PANEL} .jp-OutputArea-output[data-mime-type='{mime}']"
    return page.locator(selector).all_text_contents()  # also cells scrolled out of view


def unexpected(nb) -> list[str]:
    """Cells that raised or wrote to stderr though untagged, and tagged cells that did not raise."""
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {index} ({cell.source.splitlines()[0][:70]!r})"
        if EXPECTED_TO_RAISE in cell.metadata.get("tags", []):
            if not errors(cell):
                problems.append(f"{where} is tagged {EXPECTED_TO_RAISE} but raised nothing")
        elif errors(cell):
            problems.append(f"{where} raised {errors(cell)[0].ename}: {errors(cell)[0].evalue}")
        elif stream(cell, "stderr"):
            problems.append(f"{where} wrote to stderr: {stream(cell, 'stderr')[:300]!r}")
    return problems


def run_lesson(page, lab, workspace, path: str):
    """Open the lesson, Run All, check every cell ran; returns the notebook JupyterLab saved."""
    open_notebook(page, lab, path, workspace)
    prompts = run_all(page)
    not_run = [p for p in prompts if not re.fullmatch(r"\[\d+\]:", p)]
    assert not not_run, f"Run All stopped: {len(not_run)} of {len(prompts)} cells did not run"
    save(page)
    nb = nbformat.read(lab.root / path, as_version=4)
    assert not unexpected(nb), "\n".join(unexpected(nb))
    # Each expected error is shown in the page too, under its cell.
    shown = "\n".join(outputs(page, "application/vnd.jupyter.stderr"))
    for cell in nb.cells:
        if EXPECTED_TO_RAISE in cell.get("metadata", {}).get("tags", []):
            assert errors(cell)[0].ename in shown
    return nb


def test_lesson_2_runs_all_cells_in_jupyterlab(page, lab, workspace):
    nb = run_lesson(page, lab, workspace, "notebooks/02_async_views_basics.ipynb")
    printed = "\n".join(outputs(page, "application/vnd.jupyter.stdout"))
    # Awaited views print their responses (a RequestFactory call, Django's AsyncClient, a URL).
    for response in ("Hello, Ada!", "{'greeting': 'Hello, Grace!'}", "Hello, Barbara!"):
        assert response in printed, f"no {response!r} in the printed output"
    tagged = sum(EXPECTED_TO_RAISE in c.metadata.get("tags", []) for c in nb.cells)
    print(f"lesson 2: {len(nb.cells)} cells, {tagged} expected errors shown, Run All went on")
    printed_response = page.locator(f"{PANEL} .jp-OutputArea-output", has_text="Hello, Grace!")
    printed_response.first.scroll_into_view_if_needed()
    screenshot(page, "2-lesson-2-run-all")


def test_lesson_1_chart_renders_in_jupyterlab(page, lab, workspace):
    run_lesson(page, lab, workspace, "notebooks/01_why_async.ipynb")
    chart = page.locator(f"{PANEL} .jp-OutputArea-output[data-mime-type='image/png'] img")
    assert chart.count() >= 1, "lesson 1 shows no chart"
    chart.first.scroll_into_view_if_needed()
    width, height = chart.first.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert width > 200 and height > 100, f"the chart is {width}x{height} pixels"
    screenshot(page, "2-lesson-1-chart")


def test_lesson_8_runs_all_cells_in_jupyterlab(page, lab, workspace):
    # Lesson 8 starts real servers (uvicorn, gunicorn) from its cells and stops them; Run All in
    # the page must get through all of it, as in the lesson test's fresh kernel.
    nb = run_lesson(page, lab, workspace, "notebooks/08_async_django_in_production.ipynb")
    printed = "\n".join(outputs(page, "application/vnd.jupyter.stdout"))
    assert "still async: True" in printed, "no decorator was shown keeping a view async"
    print(f"lesson 8: {len(nb.cells)} cells, Run All went on")
    screenshot(page, "2-lesson-8-run-all")
