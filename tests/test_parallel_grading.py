"""Parallel autograding leaves the gradebook, the autograded notebooks and the feedback exactly as
sequential ``nbgrader autograde`` does, is faster, survives SQLite's locking, and works with a
PostgreSQL gradebook."""

from __future__ import annotations

import html
import multiprocessing
import os
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.instructor import catalogue, example_class, grading, parallel
from autograder.instructor import notebook_cells as cells
from tests import pg
from tests.grading_helpers import (
    files_under,
    grade_cli,
    gradebook_dump,
    normalized_notebook,
)

pytestmark = [pytest.mark.grading, pytest.mark.slow]

ASSIGNMENT = "ps1_async_views"
SCORE = re.compile(r"Score: [\d.]+ / [\d.]+")


def _sqlite(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


@pytest.fixture(scope="module")
def two_runs(graded_ps1_class, tmp_path_factory):
    """The same class graded twice: by ``grade --jobs 3`` (the run's shared graded class,
    tests/conftest.py), and here by plain ``nbgrader autograde`` on a copy of it as submitted.

    The class has the catalogue's mixes and tampering answers, an empty notebook, and the broken
    and hostile notebooks that need no time limit (syntax error, stderr noise, 5 MB of output,
    a deleted test cell, an edited and a tagged test cell, a kernel killed by os._exit).
    """
    base = tmp_path_factory.mktemp("runs")
    sequential = base / "sequential"
    shutil.copytree(graded_ps1_class.pristine, sequential)
    started = time.perf_counter()
    grading.nbgrader("autograde", ASSIGNMENT, "--force", course_root=sequential)
    sequential_seconds = time.perf_counter() - started
    grading.nbgrader("generate_feedback", ASSIGNMENT, "--force", course_root=sequential)
    yield {
        "made": graded_ps1_class.made,
        "sequential": sequential,
        "parallel": graded_ps1_class.root,
        "cli": graded_ps1_class.cli,
        "seconds": (sequential_seconds, graded_ps1_class.seconds),
    }
    shutil.rmtree(base, ignore_errors=True)


def test_the_command_grades_every_submission_and_says_so(two_runs):
    result = two_runs["cli"]
    assert result.returncode == 0, result.stdout + result.stderr
    made = two_runs["made"]
    assert f"{len(made)} of {len(made)} submissions autograded" in result.stdout
    assert f"{len(made)}/{len(made)}" in result.stderr  # the progress bar's last state
    assert "kernels: " in result.stdout


def test_every_submission_gets_the_grade_it_must_get(two_runs):
    for run in ("sequential", "parallel"):
        graded = grading.scores(two_runs[run], ASSIGNMENT)
        wrong = grading.wrong_grades(graded, two_runs["made"], two_runs[run], ASSIGNMENT)
        assert not wrong, f"{run}:\n" + "\n".join(wrong)


def test_the_gradebook_ends_up_as_after_sequential_grading(two_runs):
    sequential = gradebook_dump(_sqlite(two_runs["sequential"]), ASSIGNMENT)
    concurrent = gradebook_dump(_sqlite(two_runs["parallel"]), ASSIGNMENT)
    assert sequential["students"] == concurrent["students"]
    assert set(sequential["submissions"]) == {s.student for s in two_runs["made"]}
    for student, expected in sequential["submissions"].items():
        assert concurrent["submissions"][student] == expected, student


def test_autograded_notebooks_and_feedback_are_the_same(two_runs):
    sequential, concurrent = two_runs["sequential"], two_runs["parallel"]
    for stage in ("autograded", "feedback"):
        assert files_under(sequential / stage) == files_under(concurrent / stage), stage
    # A submission marked erratic in the catalogue fails the same tests each time, but not
    # always with the same words: its test cells are compared by what failed, not by the text.
    erratic_sources = catalogue.erratic_sources(ASSIGNMENT)
    erratic = {s.student for s in two_runs["made"] if set(s.answers.values()) & erratic_sources}
    for path in sorted((sequential / "autograded").rglob("*.ipynb")):
        twin = concurrent / path.relative_to(sequential)
        student = path.parent.parent.name
        ours, theirs = (
            normalized_notebook(p, outcomes_only=student in erratic) for p in (path, twin)
        )
        assert len(ours) == len(theirs), path.parent.parent.name
        differ = [(i, a, b) for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
        assert not differ, (path.parent.parent.name, differ[:1])
    for path in sorted((sequential / "feedback").rglob("*.html")):
        twin = concurrent / path.relative_to(sequential)
        scores = [SCORE.findall(p.read_text()) for p in (path, twin)]
        assert scores[0] and scores[0] == scores[1], path.parent.parent.name


def test_parallel_grading_is_clearly_faster(two_runs):
    sequential_seconds, parallel_seconds = two_runs["seconds"]
    # Expected about 2.5x with 3 workers on 2 cores; the margin leaves room for a busy machine.
    assert parallel_seconds < 0.8 * sequential_seconds, two_runs["seconds"]


# --- feedback ---


def _failing(root: Path, test: str) -> list[str]:
    graded = grading.scores(root, ASSIGNMENT)
    return sorted(s for s, cells in graded.items() if not cells[test].passed)


def _feedback_text(root: Path, student: str) -> str:
    """The words of a student's feedback page: tags (the code's highlighting) and line breaks
    (tracebacks are wrapped to fit) taken out."""
    page = grading.notebook_path(root, "feedback", ASSIGNMENT, student).with_suffix(".html")
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page.read_text())).split())


def test_feedback_shows_what_failed_tests_observed_but_not_hidden_test_code(two_runs):
    root = two_runs["parallel"]
    hidden, visible = "test_greet_rejects_bad_delay", "test_greet_answers"
    students = [s for s in _failing(root, hidden) if s in _failing(root, visible)]
    assert students, "the class should have a student failing both tests"
    for student in students:
        nb = nbformat.read(grading.notebook_path(root, "autograded", ASSIGNMENT, student), 4)
        # the instructor's copy has it all
        assert f'check("{hidden}", greet)' in cells.by_grade_id(nb, hidden).source
        text = _feedback_text(root, student)
        assert "BEGIN HIDDEN TESTS" not in text, student
        assert f'check("{hidden}"' not in text, student
        assert "Hidden test: a delay that is not a finite number" in text  # the docstring stays
        assert f'check("{visible}", greet)' in text  # visible tests stay visible
        # What the failed hidden test observed is in the feedback, as it is in the notebook.
        cell = cells.by_grade_id(nb, hidden)
        observed = [o.evalue.splitlines()[0] for o in cell.outputs if o.output_type == "error"]
        assert observed and all(" ".join(line.split()) in text for line in observed), student


# --- the gradebook lock ---


def _hold_gradebook(db_url, lock_path, opened, release):
    parallel.serialize_gradebook_sessions(lock_path)
    from nbgrader.api import Gradebook

    with Gradebook(db_url):
        opened.set()
        release.wait(30)


def _open_gradebook(db_url, lock_path, opened):
    parallel.serialize_gradebook_sessions(lock_path)
    from nbgrader.api import Gradebook

    with Gradebook(db_url):
        opened.set()


def test_gradebook_sessions_of_two_processes_never_overlap(tmp_path, monkeypatch):
    scripts = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", f"{scripts}:{os.environ['PATH']}")  # nbgrader runs `alembic`
    db_url = _sqlite(tmp_path)
    from nbgrader.api import Gradebook

    with Gradebook(db_url):  # create it
        pass
    lock = str(tmp_path / "gradebook.lock")
    context = multiprocessing.get_context("spawn")
    first_open, second_open, release = context.Event(), context.Event(), context.Event()
    first = context.Process(target=_hold_gradebook, args=(db_url, lock, first_open, release))
    second = context.Process(target=_open_gradebook, args=(db_url, lock, second_open))
    first.start()
    try:
        assert first_open.wait(60)
        second.start()
        assert not second_open.wait(2), "a second session opened while the first was open"
        release.set()
        assert second_open.wait(60), "the second session never opened"
    finally:
        release.set()
        first.join(60)
        if second.pid is not None:
            second.join(60)
    assert first.exitcode == 0 and second.exitcode == 0


# --- PostgreSQL ---


@pytest.mark.skipif(
    not pg.available(),
    reason="no PostgreSQL binaries here (.ci/run installs them: apt-get install postgresql)",
)
def test_parallel_grading_with_a_postgresql_gradebook(tmp_path):
    with pg.postgres_server() as db_url:
        root = tmp_path / "course"
        grading.new_course(root, [ASSIGNMENT], db_url=db_url)
        made = example_class.submit_example_class(
            root, ASSIGNMENT, size=10, hangs=False, vandals=False
        )
        option = f"--CourseDirectory.db_url={db_url}"
        result = grade_cli(ASSIGNMENT, root, option, jobs=3)
        assert result.returncode == 0, result.stdout + result.stderr
        assert not (root / "gradebook.db").exists(), "graded into SQLite instead of PostgreSQL"
        graded = grading.gradebook_scores(db_url, ASSIGNMENT)
        wrong = grading.wrong_grades(graded, made, root, ASSIGNMENT)
        assert not wrong, "\n".join(wrong)
        grading.run_nbgrader(
            "generate_feedback", ASSIGNMENT, "--force", course_root=root, db_url=db_url
        )
        assert len(list((root / "feedback").rglob("*.html"))) == len(made)


def test_the_command_refuses_an_assignment_the_gradebook_does_not_know(tmp_path):
    grading.new_course(tmp_path / "course", [ASSIGNMENT])
    result = grade_cli("no_such_assignment", tmp_path / "course")
    assert result.returncode != 0
    assert "generate_assignment no_such_assignment" in result.stderr, result.stderr


def test_more_workers_per_cpu_than_verdicts_stay_right_with_is_warned_of(monkeypatch):
    monkeypatch.setattr(parallel, "cpus", lambda: 2)
    assert parallel.default_jobs() == 4
    assert parallel.too_many_jobs(4) is None and parallel.too_many_jobs(6) is None
    warning = parallel.too_many_jobs(7)
    assert warning and "--jobs 7" in warning and "Use --jobs 4" in warning


def test_a_containers_cpu_quota_counts_as_its_cpus(tmp_path):
    assert parallel._cgroup_cpu_quota(tmp_path) is None  # no cgroup files: the affinity counts
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert parallel._cgroup_cpu_quota(tmp_path) is None  # no quota
    (tmp_path / "cpu.max").write_text("250000 100000\n")  # a pod's limits.cpu: "2.5"
    assert parallel._cgroup_cpu_quota(tmp_path) == 2.5
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("400000\n")  # cgroup v1
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert parallel._cgroup_cpu_quota(tmp_path) == 4.0


def test_unknown_plain_arguments_are_refused():
    with pytest.raises(SystemExit):
        parallel.main(["ps1_async_views", "--frobnicate"])
