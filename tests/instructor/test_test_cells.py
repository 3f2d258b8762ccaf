"""Every notebook's test cells are the judge's registry: names, points, descriptions, hidden."""

import nbformat
import pytest

from autograder.instructor.authoring.test_cells import is_test_cell, synced
from autograder.instructor.authoring.test_cells import test_cell_source as render
from autograder.instructor.paths import SOURCE, assignment_ids
from autograder.judge.registry import MODULES, checks_of


@pytest.mark.parametrize("assignment", assignment_ids())
def test_the_committed_test_cells_are_what_the_registry_makes(assignment):
    nb = nbformat.read(SOURCE / assignment / f"{assignment}.ipynb", as_version=4)
    assert checks_of(assignment), f"{assignment} has no checks in the judge"
    assert synced(nb, assignment) == nb, (
        f"source/{assignment} differs from the registry: run `python -m autograder sync-tests`"
    )


def test_every_assignment_is_known_to_the_registry_and_grade_ids_are_unique():
    assert set(assignment_ids()) <= set(MODULES)
    seen = {}
    for assignment in MODULES:
        for grade_id in checks_of(assignment):
            assert grade_id not in seen, f"{grade_id} in both {seen.get(grade_id)} and {assignment}"
            seen[grade_id] = assignment


def test_a_hidden_check_hides_its_line_and_a_visible_one_shows_it():
    checks = checks_of("ps1_async_views")
    hidden, visible = checks["test_greet_rejects_bad_delay"], checks["test_greet_answers"]
    assert "### BEGIN HIDDEN TESTS" in render(hidden)
    assert "### BEGIN HIDDEN TESTS" not in render(visible)
    assert render(visible).startswith(f'"""{visible.description}"""')


def test_a_test_cell_without_a_check_is_refused():
    nb = nbformat.read(SOURCE / "ps1_async_views" / "ps1_async_views.ipynb", as_version=4)
    cell = next(c for c in nb.cells if is_test_cell(c))
    cell.metadata["nbgrader"]["grade_id"] = "test_nobody_wrote_this"
    with pytest.raises(KeyError, match="test_nobody_wrote_this"):
        synced(nb, "ps1_async_views")
