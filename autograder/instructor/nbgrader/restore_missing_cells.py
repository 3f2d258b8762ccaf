"""``RestoreMissingCells`` replaces nbgrader's ``OverwriteCells`` when sanitizing.

The same restoring of locked cells, and a test cell (or a locked code cell, such as the set-up
cell) that a student deleted is put back where it was, so the test is run and graded. nbgrader's
own ``add_missing_cells`` does that only when the cell before the deleted one is a grade or
answer cell, and otherwise fails the whole submission (a KeyError).
"""

from __future__ import annotations

import nbformat
from nbformat import NotebookNode
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import OverwriteCells

from autograder.instructor import notebook_cells as cells
from autograder.instructor.nbgrader.course import course_root_of


class RestoreMissingCells(OverwriteCells):
    """nbgrader's OverwriteCells; deleted test cells and locked code cells come back in place."""

    def _source_order(self, names: list[str]) -> list[str]:
        """Cell order of the released notebook (the gradebook does not keep one)."""
        root = course_root_of(self)
        for stage in ("release", "source"):
            path = root / stage / self.assignment_id / f"{self.notebook_id}.ipynb"
            if path.exists():
                nb = nbformat.read(path, as_version=4)
                order = [cells.grade_id(c) for c in nb.cells]
                order = [n for n in order if n in names]
                return order + [n for n in names if n not in order]
        return names

    def _restored(self, source_cell, grade_cells, solution_ids) -> NotebookNode:
        if source_cell.name in grade_cells:
            return self.missing_cell_transform(
                source_cell,
                grade_cells[source_cell.name].max_score,
                is_solution=source_cell.name in solution_ids,
            )
        note = self.missing_cell_notification.format(cell_id=source_cell.name)
        cell = nbformat.v4.new_code_cell("# " + note + source_cell.source)
        cell.metadata.update(deletable=False, editable=False)
        cell.metadata["nbgrader"] = {
            "grade": False,
            "grade_id": source_cell.name,
            "locked": True,
            "solution": False,
            "task": False,
            "checksum": source_cell.checksum,
        }
        return MetadataValidator().upgrade_cell_metadata(cell)

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {c.name: c for c in source_nb.source_cells}
        grade_cells = {c.name: c for c in source_nb.grade_cells}
        solution_ids = {c.name for c in source_nb.solution_cells}
        order = self._source_order(list(source_cells))
        wanted = [
            name
            for name in order
            if name in grade_cells
            or (source_cells[name].locked and source_cells[name].cell_type == "code")
        ]
        for name in wanted:
            present = {cells.grade_id(c): i for i, c in enumerate(nb.cells) if cells.grade_id(c)}
            if name in present:
                continue
            self.log.warning("Missing cell %s: put back where it was", name)
            before = [present[n] for n in order[: order.index(name)] if n in present]
            position = max(before) + 1 if before else 0
            nb.cells.insert(position, self._restored(source_cells[name], grade_cells, solution_ids))
        return nb, resources
