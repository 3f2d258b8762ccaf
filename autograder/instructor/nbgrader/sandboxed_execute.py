"""``SandboxedExecute`` replaces nbgrader's ``Execute`` when autograding (nbgrader_config.py).

The same execution (nbclient, one kernel, cells in order, 60 s per cell, interrupt on timeout),
with four differences:

* the kernel is started in the sandbox of :mod:`autograder.instructor.sandbox.kernels`;
* **test cells are judged, not run**: at a test cell's turn the kernel only serves the cell's
  views while the judge (:mod:`autograder.judge.session`, in this process) runs the check, and
  the judge's verdict becomes the cell's output (``✔ evidence`` or a ``CheckFailed`` error, which
  nbgrader scores). The test cell's own code never reaches the kernel;
* a cell's stored output is capped;
* a cell that kills the kernel or cannot be interrupted no longer aborts the whole submission: it
  is recorded as an error in that cell and the notebook runs again without it, so every other
  cell earns what it earns. Stock nbgrader gives up on such a submission (no grade).
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, Unicode

from autograder.instructor import notebook_cells as cells
from autograder.instructor.nbgrader.course import course_folders_of, course_root_of, coursedir_of
from autograder.instructor.sandbox.kernels import (
    SandboxKernelManager,
    SandboxSettings,
    course_paths_to_hide,
)

TRUNCATED = "\n[... output truncated: this cell printed more than {limit} bytes ...]\n"


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(
        output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
    )


def _verdict_outputs(verdict) -> list[NotebookNode]:
    """The judge's verdict as the test cell's output: nbgrader scores an error as 0 points."""
    if verdict.passed:
        return [NotebookNode(output_type="stream", name="stdout", text=f"✔ {verdict.message}\n")]
    lines = verdict.message.splitlines() or [""]
    return [
        NotebookNode(
            output_type="error",
            ename="CheckFailed",
            evalue=verdict.message,
            traceback=[f"CheckFailed: {lines[0]}", *lines[1:]],
        )
    ]


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
        1,
        help="How often a notebook is run again after a cell killed its kernel or could not be "
        "interrupted (that cell is then skipped and shows an error). After that, the cells "
        "that did not run score nothing.",
    ).tag(config=True)
    notebook_timeout = Integer(
        300,
        help="Wall-clock budget of one notebook (seconds, re-runs included): cells that would "
        "start after it are not run and score nothing. 0: no budget.",
    ).tag(config=True)
    max_message_bytes = Integer(
        16 << 20,
        help="Largest message the grader accepts from a kernel (bytes): a bigger one is dropped "
        "by ZeroMQ before it is read, so the grader's memory stays bounded.",
    ).tag(config=True)
    memory_limit = Integer(
        4 << 30,
        help="Memory of a kernel and everything it starts, together (cgroup), and the "
        "address-space limit of each of its processes (bytes).",
    ).tag(config=True)
    private_folder_size = Integer(
        256 << 20, help="Size of a kernel's private working folder (a tmpfs; bytes)."
    ).tag(config=True)
    fresh_interpreter = Bool(
        False,
        help="Start each kernel as a new interpreter (exec) instead of forking it from the "
        "zygote: about 1.4 s of CPU more per notebook; nothing of the zygote's memory survives "
        "(it holds no secret: it is started with a bare environment and gets none).",
    ).tag(config=True)
    file_size_limit = Integer(64 << 20, help="Largest file a kernel may write (bytes).").tag(
        config=True
    )
    tmpfs_size = Integer(256 << 20, help="Size of a kernel's private /tmp (bytes).").tag(
        config=True
    )
    process_limit = Integer(256, help="Processes and threads a kernel may run.").tag(config=True)
    secret_file = Unicode(
        "",
        help="The course secret that seeds every submission's hidden test data (default: "
        ".autograder/secret in the course folder, made on first use; never shown to kernels).",
    ).tag(config=True)
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
            + self._exchange()
            + (str(self._secret_path().parent),),
            prepare=self._prepare_judge,
            assignment_files=self._assignment_files(),
            private_bytes=self.private_folder_size,
            fresh_interpreter=self.fresh_interpreter,
        )

    def _assignment_files(self) -> str | None:
        """The instructor's files of the assignment: its source folder."""
        assignment = ((self.resources or {}).get("nbgrader") or {}).get("assignment")
        coursedir = coursedir_of(self)
        if not assignment or coursedir is None:
            return None
        folder = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
        return str(folder) if folder.is_dir() else None

    # --- the judge -------------------------------------------------------------------------------

    def _secret_path(self) -> Path:
        return Path(self.secret_file) if self.secret_file else (
            course_root_of(self) / ".autograder" / "secret"
        )  # fmt: skip

    def _prepare_judge(self, private_dir: Path) -> dict[str, str]:
        """A judge session for the kernel about to start in ``private_dir``."""
        from autograder.judge.data import course_secret
        from autograder.judge.session import GradingSession

        self._stop_judge()
        ids = (self.resources or {}).get("nbgrader") or {}
        coursedir = coursedir_of(self)
        self._session = GradingSession(
            private_dir=private_dir,
            assignment=ids.get("assignment", ""),
            notebook=ids.get("notebook", ""),
            student=ids.get("student", ""),
            course_id=getattr(coursedir, "course_id", "") or "",
            secret=course_secret(self._secret_path()),
        )
        return self._session.kernel_environment()

    def _stop_judge(self) -> None:
        session, self._session = getattr(self, "_session", None), None
        if session is not None:
            session.stop()

    def _judged(self, cell, index: int) -> bool:
        """Judge a test cell: the kernel serves, the judge checks, the verdict is the output."""
        session = getattr(self, "_session", None)
        if session is None or not cells.is_test(cell):
            return False
        grade_id = cells.grade_id(cell) or ""
        spec = session.checks.get(grade_id)
        if spec is None:
            if not session.checks:
                return False  # an assignment without judge checks: nbgrader's own way
            verdict_outputs = [_error_output("CheckFailed", f"No check is defined for {grade_id}.")]
            cell.outputs, cell.execution_count = verdict_outputs, None
            return True

        def run_in_kernel(code: str) -> None:
            serving = nbformat.v4.new_code_cell(code)
            try:
                self.execute_cell(serving, index, store_history=False)
            finally:
                self.nb.cells[index] = cell  # nbclient puts the cell it ran in the notebook

        verdict = session.judge_cell(spec, self._kernel_pid(), run_in_kernel)
        if verdict.internal_error:
            self.log.error("The judge failed on %s: %s", grade_id, verdict.message)
        cell.outputs, cell.execution_count = _verdict_outputs(verdict), None
        return True

    def _kernel_pid(self) -> int:
        provisioner = self.km.provisioner
        pid = getattr(provisioner, "pid", None)
        if pid is None and getattr(provisioner, "process", None) is not None:
            pid = provisioner.process.pid
        return pid

    def _exchange(self) -> tuple[str, ...]:
        """nbgrader's exchange folder (students' submissions in transit), if there is one."""
        configured = self.config.get("Exchange", {}).get("root")
        root = Path(configured or "/srv/nbgrader/exchange")
        return (str(root),) if root.is_dir() else ()

    def create_kernel_manager(self):
        import zmq

        km = super().create_kernel_manager()
        km.sandbox = self.sandbox_settings()
        # Every socket of the client to come refuses messages over the limit (ZeroMQ drops
        # them, and the connection, before they are read): a 700 MB print costs the grader
        # nothing.
        km.context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
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
        if self._out_of_time():
            cell.outputs = [_error_output(
                "NotRun",
                f"The notebook ran out of its {self.notebook_timeout} s of grading time before "
                "this cell; it did not run.",
            )] if cell.cell_type == "code" else cell.get("outputs", [])  # fmt: skip
            cell.execution_count = None
            return cell, resources
        if index in self._skip:
            cell.outputs = [copy.deepcopy(self._skip[index])]
            cell.execution_count = None
            return cell, resources
        self._running = index  # still set when the cell raises DeadKernelError
        if self._judged(cell, index):
            self._running = None
            return cell, self.resources
        cell, resources = super().preprocess_cell(cell, resources, index)
        self._running = None
        return cell, resources

    def _out_of_time(self) -> bool:
        started = getattr(self, "_started", None)
        return (
            bool(self.notebook_timeout)
            and started is not None
            and (time.monotonic() - started > self.notebook_timeout)
        )

    def preprocess(self, nb, resources=None, km=None):
        self._started = time.monotonic()
        self.resources = resources  # read by sandbox_settings() and the judge before the kernel
        try:
            return self._preprocess(nb, resources, km)
        finally:
            self._stop_judge()

    def _preprocess(self, nb, resources=None, km=None):
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
