"""Test cells made from the judge's registry: one place states each check's name, points, text.

A test cell is a docstring (the check's description), then the line that runs the check's
Validate preview in the student's kernel; hidden ones put that line between nbgrader's hidden
tests markers. When a notebook is graded the judge runs the check itself and the cell's code is
never sent to the kernel, so the cell only has to name the check.

``python -m autograder sync-tests`` rewrites the test cells of every source notebook from the
registry (points included); tests/instructor/test_test_cells.py fails when a committed notebook
differs, has a test cell without a check, or a check without a cell.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from autograder.instructor import notebook_cells as cells
from autograder.instructor.paths import SOURCE, assignment_ids
from autograder.judge.registry import Check, checks_of

IMPORT = "from autograder.judge.preview import check"


def test_cell_source(spec: Check) -> str:
    arguments = "".join(f", {name}" for name in spec.views)
    body = f'{IMPORT}\n\nawait check("{spec.grade_id}"{arguments})'
    if spec.hidden:
        body = f"### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"
    return f'"""{spec.description}"""\n{body}'


is_test_cell = cells.is_test


def synced(nb: nbformat.NotebookNode, assignment: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose test cells are the registry's; raises on cells without checks."""
    checks = checks_of(assignment)
    copy = nbformat.from_dict(nb)
    seen = []
    for cell in copy.cells:
        if not is_test_cell(cell):
            continue
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        if grade_id not in checks:
            raise KeyError(f"{assignment}: test cell {grade_id} has no check in the judge")
        spec = checks[grade_id]
        cell.source = test_cell_source(spec)
        cell.metadata["nbgrader"]["points"] = spec.points
        seen.append(grade_id)
    missing = [g for g in checks if g not in seen]
    if missing:
        raise KeyError(f"{assignment}: checks without a test cell: {', '.join(missing)}")
    return copy


def main(argv: list[str]) -> int:
    names = argv or assignment_ids()
    for assignment in names:
        path = SOURCE / assignment / f"{assignment}.ipynb"
        nb = nbformat.read(path, as_version=4)
        if not checks_of(assignment):
            continue
        updated = synced(nb, assignment)
        if updated != nb:
            nbformat.write(updated, path)
            print(f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}: "
                  "test cells rewritten from the judge's registry")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
