"""Every lesson runs top to bottom in a fresh kernel; cells that show an error raise exactly it.

A cell that exists to show an error is tagged ``raises-exception`` and its first line says which:

    # raises: SynchronousOnlyOperation: You cannot call this from an async context - use a ...

(or ``# raises: TypeError`` alone when the message depends on the machine). Any other error, and
any output on stderr outside such cells, fails the lesson. Lessons must leave nothing running.
"""

import os
import re
import signal
import time
import uuid

import nbformat
import pytest

from autograder.instructor.catalogue import read_notebook
from autograder.instructor.paths import REPO
from tests.kernel import errors, execute, processes_marked, stream

pytestmark = pytest.mark.slow

LESSONS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
DECLARED = re.compile(r"#\s*raises:\s*(?P<name>[\w.]+)(?::\s*(?P<message>.*))?$")
TIMINGS: dict[str, float] = {}


def test_lessons_exist_in_teaching_order():
    numbers = [int(path.name[:2]) for path in LESSONS]
    assert numbers == list(range(1, len(LESSONS) + 1)) and len(LESSONS) >= 7


def _declared(cell):
    match = DECLARED.match(cell.source.splitlines()[0].strip()) if cell.source else None
    assert match, (
        f"a raises-exception cell must start with '# raises: Name: message':\n{cell.source}"
    )
    return match["name"].rsplit(".", 1)[-1], match["message"]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_runs_clean_in_a_fresh_kernel(path):
    mark = f"{path.stem}-{uuid.uuid4().hex}"
    started = time.perf_counter()
    nb = execute(read_notebook(path), timeout=120, mark=mark)
    TIMINGS[path.stem] = time.perf_counter() - started
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"{path.stem} cell {index}:\n{cell.source[:300]}"
        raised = errors(cell)
        if "raises-exception" in cell.metadata.get("tags", []):
            name, message = _declared(cell)
            assert len(raised) == 1, f"expected {name}, nothing was raised in {where}"
            assert raised[0].ename == name, f"raised {raised[0].ename}, not {name}, in {where}"
            if message:
                assert raised[0].evalue == message, f"message {raised[0].evalue!r} in {where}"
        else:
            assert not raised, f"{raised[0].ename}: {raised[0].evalue} in {where}"
            assert stream(cell, "stderr") == "", f"stderr {stream(cell, 'stderr')!r} in {where}"
    time.sleep(0.5)  # a server the lesson stopped in its last cell may take a moment to exit
    left = processes_marked(mark)
    assert not left, f"{path.stem} left processes running: {left}"


def test_a_process_a_notebook_leaves_running_is_found():
    # (in a session of its own, so it survives the kernel's process group)
    escapes = "import subprocess\nsubprocess.Popen(['sleep', '60'], start_new_session=True)"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(escapes)])
    mark = f"leaves-a-process-{uuid.uuid4().hex}"
    execute(nb, timeout=60, mark=mark)
    left = processes_marked(mark)
    try:
        assert [line.split(" ", 1)[1] for line in left] == ["sleep 60"]
    finally:
        for line in left:
            os.kill(int(line.split()[0]), signal.SIGKILL)
