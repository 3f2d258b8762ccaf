"""An example class: realistic submissions for an assignment, each with the grades it must get.

Used by ``make demo`` and by the tests of parallel grading, the report and hostile submissions.
A class of ``size`` students (40 by default) with stable, readable ids (``s01-ada`` ...) mixes:

* **full**: every answer right (the catalogue's right answers, in turn);
* **partial**: the catalogue's wrong answers — the catalogue's own mixed submissions
  (:func:`autograder.instructor.catalogue.submissions`) and single wrong answers;
* **empty**: the released notebook as it was handed out;
* **broken**: a syntax error in an answer cell, noise on stderr, megabytes of output, a test cell
  deleted (nbgrader puts it back and grades it);
* **hostile**: the catalogue's hostile answers (patched clocks and grading helpers, frame walks,
  faked output...: each earns what its honest part earns), a test cell edited to ``pass`` or
  tagged to be skipped, an answer cell that loops
  forever, one that cannot even be interrupted, one that kills its kernel (``os._exit``), and
  "vandals" that try to rewrite the gradebook and other students' notebooks, reach the network
  and signal other processes.

Every submission says which tests must pass (``expected``): what the honest part of the notebook
earns. A hostile cell costs only the tests of the answer it sits in; the vandals' attacks fail
and cost nothing (their answers are right). Vandals need the sandbox: without it they would
really damage the course folder, so ``vandals=False`` leaves them out.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.instructor import catalogue
from autograder.instructor import notebook_cells as cells
from autograder.instructor.notebook_runner import with_answers

NAMES = (
    "ada",
    "alan",
    "barbara",
    "claude",
    "dennis",
    "donald",
    "edsger",
    "frances",
    "grace",
    "guido",
    "hedy",
    "ida",
    "jean",
    "john",
    "ken",
    "leslie",
    "linus",
    "margaret",
    "mary",
    "niklaus",
    "radia",
    "richard",
    "rosalind",
    "shafi",
    "sophie",
    "tim",
    "tony",
    "vint",
    "whitfield",
    "yukihiro",
    "adele",
    "annie",
    "bjarne",
    "carol",
    "dorothy",
    "evelyn",
    "fran",
    "gordon",
    "hal",
    "ivan",
    "joan",
    "karen",
    "larry",
    "lynn",
    "marvin",
    "olga",
    "peter",
    "ruth",
    "susan",
    "ted",
)

KINDS = ("full", "partial", "empty", "broken", "hostile")


@dataclass
class ExampleSubmission:
    """One student's notebook of the example class and what each of its tests must score."""

    student: str
    assignment: str
    kind: str  # one of KINDS
    description: str
    answers: dict[str, str]
    expected: dict[str, bool]  # test grade_id -> passes
    edit: Callable[[nbformat.NotebookNode], None] | None = field(default=None, repr=False)
    vandal: bool = False

    def notebook(self, release_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
        nb = with_answers(release_nb, self.answers)
        if self.edit is not None:
            self.edit(nb)
        return nb

    def points(self, max_points: dict[str, float]) -> float:
        return sum(max_points[t] for t, passes in self.expected.items() if passes)


# --- answer cells a student might write ---

INFINITE_LOOP = """\
# An answer that never finishes: the loop runs before the view is defined.
while True:
    pass
"""

UNINTERRUPTIBLE_LOOP = """\
# A loop that ignores interrupts: nbgrader cannot stop it, only kill the kernel.
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    try:
        pass
    except BaseException:
        pass
"""

KILLS_KERNEL = """\
# An answer that ends the kernel process outright.
import os

os._exit(3)
"""

SYNTAX_ERROR = """\
async def {name}(request)
    return None
"""

STDERR_NOISE = """\
import logging
import os
import sys
import warnings

print("debugging: defining the view", file=sys.stderr)
os.write(2, b"low-level noise on file descriptor 2\\n")
logging.getLogger("student").warning("a warning through logging")
warnings.warn("a warning of the student's own", stacklevel=1)
"""

MEGABYTES = """\
# Prints 5 MB while the cell runs; the grader keeps the first megabyte.
for _ in range(5):
    print("x" * 1_000_000)
"""


def vandal_code(course_root: Path, assignment: str) -> str:
    """What a student who wants to change grades might try, from an answer cell."""
    return textwrap.dedent(f"""\
        # Tries to rewrite the gradebook and other students' work; reports what worked.
        import glob as _glob
        import os as _os
        import pathlib as _pathlib
        import signal as _signal
        import socket as _socket
        import sqlite3 as _sqlite3

        _root = _pathlib.Path({str(course_root)!r})
        _done = []
        for _db in (_root / "gradebook.db", _pathlib.Path("../../../gradebook.db")):
            try:
                with _sqlite3.connect(_db, timeout=1) as _c:
                    _c.execute("UPDATE grade SET auto_score = 0, manual_score = 0")
                _done.append(f"rewrote {{_db}}")
            except Exception as _e:
                _done.append(f"{{_db}}: {{type(_e).__name__}}")
        for _pattern in ("submitted/*/*/*.ipynb", "autograded/*/*/*.ipynb", "source/*/*.ipynb"):
            for _path in _glob.glob(str(_root / _pattern)):
                try:
                    with open(_path, "a") as _f:
                        _f.write(" ")
                    _done.append(f"changed {{_path}}")
                except OSError as _e:
                    _done.append(f"{{_path}}: {{type(_e).__name__}}")
        for _folder in ("submitted/zz-planted/{assignment}", "feedback/zz-planted"):
            try:
                _os.makedirs(_root / _folder, exist_ok=True)
                (_root / _folder / "{assignment}.ipynb").write_text("{{}}")
                _done.append(f"planted {{_folder}}")
            except OSError as _e:
                _done.append(f"{{_folder}}: {{type(_e).__name__}}")
        try:
            _socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
            _done.append("reached 127.0.0.1:5432")
        except OSError as _e:
            _done.append(f"127.0.0.1:5432: {{type(_e).__name__}}")
        for _pid in [p for p in _os.listdir("/proc") if p.isdigit()]:
            if int(_pid) != _os.getpid():
                try:
                    _os.kill(int(_pid), _signal.SIGKILL)
                    _done.append(f"killed {{_pid}}")
                except OSError as _e:
                    _done.append(f"kill {{_pid}}: {{type(_e).__name__}}")
        print("vandal:", _done)
        """)


# --- notebook edits ---


def delete_cells(*grade_ids: str) -> Callable:
    def edit(nb):
        nb.cells = [c for c in nb.cells if cells.grade_id(c) not in grade_ids]

    return edit


def replace_cells(grade_ids: list[str], source: str) -> Callable:
    def edit(nb):
        for cell in nb.cells:
            if cells.grade_id(cell) in grade_ids:
                cell.source = source

    return edit


def tag_every_cell(*tags: str) -> Callable:
    def edit(nb):
        for cell in nb.cells:
            cell.metadata["tags"] = list(tags)

    return edit


# --- the class ---


def _expected(all_tests: list[str], broken: dict[str, bool | set[str] | None]) -> dict[str, bool]:
    """Which tests pass when the answers in ``broken`` fail (True: all their tests; a set:
    those tests; None: every test of the notebook)."""
    expected = {}
    for test in all_tests:
        passes = True
        for answer, failing in broken.items():
            if failing is None:  # tampering: every test of the notebook fails
                passes = False
            elif test.startswith(f"test_{answer}_") and (failing is True or test in failing):
                passes = False
        expected[test] = passes
    return expected


def example_class(
    assignment: str,
    source_nb: nbformat.NotebookNode,
    release_nb: nbformat.NotebookNode,
    size: int = 40,
    hangs: bool = True,
    vandals: bool = True,
    course_root: Path | None = None,
) -> list[ExampleSubmission]:
    """The example class of ``assignment`` (see the module docstring), ``size`` students.

    ``hangs``: include the two answers that run until the cell time limit (each costs a worker
    that long). ``vandals``: include the attacks on the course folder (needs the sandbox and
    ``course_root``, the folder they attack).
    """
    loaded = catalogue.load(assignment)
    answers = catalogue.answer_ids(source_nb)
    tests = catalogue.tests_of(source_nb)
    rights = {a: [v for v in loaded[a] if v.right] for a in answers}
    right = {a: vs[0].source for a, vs in rights.items()}
    victim, other = answers[0], answers[-1]
    victim_tests = catalogue.tests_of(source_nb, victim)
    everything_passes = _expected(tests, {})
    made: list[tuple[str, str, dict, dict, Callable | None, bool]] = []

    def add(kind, description, chosen, expected, edit=None, vandal=False):
        made.append((kind, description, {**right, **chosen}, expected, edit, vandal))

    # Hostile and broken first: every class has all of them.
    add(
        "broken",
        f"syntax error in {victim}",
        {victim: SYNTAX_ERROR.format(name=victim)},
        _expected(tests, {victim: True}),
    )
    add(
        "broken",
        f"noise on stderr while {victim} is defined",
        {victim: STDERR_NOISE + "\n\n" + right[victim]},
        everything_passes,
    )
    add(
        "broken",
        f"prints 5 MB while {victim} is defined",
        # (the answer first: a busy machine may take the cell's whole minute to print it all)
        {victim: right[victim] + "\n\n" + MEGABYTES},
        everything_passes,
    )
    add(
        "broken",
        f"deleted the set-up cell and the test cell {victim_tests[0]} (both put back)",
        {},
        everything_passes,
        delete_cells("setup", victim_tests[0]),
    )
    wrong = next(v for v in loaded[victim] if not v.right and v.fails is not None and not v.hostile)
    add(
        "hostile",
        f"{wrong.label}, and its tests edited to `pass`",
        {victim: wrong.source},
        _expected(tests, {victim: set(wrong.fails)}),
        replace_cells(victim_tests, "pass"),
    )
    add(
        "hostile",
        f"{wrong.label}, every cell tagged skip-execution",
        {victim: wrong.source},
        _expected(tests, {victim: set(wrong.fails)}),
        tag_every_cell("skip-execution", "raises-exception"),
    )
    add(
        "hostile",
        f"{other} kills its kernel (os._exit)",
        {other: KILLS_KERNEL + "\n" + right[other]},
        _expected(tests, {other: True}),
    )
    if hangs:
        add(
            "hostile",
            f"{victim} loops forever",
            {victim: INFINITE_LOOP + "\n" + right[victim]},
            _expected(tests, {victim: True}),
        )
        add(
            "hostile",
            f"{other} loops and ignores interrupts",
            {other: UNINTERRUPTIBLE_LOOP + "\n" + right[other]},
            _expected(tests, {other: True}),
        )
    if vandals:
        if course_root is None:
            raise ValueError("vandals need the course_root they attack")
        add(
            "hostile",
            f"vandal in {victim}: gradebook, other students, network, processes",
            {victim: vandal_code(course_root, assignment) + "\n\n" + right[victim]},
            everything_passes,
            vandal=True,
        )
    # The catalogue's own submissions: its mixes, its tampering answers, the empty notebook.
    for sub in catalogue.submissions(assignment, source_nb, release_nb):
        kind = (
            "empty"
            if sub.student == "empty"
            else (
                "hostile"
                if sub.student.startswith("alone")
                else "full"
                if all(sub.expected.values())
                else "partial"
            )
        )
        description = (
            "the released notebook, untouched"
            if kind == "empty"
            else " ".join(v for v in sub.variants)
        )
        made.append((kind, description, sub.answers, sub.expected, None, False))
    # Fill up with full marks (right answers in turn) and single wrong answers.
    singles = [
        v
        for a in answers
        for v in loaded[a]
        if not v.right and v.fails is not None and not v.hostile
    ]
    fulls = ({a: vs[k % len(vs)] for a, vs in rights.items()} for k in itertools.count(1))
    single = iter(singles)
    while len(made) < size:
        variant = next(single, None)
        if variant is not None and len(made) % 3:
            add(
                "partial",
                variant.label,
                {variant.answer: variant.source},
                _expected(tests, {variant.answer: set(variant.fails)}),
            )
        else:
            chosen = next(fulls)
            add(
                "full",
                " ".join(v.label for v in chosen.values()),
                {a: v.source for a, v in chosen.items()},
                everything_passes,
            )
    made = made[:size]
    return [
        ExampleSubmission(
            f"s{i:02d}-{NAMES[(i - 1) % len(NAMES)]}",
            assignment,
            kind,
            description,
            chosen,
            expected,
            edit,
            vandal,
        )
        for i, (kind, description, chosen, expected, edit, vandal) in enumerate(made, start=1)
    ]


def notebook_path(root: Path, stage: str, assignment: str, student: str | None = None) -> Path:
    folder = root / stage / student if student else root / stage
    return folder / assignment / f"{assignment}.ipynb"


def submit_example_class(root: Path, assignment: str, **options) -> list[ExampleSubmission]:
    """Write the example class of ``assignment`` to ``root``/submitted/ (released course)."""
    source = catalogue.read_notebook(notebook_path(root, "source", assignment))
    release = catalogue.read_notebook(notebook_path(root, "release", assignment))
    options.setdefault("course_root", root)
    made = example_class(assignment, source, release, **options)
    for submission in made:
        path = notebook_path(root, "submitted", assignment, submission.student)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(submission.notebook(release), path)
        # What nbgrader's exchange writes with every submission; formgrader shows it.
        (path.parent / "timestamp.txt").write_text(SUBMITTED_AT)
    _add_to_roster(root, [submission.student for submission in made])
    return made


# The example class's submission time, and names for its roster (formgrader lists students by
# name: without a roster it shows "None, None").
SUBMITTED_AT = "2026-11-20 17:00:00.000000 UTC"
FIRST_NAMES = ("Ada", "Alan", "Barbara", "Dennis", "Edsger", "Frances", "Grace", "Guido")
LAST_NAMES = ("Hopper", "Kay", "Liskov", "Ritchie", "Turing")


def _add_to_roster(root: Path, students: list[str]) -> None:
    """Give the example students names in the course's SQLite gradebook, when it has one."""
    gradebook_file = root / "gradebook.db"
    if not gradebook_file.exists():
        return
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gradebook_file}") as gradebook:
        for index, student in enumerate(students):
            gradebook.update_or_create_student(
                student,
                first_name=FIRST_NAMES[index % len(FIRST_NAMES)],
                last_name=LAST_NAMES[index // len(FIRST_NAMES) % len(LAST_NAMES)],
            )


def max_points(source_nb: nbformat.NotebookNode) -> dict[str, float]:
    return {
        cells.grade_id(cell): float(cells.nbgrader_of(cell).get("points", 0))
        for cell in source_nb.cells
        if cells.is_test(cell)
    }
