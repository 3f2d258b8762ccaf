"""nbgrader preprocessors of the course, used by nbgrader_config.py (see README, "Grading sandbox").

* :class:`SandboxedExecute` replaces nbgrader's ``Execute`` when autograding: the same execution
  (nbclient, one kernel, cells in order, 60 s per cell, interrupt on timeout), but the kernel is
  started in the sandbox of :mod:`autograder.course.sandbox`, a cell's stored output is capped,
  and a cell that kills the kernel or cannot be interrupted no longer aborts the whole
  submission: it is recorded as an error in that cell and the notebook runs again without it, so
  every other cell earns what it earns. Stock nbgrader gives up on such a submission (no grade).
* :class:`RestoreMissingCells` replaces nbgrader's ``OverwriteCells`` when sanitizing: the same
  restoring of locked cells, and a test cell (or a locked code cell, such as the set-up cell) that
  a student deleted is put back where it was, so the test is run and graded. nbgrader's own
  ``add_missing_cells`` does that only when the cell before the deleted one is a grade or answer
  cell, and otherwise fails the whole submission (a KeyError).
* :class:`FeedbackWithoutHiddenTests` runs in ``generate_feedback``: hidden test code is removed
  from the feedback (the region between the hidden-tests markers, and the traceback frames that
  would quote it), while the message each failed test printed — what it observed, what it
  means, what to change — stays.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import (
    ClearHiddenTests,
    Execute,
    NbGraderPreprocessor,
    OverwriteCells,
)
from traitlets import Bool, Integer

from autograder.course.sandbox import (
    COURSE_FOLDERS,
    SandboxKernelManager,
    SandboxSettings,
    course_paths_to_hide,
)

TRUNCATED = "\n[... output truncated: this cell printed more than {limit} bytes ...]\n"


def _coursedir(preprocessor):
    converter = getattr(getattr(preprocessor, "parent", None), "parent", None)
    return getattr(converter, "coursedir", None)


def course_root_of(preprocessor) -> Path:
    """The course folder of the nbgrader converter running ``preprocessor`` (else the cwd)."""
    coursedir = _coursedir(preprocessor)
    # nbgrader runs its converters from the course root, so cwd is the fallback.
    return Path(coursedir.root if coursedir is not None else os.getcwd()).resolve()


def course_folders_of(preprocessor) -> tuple[str, ...]:
    """The names of the course's nbgrader folders (configurable in CourseDirectory)."""
    coursedir = _coursedir(preprocessor)
    if coursedir is None:
        return COURSE_FOLDERS
    names = ("source", "release", "submitted", "autograded", "feedback")
    return tuple(getattr(coursedir, f"{name}_directory") for name in names)


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(
        output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
    )


def _size(content: dict) -> int:
    if "text" in content:
        return len(content["text"])
    if "data" in content:
        return sum(len(str(value)) for value in content["data"].values())
    if "traceback" in content:
        return len(content.get("evalue", "")) + sum(len(line) for line in content["traceback"])
    return 0


class SandboxedExecute(Execute):
    """nbgrader's Execute, in a sandboxed kernel, with output caps and kernel-death recovery."""

    max_output_bytes = Integer(
        1_000_000, help="Output kept per cell (bytes); the rest is replaced by a note."
    ).tag(config=True)
    max_kernel_restarts = Integer(
        6,
        help="How often a notebook is run again after a cell killed its kernel or could not be "
        "interrupted (that cell is then skipped and shows an error).",
    ).tag(config=True)
    memory_limit = Integer(4 << 30, help="Address-space limit of a kernel (bytes).").tag(
        config=True
    )
    file_size_limit = Integer(64 << 20, help="Largest file a kernel may write (bytes).").tag(
        config=True
    )
    tmpfs_size = Integer(256 << 20, help="Size of a kernel's private /tmp (bytes).").tag(
        config=True
    )
    process_limit = Integer(256, help="Processes and threads a kernel may run.").tag(config=True)
    require_isolation = Bool(
        False,
        help="Refuse to grade when the full sandbox (root, namespaces) is not available, instead "
        "of running kernels as the instructor in a private folder.",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxKernelManager
        super().__init__(*args, **kwargs)
        self._skip: dict[int, NotebookNode] = {}
        self._running: int | None = None
        self._output_bytes: dict[int, int] = {}
        self._truncated: set[tuple] = set()

    # --- the sandbox -----------------------------------------------------------------------------

    def sandbox_settings(self) -> SandboxSettings:
        db_url = ((self.resources or {}).get("nbgrader") or {}).get("db_url")
        return SandboxSettings(
            memory_bytes=self.memory_limit,
            file_bytes=self.file_size_limit,
            tmpfs_bytes=self.tmpfs_size,
            processes=self.process_limit,
            require_isolation=self.require_isolation,
            hide=course_paths_to_hide(course_root_of(self), db_url, course_folders_of(self))
            + self._exchange(),
        )

    def _exchange(self) -> tuple[str, ...]:
        """nbgrader's exchange folder (students' submissions in transit), if there is one."""
        configured = self.config.get("Exchange", {}).get("root")
        root = Path(configured or "/srv/nbgrader/exchange")
        return (str(root),) if root.is_dir() else ()

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.sandbox = self.sandbox_settings()
        return km

    # --- output caps -----------------------------------------------------------------------------

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = _size(content)
        used = self._output_bytes.get(cell_index, 0)
        limit = self.max_output_bytes
        if limit < 0 or used + size <= limit:
            self._output_bytes[cell_index] = used + size
            return super().output(outs, msg, display_id, cell_index)
        msg = copy.copy(msg)
        kind = (msg["msg_type"], content.get("name"))
        note = TRUNCATED.format(limit=limit)
        if msg["msg_type"] == "error":  # always kept: it decides the grade
            evalue = content.get("evalue", "")[: max(limit // 2, 1000)]
            msg["content"] = {
                **content,
                "evalue": evalue,
                "traceback": [f"{content['ename']}: {evalue}"],
            }
            return super().output(outs, msg, display_id, cell_index)
        if (cell_index, kind) in self._truncated:
            return None
        self._truncated.add((cell_index, kind))
        room = max(limit - used, 0)
        if msg["msg_type"] == "stream":  # one note per stream: stderr still counts as stderr
            msg["content"] = {**content, "text": content.get("text", "")[:room] + note}
        else:
            msg["content"] = {**content, "data": {"text/plain": note.strip()}, "metadata": {}}
        self._output_bytes[cell_index] = limit
        return super().output(outs, msg, None, cell_index)

    # --- kernel death and cells that cannot be interrupted ---------------------------------------

    def preprocess_cell(self, cell, resources, index):
        if index in self._skip:
            cell.outputs = [copy.deepcopy(self._skip[index])]
            cell.execution_count = None
            return cell, resources
        self._running = index  # still set when the cell raises DeadKernelError
        cell, resources = super().preprocess_cell(cell, resources, index)
        self._running = None
        return cell, resources

    def preprocess(self, nb, resources=None, km=None):
        original = copy.deepcopy(nb)
        self._skip = {}
        for attempt in range(self.max_kernel_restarts + 1):
            work = nb if attempt == 0 else copy.deepcopy(original)
            self._running = None
            self._output_bytes, self._truncated = {}, set()
            try:
                return super().preprocess(work, resources, km)
            except (DeadKernelError, CellTimeoutError) as error:
                index = self._running
                if index is None:
                    raise
                self._skip[index] = self._explain(error, attempt)
                self.log.warning(
                    "Cell %s %s; running the notebook again without it",
                    index,
                    "killed the kernel" if isinstance(error, DeadKernelError) else "hung",
                )
                last_run = work
        # Still failing: keep what ran, and fail every cell that could not run.
        for index, cell in enumerate(last_run.cells):
            if cell.cell_type == "code" and index >= max(self._skip):
                not_run = _error_output(
                    "NotRun", "The kernel died too often; this cell did not run."
                )
                cell.outputs = [self._skip.get(index) or not_run]
        return last_run, self.resources

    def _explain(self, error: Exception, attempt: int) -> NotebookNode:
        if isinstance(error, DeadKernelError):
            return _error_output(
                "DeadKernelError",
                "The kernel died while this cell was running (did it call os._exit, exit the "
                "process or run out of memory?). The notebook was run again without this cell.",
            )
        return _error_output(
            "CellTimeoutError",
            f"This cell ran for more than {self.timeout} s and could not be interrupted. The "
            "notebook was run again without this cell.",
        )


class RestoreMissingCells(OverwriteCells):
    """nbgrader's OverwriteCells; deleted test cells and locked code cells come back in place."""

    def _source_order(self, names: list[str]) -> list[str]:
        """Cell order of the released notebook (the gradebook does not keep one)."""
        root = course_root_of(self)
        for stage in ("release", "source"):
            path = root / stage / self.assignment_id / f"{self.notebook_id}.ipynb"
            if path.exists():
                nb = nbformat.read(path, as_version=4)
                order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
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
            present = {
                c.metadata["nbgrader"]["grade_id"]: i
                for i, c in enumerate(nb.cells)
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            }
            if name in present:
                continue
            self.log.warning("Missing cell %s: put back where it was", name)
            before = [present[n] for n in order[: order.index(name)] if n in present]
            position = max(before) + 1 if before else 0
            nb.cells.insert(position, self._restored(source_cells[name], grade_cells, solution_ids))
        return nb, resources


class FeedbackWithoutHiddenTests(NbGraderPreprocessor):
    """Feedback that shows what each test observed but not the code of hidden tests.

    In a test cell that holds hidden tests, the hidden region is removed (nbgrader's own
    ClearHiddenTests) and an error keeps only its message, not the traceback frames that quote
    the test's code. A test that failed only because it wrote to stderr gets a note saying so.
    """

    def preprocess(self, nb, resources):
        self._clear = ClearHiddenTests(parent=self, enforce_metadata=False)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            return cell, resources
        hidden = self._clear._remove_hidden_test_region(cell)
        errors = [o for o in cell.outputs if o.output_type == "error"]
        for output in errors:
            if hidden:
                output.traceback = [f"{output.ename}: {output.evalue}"]
        wrote_stderr = any(
            o.output_type == "stream" and o.get("name") == "stderr" for o in cell.outputs
        )
        if wrote_stderr and not errors:
            note = (
                "This test scored 0 because something was written to stderr while it ran "
                "(a warning, or output of your code): nbgrader counts any stderr as a failure."
            )
            cell.outputs.append(
                NotebookNode(
                    output_type="display_data",
                    metadata={},
                    data={"text/plain": note, "text/html": f"<p><b>{note}</b></p>"},
                )
            )
        return cell, resources
