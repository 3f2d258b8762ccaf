"""Run a notebook's cells in this process the way a kernel would, and score them like nbgrader.

Much faster than a kernel per run, so tests can try every catalogue answer and the benchmark can
repeat the whole catalogue many times. Cells run in order in one namespace inside one event loop
(top-level ``await`` allowed, as in IPython); a grade cell scores 0 when it raises or writes to
stderr, full points otherwise — nbgrader's rule. The end-to-end tests still grade through
nbgrader itself; this runner must agree with it.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import io
import traceback
import warnings
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import nbformat

from autograder.instructor import notebook_cells as cells

CELL_TIME_LIMIT = 60.0


@dataclass
class CellOutcome:
    index: int
    grade_id: str | None
    is_test: bool
    points: float
    error: str | None
    stdout: str
    stderr: str

    @property
    def passed(self) -> bool:
        return self.error is None and not self.stderr

    @property
    def score(self) -> float:
        return self.points if self.passed else 0.0


def with_answers(nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose answer cells hold the given sources (by grade_id)."""
    copy = nbformat.from_dict(nb)
    for cell in copy.cells:
        if cells.is_answer(cell) and cells.grade_id(cell) in answers:
            cell.source = answers[cells.grade_id(cell)]
    return copy


async def _run_cell(source: str, namespace: dict, time_limit: float) -> None:
    code = compile(source, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)  # noqa: S307 (running notebook cells is the point)
    if inspect.iscoroutine(result):
        await asyncio.wait_for(result, timeout=time_limit)


async def run_cells(
    nb: nbformat.NotebookNode,
    time_limit: float = CELL_TIME_LIMIT,
    tests: set[str] | None = None,
):
    """Execute the code cells of ``nb`` in order; return a CellOutcome per executed cell.

    ``tests``: grade_ids of the test cells to run (default: all); other test cells are skipped.
    """
    namespace: dict = {"__name__": "__main__"}
    outcomes = []
    try:
        await _run_all(nb, time_limit, tests, namespace, outcomes)
    finally:
        from autograder.runtime.serve import stop_servers

        await stop_servers()  # the loop ends with this run: so does its view server
    return outcomes


async def _run_all(nb, time_limit, tests, namespace, outcomes) -> None:
    for index, cell in enumerate(nb.cells):
        is_test = cells.is_test(cell)
        if cell.cell_type != "code" or (
            is_test and tests is not None and cells.grade_id(cell) not in tests
        ):
            continue
        out, err, error = io.StringIO(), io.StringIO(), None
        with redirect_stdout(out), redirect_stderr(err):
            with warnings.catch_warnings(record=True) as caught:
                # A kernel's filters, not the test suite's (Python's default ignores
                # ResourceWarning, as a kernel does).
                warnings.simplefilter("default")
                warnings.filterwarnings("ignore", category=ResourceWarning)
                try:
                    await _run_cell(cell.source, namespace, time_limit)
                except Exception as exc:  # a failing cell is a result, like in a kernel
                    error = "".join(traceback.format_exception_only(exc)).strip()
            for w in caught:  # a kernel prints warnings on the cell's stderr
                err.write(warnings.formatwarning(w.message, w.category, w.filename, w.lineno))
        outcomes.append(
            CellOutcome(
                index=index,
                grade_id=cells.grade_id(cell),
                is_test=is_test,
                points=float(cells.nbgrader_of(cell).get("points", 0) or 0),
                error=error,
                stdout=out.getvalue(),
                stderr=err.getvalue(),
            )
        )


def run_notebook(
    nb: nbformat.NotebookNode,
    answers: dict[str, str] | None = None,
    tests: set[str] | None = None,
):
    """Run ``nb`` (with ``answers`` put in its answer cells) in a fresh event loop.

    Returns ``{test grade_id: CellOutcome}``.
    """
    outcomes = asyncio.run(run_cells(with_answers(nb, answers or {}), tests=tests))
    return {o.grade_id: o for o in outcomes if o.is_test}
