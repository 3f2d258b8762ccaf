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


# Lesson 8's practice exercises have check cells. Run each check on the exercise's worked solution
# (taken from the lesson's own "Worked solution" block) and on a wrong answer, in one kernel: the
# solution must get only ✔ lines, the wrong answer at least one ✘ naming the promise it broke.

LESSON_8 = REPO / "notebooks" / "08_async_django_in_production.ipynb"
WORKED_SOLUTION = re.compile(r"<summary>Worked solution</summary>\s*```python\n(.*?)```", re.S)
CHECK_CELL = re.compile(r"# Question (\d): check")
WRONG_ANSWERS = {
    # POST only, and cacheable
    "1": (
        "from django.views.decorators.http import require_POST\n\n\n"
        "@require_POST\n"
        "async def remove_item(request, item_id):\n"
        '    return JsonResponse({"removed": item_id})\n',
        ["POST and DELETE are answered with 200", "never cached"],
    ),
    # never caches
    "2": (
        "async def author_count(request):\n"
        '    return JsonResponse({"authors": await Author.objects.acount(), "cached": False})\n',
        ["second answer", 'the count is cached under "author-count"'],
    ),
    # a test that only checks the answer passes for the sequential and the blocking view too
    "3": (
        "class PricesTests(SimpleTestCase):\n"
        "    together = True\n"
        "    blocking = False\n\n"
        "    async def test_answer(self):\n"
        "        view = make_prices(fake_price, together=self.together, blocking=self.blocking)\n"
        '        response = await view(arf.get("/prices/"))\n'
        "        self.assertEqual(json.loads(response.content), EXPECTED_PRICES)\n",
        ["fails for the wrong view (SequentialPricesTests)", "(BlockingPricesTests)"],
    ),
}
PROMISES_PER_CHECK = {"1": 5, "2": 4, "3": 3}


def _verdicts(cell) -> list[str]:
    return [line for line in stream(cell, "stdout").splitlines() if line[:1] in "✔✘"]


def test_08_practice_checks_pass_the_worked_solutions_and_catch_wrong_answers():
    lesson = read_notebook(LESSON_8)
    code_cells = [cell for cell in lesson.cells if cell.cell_type == "code"]
    (practice_setup,) = [c for c in code_cells if c.source.startswith("# Practice set-up")]
    provided = [c for c in code_cells if re.match(r"# Question \d: provided", c.source)]
    cells = [lesson.cells[0], practice_setup, *provided]
    runs = []  # (question, "right" or "wrong", index of its check cell)
    last_solution = None
    for cell in lesson.cells:
        if cell.cell_type == "markdown" and (found := WORKED_SOLUTION.search(cell.source)):
            last_solution = found[1]
        elif cell.cell_type == "code" and (check := CHECK_CELL.match(cell.source)):
            question = check[1]
            for kind, answer in (("right", last_solution), ("wrong", WRONG_ANSWERS[question][0])):
                cells.append(nbformat.v4.new_code_cell(answer))
                cells.append(nbformat.v4.new_code_cell(cell.source))
                runs.append((question, kind, len(cells) - 1))
    assert [question for question, _, _ in runs] == ["1", "1", "2", "2", "3", "3"]

    nb = execute(nbformat.v4.new_notebook(cells=cells, metadata=lesson.metadata), timeout=120)
    for cell in nb.cells:
        assert not errors(cell), f"{errors(cell)[0].ename}: {errors(cell)[0].evalue}\n{cell.source}"
        assert stream(cell, "stderr") == "", stream(cell, "stderr")
    for question, kind, index in runs:
        verdicts = _verdicts(nb.cells[index])
        if kind == "right":
            assert verdicts and all(v.startswith("✔") for v in verdicts), (question, verdicts)
            assert len(verdicts) == PROMISES_PER_CHECK[question], (question, verdicts)
        else:
            failed = "\n".join(v for v in verdicts if v.startswith("✘"))
            for promise in WRONG_ANSWERS[question][1]:
                assert promise in failed, (question, promise, verdicts)
