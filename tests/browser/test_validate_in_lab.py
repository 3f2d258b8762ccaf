"""A released assignment in JupyterLab: the student writes answers and presses nbgrader's Validate.

Answers come from the catalogue (tests/catalogue/), pasted into the answer cells as a student
would; Validate saves the notebook and runs it in a kernel of its own on the server.
"""

import nbformat
import pytest

from autograder.instructor.catalogue import load
from tests.browser.jupyterlab import code_cell, open_notebook, screenshot, type_into_cell, validate

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def answer(assignment: str, grade_id: str, name: str) -> str:
    """A catalogue answer without its header comments (what it is, what it must fail)."""
    source = next(v.source for v in load(assignment)[grade_id] if v.name == name)
    lines = source.splitlines()
    while lines and lines[0].startswith("# "):
        lines.pop(0)
    return "\n".join(lines).strip() + "\n"


def write_answers(page, lab, workspace, assignment: str, answers: dict[str, str]) -> None:
    """Open the released notebook and replace each answer stub with the given code."""
    path = f"release/{assignment}/{assignment}.ipynb"
    open_notebook(page, lab, path, workspace)
    for grade_id, source in answers.items():
        stub = code_cell(page, f"async def {grade_id}(request)", "raise NotImplementedError()")
        type_into_cell(page, stub, source)
        code_cell(page, source.strip().splitlines()[-1].strip())  # the editor shows the answer


def test_correct_answers_validate(page, lab, workspace):
    assignment = "ps1_async_views"
    write_answers(page, lab, workspace, assignment, {
        "greet": answer(assignment, "greet", "right_validate_then_sleep"),
        "profile": answer(assignment, "profile", "right_model_answer"),
    })  # fmt: skip
    dialog = validate(page)
    screenshot(page, "3-validate-success")
    assert "Success! Your notebook passes all the tests." in dialog.inner_text()
    # What was validated is what the student typed: JupyterLab saved it first.
    saved = nbformat.read(lab.root / f"release/{assignment}/{assignment}.ipynb", as_version=4)
    code = "".join(cell.source for cell in saved.cells if cell.cell_type == "code")
    assert "raise NotImplementedError()" not in code


def test_sequential_dashboard_fails_validate_with_its_teaching_message(page, lab, workspace):
    assignment = "ps2_concurrent_io"
    write_answers(page, lab, workspace, assignment, {
        "dashboard": answer(assignment, "dashboard", "wrong_sequential_awaits"),
        "first_mirror": answer(assignment, "first_mirror", "right_model_answer"),
    })  # fmt: skip
    dialog = validate(page)
    failed = dialog.locator(".validation-failed")
    failed.wait_for()
    text = failed.inner_text()
    # Only the concurrency test fails (a failed cell shows its source, then its error) ...
    assert text.count("The following cell failed:") == 1, text
    source, error = failed.locator(".jp-RenderedText pre").all()
    # The cell that failed is the dashboard's concurrency test (its docstring says what it checks).
    assert "The three upstream calls are in flight at the same time" in source.inner_text()
    assert '"test_dashboard_fetches_concurrently", dashboard' in source.inner_text()
    # ... and its error ends with the teaching message, in plain words.
    error.evaluate("pre => pre.scrollIntoView({block: 'end'})")
    screenshot(page, "3-validate-sequential-dashboard")
    shown = error.inner_text()
    print(shown)
    # The teaching message is all there is: no grader frames before it, and its lines are
    # wrapped to fit the dialog (no scrolling sideways to read it).
    assert shown.lstrip().startswith("CheckFailed: dashboard:"), shown
    assert max(len(line) for line in shown.splitlines()) <= 100, shown
    assert "in flight at the same time" in " ".join(shown.split())
