"""The intake: what a student puts in a submission folder (or in the exchange's inbound folder)
reaches grading only if it is a regular file the assignment declares.

The hostile catalogue is written as files, into ``submitted/`` of one course (graded by plain
``nbgrader autograde`` and then by ``python -m autograder grade``) and into the inbound folder of
an exchange of another (``nbgrader collect``, then ``python -m autograder grade``). For each
attack: the grade it gets, that no classmate's grade changes, that no planted secret (in the
solution, the gradebook, a root-only file) appears in any file under ``autograded/`` or
``feedback/``, that the refusal reaches the grade table, the report and the student's feedback,
and how long the intake took. The first tests check the reader itself on small folders.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder.instructor import catalogue, grading, intake
from autograder.instructor.intake import Intake
from autograder.instructor.paths import REPO
from tests.grading_helpers import grade_cli, gradebook_dump

pytestmark = pytest.mark.grading

A = "ps1_async_views"
NOTEBOOK = f"{A}.ipynb"
AS_ROOT = os.geteuid() == 0
SUBMITTED_AT = "2026-11-20 17:00:00.000000 UTC"
# Student uids for the exchange: far from real accounts and from the sandbox's kernel uids.
STUDENT_UID = 1_400_000_000
# Secrets a hostile submission would like to see. Markers: unique, so a hit is a leak.
SOLUTION_SECRET = f"solution-secret-{uuid.uuid4().hex}"
GRADEBOOK_SECRET = f"gradebook-secret-{uuid.uuid4().hex}"
ROOT_ONLY_SECRET = f"root-only-secret-{uuid.uuid4().hex}"
ALICE_MARK = f"alice-own-work-{uuid.uuid4().hex}"


def _shadow_line() -> str | None:
    try:
        return next((line for line in Path("/etc/shadow").read_text().splitlines() if line), None)
    except OSError:
        return None


# --- the reader on small folders -----------------------------------------------------------


def _take(folder: Path, tmp_path: Path, **traits):
    files = traits.pop("files", ["timestamp.txt", "data.csv", "data/"])
    result = Intake(**traits).take(
        str(folder.parent), [folder.name], tmp_path / "taken", [NOTEBOOK], files
    )
    return result, {r.path: r.reason for r in result.refused}


def _socket_at(path: Path) -> None:
    """A Unix socket file at ``path`` (bound where the path is short enough, then moved)."""
    short = Path(tempfile.mkdtemp(dir="/tmp")) / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(short))
    os.rename(short, path)
    short.parent.rmdir()


def _notebook_bytes(extra: str = "") -> bytes:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(extra or "hello")])
    return nbformat.writes(nb).encode()


@pytest.fixture
def submission(tmp_path):
    folder = tmp_path / "submitted" / "alice"
    folder.mkdir(parents=True)
    (folder / NOTEBOOK).write_bytes(_notebook_bytes())
    (folder / "timestamp.txt").write_text(SUBMITTED_AT)
    return folder


def test_only_declared_regular_files_are_taken_and_the_rest_is_refused_with_a_reason(
    submission, tmp_path
):
    secret = tmp_path / "secret"
    secret.write_text(ROOT_ONLY_SECRET)
    secret.chmod(0o600)
    (submission / "data.csv").write_text("a,b\n")
    (submission / "data").mkdir()
    (submission / "data" / "more.csv").write_text("c\n")
    (submission / "notes.txt").write_text("undeclared")
    (submission / "demo_project").mkdir()
    (submission / "demo_project" / "__init__.py").write_text("raise SystemExit")
    (submission / "shadow").symlink_to("/etc/shadow")
    (submission / "zero").symlink_to("/dev/zero")
    (submission / "secret-link").symlink_to(secret)
    os.link(secret, submission / "data" / "secret-hard-link")
    os.mkfifo(submission / "pipe")
    _socket_at(submission / "sock")
    (submission / ".ipynb_checkpoints").mkdir()
    (submission / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    skip = [".ipynb_checkpoints"]
    started = time.perf_counter()
    result = Intake().take(
        str(submission.parent),
        [submission.name],
        tmp_path / "taken",
        [NOTEBOOK],
        ["timestamp.txt", "data.csv", "data/"],
        skip,
    )
    seconds = time.perf_counter() - started
    refused = {r.path: r.reason for r in result.refused}
    assert sorted(result.accepted) == ["data.csv", "data/more.csv", NOTEBOOK, "timestamp.txt"]
    assert refused == {
        "data/secret-hard-link": "a hard link (the same file has 2 names, so it may be someone "
        "else's file)",
        "demo_project/": "a folder this assignment does not ask for",
        "notes.txt": "not a file of this assignment",
        "pipe": "a named pipe (FIFO), not a file",
        "secret-link": f"a symbolic link (to {str(secret)!r}); links are never followed",
        "shadow": "a symbolic link (to '/etc/shadow'); links are never followed",
        "sock": "a socket, not a file",
        "zero": "a symbolic link (to '/dev/zero'); links are never followed",
    }
    assert result.skipped == [".ipynb_checkpoints"]
    taken = sorted(str(p.relative_to(tmp_path / "taken")) for p in (tmp_path / "taken").rglob("*"))
    assert taken == ["data", "data.csv", "data/more.csv", NOTEBOOK, "timestamp.txt"]
    assert (tmp_path / "taken" / NOTEBOOK).read_bytes() == (submission / NOTEBOOK).read_bytes()
    assert not any(p.is_symlink() for p in (tmp_path / "taken").rglob("*"))
    assert seconds < 5, f"the intake took {seconds:.2f} s"


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda p, t: p.symlink_to(t / "elsewhere.ipynb"), "a symbolic link (to "),
        (lambda p, t: os.mkfifo(p), "a named pipe (FIFO), not a file"),
        (lambda p, t: os.link(t / "elsewhere.ipynb", p), "a hard link (the same file has 2 names"),
        (lambda p, t: p.write_bytes(_notebook_bytes("x" * (6 << 20))), "more than the limit of"),
        (lambda p, t: p.write_bytes(b"{not json"), "not a notebook: it is not valid JSON"),
        (lambda p, t: p.write_text('{"cells": 3}'), "not a notebook: it has no list of cells"),
    ],
    ids=["symlink", "fifo", "hard-link", "oversized", "not-json", "no-cells"],
)
def test_a_refused_notebook_is_said_to_score_zero(submission, tmp_path, make, reason):
    (tmp_path / "elsewhere.ipynb").write_bytes(_notebook_bytes(SOLUTION_SECRET))
    (submission / NOTEBOOK).unlink()
    make(submission / NOTEBOOK, tmp_path)
    result, refused = _take(submission, tmp_path)
    assert reason in refused[NOTEBOOK]
    assert result.accepted_notebooks == [] and result.refused_notebooks == [NOTEBOOK]
    [refusal] = [r for r in result.refused if r.path == NOTEBOOK]
    assert refusal.describe().endswith("not graded: it scores 0, as a missing notebook does")
    assert not (tmp_path / "taken" / NOTEBOOK).exists()


def test_a_submission_folder_that_is_a_link_is_refused_as_a_whole(submission, tmp_path):
    link = submission.parent / "mallory"
    link.symlink_to(submission)
    result, refused = _take(link, tmp_path)
    assert list(refused) == [""]
    assert refused[""].startswith("the submission folder 'mallory' is a symbolic link (to ")
    assert result.accepted == {} and result.refused_notebooks == [NOTEBOOK]
    assert list((tmp_path / "taken").iterdir()) == []


def test_caps_on_total_size_and_number_of_entries(submission, tmp_path):
    (submission / "data.csv").write_bytes(b"x" * 3000)
    result, refused = _take(submission, tmp_path, max_total_bytes=2000)
    assert refused == {
        "data.csv": "the submission's files add up to more than the limit of 2000 bytes"
    }
    for i in range(20):
        (submission / f"junk{i}").write_text("x")
    result, refused = _take(submission, tmp_path / "again", max_entries=10)
    assert list(refused) == [""] and "more than 10 files and folders" in refused[""]
    assert result.accepted == {}


@pytest.mark.skipif(not AS_ROOT, reason="only root can read as another user")
def test_as_root_a_submission_is_read_by_its_owner_or_by_nobody(submission, tmp_path):
    result, _ = _take(submission, tmp_path / "1")
    assert result.reader.startswith("nobody (uid ")
    student = STUDENT_UID + 7
    for path in [submission, *submission.rglob("*")]:
        os.lchown(path, student, student)
    result, _ = _take(submission, tmp_path / "2")
    assert result.reader == f"its owner (uid {student})"
    assert sorted(result.accepted) == [NOTEBOOK, "timestamp.txt"]
    # The owner cannot read what it could not read anyway; root does not read it for them.
    (submission / "timestamp.txt").chmod(0o000)
    os.chown(submission / "timestamp.txt", 0, 0)
    result, refused = _take(submission, tmp_path / "3")
    assert refused == {"timestamp.txt": "could not be opened: Permission denied"}


@pytest.mark.skipif(not AS_ROOT, reason="only root can read as another user")
def test_a_root_only_folder_is_read_by_root_when_nobody_may_not(submission, tmp_path):
    submission.chmod(0o700)
    result, refused = _take(submission, tmp_path)
    assert result.reader == "root (nobody (uid 65534) was not allowed to read it)"
    assert refused == {} and sorted(result.accepted) == [NOTEBOOK, "timestamp.txt"]


@pytest.mark.skipif(not AS_ROOT, reason="only root can give files to other users")
def test_a_hard_link_costs_the_student_who_made_it_not_the_classmate(tmp_path):
    """In the exchange, students own their files: a classmate who hard-links to a victim's
    notebook gives it a second name, but the victim's own file is still theirs."""
    inbound = tmp_path / "inbound"
    victim, linker = inbound / "victim", inbound / "linker"
    for folder, uid in ((victim, STUDENT_UID + 1), (linker, STUDENT_UID + 2)):
        folder.mkdir(parents=True)
        os.chown(folder, uid, uid)
    (victim / NOTEBOOK).write_bytes(_notebook_bytes(ALICE_MARK))
    os.chown(victim / NOTEBOOK, STUDENT_UID + 1, STUDENT_UID + 1)
    os.link(victim / NOTEBOOK, linker / NOTEBOOK)
    taken, refused = _take(victim, tmp_path / "v")
    assert taken.accepted_notebooks == [NOTEBOOK] and refused == {}
    taken, refused = _take(linker, tmp_path / "l")
    assert refused[NOTEBOOK].startswith("a hard link") and taken.accepted == {}


def test_in_a_folder_only_the_grader_writes_every_hard_link_is_refused(tmp_path):
    """The known cost: in submitted/ (written by root or the grader) the reader cannot tell the
    original from the link, so both names are refused. Students cannot write there."""
    first, second = tmp_path / "submitted" / "first", tmp_path / "submitted" / "second"
    first.mkdir(parents=True)
    second.mkdir()
    (first / NOTEBOOK).write_bytes(_notebook_bytes())
    os.link(first / NOTEBOOK, second / NOTEBOOK)
    for folder in (first, second):
        _, refused = _take(folder, tmp_path / folder.name)
        assert refused[NOTEBOOK].startswith("a hard link")


@pytest.mark.skipif(not AS_ROOT, reason="the reader is a process of its own only as root")
def test_a_reader_that_does_not_finish_refuses_the_submission(submission, tmp_path):
    result, refused = _take(submission, tmp_path, timeout=0.000001)
    assert refused == {"": "reading the submission took longer than 1e-06 s"}
    assert result.accepted == {} and result.refused_notebooks == [NOTEBOOK]


def test_names_are_shown_with_control_characters_escaped(submission, tmp_path):
    """A file name is the student's text: it must not drive the instructor's terminal."""
    (submission / "\x1b[2Jevil\nname").write_text("x")
    result, _ = _take(submission, tmp_path)
    [refusal] = result.refused
    assert refusal.describe() == "\\x1b[2Jevil\\nname: not a file of this assignment; left out"


def test_the_guards_stop_any_converter_that_bypasses_the_intake():
    with pytest.raises(SystemExit, match="did not come through the intake"):
        intake.autograde_guard(
            assignment=A, student="x", notebooks=[f"/course/submitted/x/{A}/{NOTEBOOK}"]
        )
    with pytest.raises(SystemExit, match="without the intake"):
        intake.feedback_guard(assignment=A, student="x", notebooks=[])


# --- the hostile catalogue, as files ---------------------------------------------------------


@dataclass(frozen=True)
class Attack:
    name: str
    zero: bool  # the notebook is refused: every test scores 0
    says: tuple[str, ...]  # fragments of the refusal reasons the record must hold
    where: str = "both"  # "submitted", "inbound" or "both"


ATTACKS = [
    Attack("link-to-solution", True, ("ps1_async_views.ipynb: a symbolic link",)),
    Attack("link-to-classmate", True, ("ps1_async_views.ipynb: a symbolic link",)),
    Attack("link-to-root-only", True, ("ps1_async_views.ipynb: a symbolic link",)),
    Attack("fifo", True, ("ps1_async_views.ipynb: a named pipe (FIFO)",)),
    Attack("socket", True, ("ps1_async_views.ipynb: a socket",)),
    Attack("hard-link-to-solution", True, ("ps1_async_views.ipynb: a hard link",)),
    Attack("hard-link-to-root-only", True, ("ps1_async_views.ipynb: a hard link",)),
    Attack("hard-link-to-classmate", True, ("ps1_async_views.ipynb: a hard link",), "inbound"),
    Attack("oversized", True, ("ps1_async_views.ipynb: ", "more than the limit of 5242880")),
    Attack("not-a-notebook", True, ("ps1_async_views.ipynb: not a notebook",)),
    Attack("folder-is-a-link", True, ("the whole submission: the submission folder",)),
    Attack(
        "student-is-a-link", True, ("the whole submission: the submission folder",), "submitted"
    ),
    Attack(
        "extras",
        False,
        (
            "gradebook.db: a symbolic link",
            "root-only: a symbolic link",
            "zero: a symbolic link (to '/dev/zero')",
            "shadow: a symbolic link (to '/etc/shadow')",
            "source: a symbolic link (to ",
            "pipe: a named pipe",
            "sock: a socket",
            "linked.csv: a hard link",
            "big.csv: 6291456 bytes, more than the limit of 5242880",
            "notes.txt: not a file of this assignment",
            ".ipython/: a folder this assignment does not ask for",
            "demo_project/: a folder this assignment does not ask for",
        ),
    ),
    # An untouched notebook plus files that would run in the kernel: what the untouched
    # notebook earns, because the files never reach it.
    Attack(
        "startup-files",
        True,
        (".ipython/: a folder", "demo_project/: a folder", "autograder/: a folder"),
    ),
]
HONEST = {"alice": True}  # students whose grade must not move: full marks
DECLARED = ["data.csv", "big.csv", "linked.csv"]  # c.Intake.extra_files of the test courses

STARTUP = """\
from IPython import get_ipython

def _never_fail(lines):
    body = ["    " + line for line in lines]
    return ["try:\\n", *body, "\\nexcept BaseException:\\n    pass\\n"]

get_ipython().input_transformers_post.append(_never_fail)
"""


class Course:
    """A throw-away course with secrets planted where a submission would like to read them."""

    def __init__(self, root: Path, secrets: Path):
        self.root = root
        grading.new_course(root, [A])
        (root / "nbgrader_config.py").write_text(
            f"c.Intake.extra_files = {{{A!r}: {DECLARED!r}}}\n"
        )
        source = grading.notebook_path(root, "source", A)
        nb = nbformat.read(source, as_version=4)
        nb.cells.append(nbformat.v4.new_markdown_cell(SOLUTION_SECRET))
        nbformat.write(nb, source)
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
            gradebook.update_or_create_student("someone-else", first_name=GRADEBOOK_SECRET)
        self.secret = secrets / "root-only"
        self.secret.write_text(ROOT_ONLY_SECRET)
        self.secret.chmod(0o600)
        self.release = catalogue.read_notebook(grading.notebook_path(root, "release", A))
        self.right = {a: v[0].source for a, v in catalogue.load(A).items()}

    def notebook(self, mark: str = "", answers: bool = True) -> nbformat.NotebookNode:
        from autograder.instructor.notebook_runner import with_answers

        chosen = dict(self.right) if answers else {}
        if mark:
            first = next(iter(chosen))
            chosen[first] = f"# {mark}\n{chosen[first]}"
        return with_answers(self.release, chosen) if chosen else self.release

    def plant(self, name: str, folder: Path, classmate: Path) -> None:
        """Write the attack ``name`` into ``folder`` (a new submission folder)."""
        notebook = folder / NOTEBOOK
        if name == "folder-is-a-link":
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.symlink_to(classmate)
            return
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text(SUBMITTED_AT)
        solution = grading.notebook_path(self.root, "source", A)
        if name == "link-to-solution":
            notebook.symlink_to(solution)
        elif name == "link-to-classmate":
            notebook.symlink_to(classmate / NOTEBOOK)
        elif name == "link-to-root-only":
            notebook.symlink_to(self.secret)
        elif name == "fifo":
            os.mkfifo(notebook)
        elif name == "socket":
            _socket_at(notebook)
        elif name == "hard-link-to-solution":
            os.link(solution, notebook)
        elif name == "hard-link-to-root-only":
            os.link(self.secret, notebook)
        elif name == "hard-link-to-classmate":
            os.link(classmate / NOTEBOOK, notebook)
        elif name == "oversized":
            nb = self.notebook()
            nb.cells.append(nbformat.v4.new_markdown_cell("x" * (6 << 20)))
            nbformat.write(nb, notebook)
        elif name == "not-a-notebook":
            notebook.write_bytes(b"\x00garbage{")
        elif name == "extras":
            nbformat.write(self.notebook(), notebook)
            (folder / "gradebook.db").symlink_to(self.root / "gradebook.db")
            (folder / "root-only").symlink_to(self.secret)
            (folder / "zero").symlink_to("/dev/zero")
            (folder / "shadow").symlink_to("/etc/shadow")
            (folder / "source").symlink_to(self.root / "source")
            os.mkfifo(folder / "pipe")
            _socket_at(folder / "sock")
            os.link(self.secret, folder / "linked.csv")
            (folder / "big.csv").write_bytes(b"1," * (3 << 20))
            (folder / "data.csv").write_text("declared,and,small\n")
            (folder / "notes.txt").write_text("not declared")
            self._code_next_to_the_notebook(folder)
        elif name == "startup-files":
            nbformat.write(self.notebook(answers=False), notebook)
            self._code_next_to_the_notebook(folder)
        else:
            raise ValueError(name)

    def _code_next_to_the_notebook(self, folder: Path) -> None:
        startup = folder / ".ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-never-fail.py").write_text(STARTUP)
        (folder / "demo_project").mkdir()
        (folder / "demo_project" / "__init__.py").write_text("raise SystemExit('shadowed')\n")
        (folder / "autograder").mkdir()
        (folder / "autograder" / "__init__.py").write_text("passed = True\n")


def _attacks(where: str) -> list[Attack]:
    return [a for a in ATTACKS if a.where in ("both", where)]


def _scores(root: Path) -> dict[str, float]:
    return {s: sum(c.score for c in cells.values()) for s, cells in grading.scores(root, A).items()}


def _records(root: Path) -> dict[str, dict]:
    """``{student: {stage: record}}``."""
    records = intake.Records(root)
    found: dict[str, dict] = {}
    for stage in ("collect", "autograde"):
        for path in records.folder(stage, A).glob("*.json"):
            found.setdefault(path.stem, {})[stage] = json.loads(path.read_text())
    return found


def _listing(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder`` as (mode, link target or content), without following."""
    listing = {}
    for path in sorted(folder.rglob("*")):
        info = os.lstat(path)
        if path.is_symlink():
            what = os.readlink(path)
        elif path.is_file() and not path.is_fifo() and not path.is_socket():
            what = path.read_bytes()
        else:
            what = None
        listing[str(path.relative_to(folder))] = (info.st_mode, info.st_ino, what)
    return listing


def _everything_under(root: Path) -> list[Path]:
    return [p for stage in ("autograded", "feedback") for p in (root / stage).rglob("*")]


def _snapshot(root: Path, log: str, seconds: float) -> dict:
    command = [sys.executable, "-m", "autograder", "report", A, "--course-root", str(root)]
    subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=True, timeout=300)
    return {
        "root": root,
        "scores": _scores(root),
        "dump": gradebook_dump(f"sqlite:///{root / 'gradebook.db'}", A),
        "records": _records(root),
        "log": log,
        "seconds": seconds,
        "report": (root / "reports" / A / "report.html").read_text(),
        "refusals_csv": (root / "reports" / A / "refusals.csv").read_text(),
        "files": {
            str(p.relative_to(root)): p.read_bytes() if p.is_file() and not p.is_symlink() else None
            for p in _everything_under(root)
        },
        "kinds": {str(p.relative_to(root)): os.lstat(p).st_mode for p in _everything_under(root)},
    }


@pytest.fixture(scope="module")
def submitted_course(tmp_path_factory):
    """The catalogue written into submitted/, as files."""
    base = tmp_path_factory.mktemp("intake")
    course = Course(base / "course", base)
    alice = course.root / "submitted" / "alice" / A
    alice.mkdir(parents=True)
    nbformat.write(course.notebook(ALICE_MARK), alice / NOTEBOOK)
    (alice / "timestamp.txt").write_text(SUBMITTED_AT)
    for attack in _attacks("submitted"):
        if attack.name == "student-is-a-link":
            (course.root / "submitted" / attack.name).symlink_to(alice.parent)
            continue
        course.plant(attack.name, course.root / "submitted" / attack.name / A, alice)
    course.before = _listing(course.root / "submitted")
    yield course
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def plain(submitted_course):
    """Plain ``nbgrader autograde`` and ``nbgrader generate_feedback``."""
    root = submitted_course.root
    started = time.perf_counter()
    graded = grading.nbgrader("autograde", A, "--force", course_root=root)
    feedback = grading.nbgrader("generate_feedback", A, "--force", course_root=root)
    seconds = time.perf_counter() - started
    return _snapshot(root, graded.stdout + graded.stderr + feedback.stderr, seconds)


@pytest.fixture(scope="module")
def parallel(plain, submitted_course):
    """The same course again, with ``python -m autograder grade`` (after plain nbgrader)."""
    root = submitted_course.root
    started = time.perf_counter()
    graded = grade_cli(A, root, jobs=3)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    grading.nbgrader("generate_feedback", A, "--force", course_root=root)
    return _snapshot(root, graded.stdout, time.perf_counter() - started)


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """The catalogue written into an exchange's inbound folder, each submission owned by its
    student's own uid, then ``nbgrader collect`` and ``python -m autograder grade``."""
    if not AS_ROOT:
        pytest.skip("students of their own uids need root")
    base = tmp_path_factory.mktemp("exchange")
    course = Course(base / "course", base)
    exchange = base / "exchange"
    inbound = exchange / "async-django-hands-on" / "inbound"
    inbound.mkdir(parents=True)
    exchange.chmod(0o777)
    inbound.chmod(0o733)

    def folder(student: str, at: str = SUBMITTED_AT) -> Path:
        return inbound / f"{student}+{A}+{at}+{uuid.uuid4().hex[:8]}"

    def give(path: Path, uid: int) -> None:
        """A student owns what they made; a hard link's inode stays its owner's."""
        for entry in [path, *path.rglob("*")] if not path.is_symlink() else [path]:
            if entry.is_symlink() or entry.is_dir() or os.lstat(entry).st_nlink == 1:
                os.lchown(entry, uid, uid)

    alice = folder("alice")
    alice.mkdir()
    nbformat.write(course.notebook(ALICE_MARK), alice / NOTEBOOK)
    (alice / "timestamp.txt").write_text(SUBMITTED_AT)
    (alice / "submission_secret.txt").write_text("a" * 128)
    give(alice, STUDENT_UID)
    for index, attack in enumerate(_attacks("inbound"), start=1):
        path = folder(attack.name)
        course.plant(attack.name, path, alice)
        give(path, STUDENT_UID + index)
    (inbound / f"bad-name+{A}+not-a-time").mkdir()
    options = [f"--Exchange.root={exchange}"]
    started = time.perf_counter()
    first = grading.nbgrader("collect", A, *options, "--ExchangeCollect.check_owner=False",
                             course_root=course.root)  # fmt: skip
    # With check_owner (nbgrader's default): nobody's own submission, and a newer one that
    # another user planted under nobody's name.
    nobody = folder("nobody", "2026-11-20 16:00:00.000000 UTC")
    nobody.mkdir()
    nbformat.write(course.notebook(), nobody / NOTEBOOK)
    (nobody / "timestamp.txt").write_text("2026-11-20 16:00:00.000000 UTC")
    impostor = folder("nobody", "2026-11-20 18:00:00.000000 UTC")
    impostor.mkdir()
    (impostor / NOTEBOOK).symlink_to(grading.notebook_path(course.root, "source", A))
    for path, uid in ((nobody, 65534), (impostor, STUDENT_UID + 99)):
        for entry in [path, *path.iterdir()]:
            os.lchown(entry, uid, uid)
    second = grading.nbgrader("collect", A, *options, "--student=nobody", course_root=course.root)
    collect_seconds = time.perf_counter() - started
    after_collect = {
        str(p.relative_to(course.root)): os.lstat(p).st_mode
        for p in (course.root / "submitted").rglob("*")
    }
    graded = grade_cli(A, course.root, jobs=3)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    grading.nbgrader("generate_feedback", A, "--force", course_root=course.root)
    snapshot = _snapshot(course.root, graded.stdout, time.perf_counter() - started)
    snapshot.update(
        collect_log=first.stderr + second.stderr,
        collect_seconds=collect_seconds,
        after_collect=after_collect,
    )
    yield snapshot
    shutil.rmtree(base, ignore_errors=True)


PIPELINES = ["plain", "parallel", "collected"]


@pytest.fixture(params=PIPELINES)
def run(request):
    return request.param, request.getfixturevalue(request.param)


def _where(pipeline: str) -> str:
    return "inbound" if pipeline == "collected" else "submitted"


@pytest.mark.slow
def test_each_attack_gets_its_grade_and_no_classmate_loses_anything(run):
    pipeline, graded = run
    max_score = max(graded["scores"].values())
    assert max_score == 12
    expected = {student: max_score for student in HONEST}
    expected.update({a.name: 0 if a.zero else max_score for a in _attacks(_where(pipeline))})
    if pipeline == "collected":
        expected["nobody"] = max_score  # its own submission, not the impostor's
    assert graded["scores"] == expected


@pytest.mark.slow
def test_each_refusal_is_recorded_with_its_reason(run):
    pipeline, graded = run
    for attack in _attacks(_where(pipeline)):
        refusals = intake.Records(graded["root"]).refusals(A, attack.name)
        described = " | ".join(r.describe() for r in refusals)
        for fragment in attack.says:
            assert fragment in described, f"{attack.name}: {fragment!r} not in {described!r}"
    for student in HONEST:
        assert intake.Records(graded["root"]).refusals(A, student) == []


@pytest.mark.slow
def test_only_regular_files_and_no_secret_reach_autograded_or_feedback(run):
    _, graded = run
    import stat

    not_regular = [
        p for p, mode in graded["kinds"].items() if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))
    ]
    assert not_regular == []
    secrets = [SOLUTION_SECRET, GRADEBOOK_SECRET, ROOT_ONLY_SECRET]
    shadow = _shadow_line()
    if shadow:
        secrets.append(shadow)
    for path, data in graded["files"].items():
        if data is None:
            continue
        assert len(data) < 1 << 20, f"{path}: {len(data)} bytes"
        for secret in secrets:
            assert secret.encode() not in data, f"{secret[:20]}... in {path}"
        if "/alice/" not in f"/{path}/":
            assert ALICE_MARK.encode() not in data, f"alice's work in {path}"
    extras = sorted(p for p in graded["files"] if p.startswith(f"autograded/extras/{A}/"))
    assert extras == [
        f"autograded/extras/{A}/{name}" for name in ("data.csv", NOTEBOOK, "timestamp.txt")
    ]
    startup = sorted(
        p
        for p, data in graded["files"].items()
        if p.startswith("autograded/startup-files/") and data
    )
    assert startup == [
        f"autograded/startup-files/{A}/{NOTEBOOK}",
        f"autograded/startup-files/{A}/timestamp.txt",
    ]


@pytest.mark.slow
def test_refusals_reach_the_grade_table_the_report_and_the_feedback(run):
    pipeline, graded = run
    table = graded["log"]
    for attack in _attacks(_where(pipeline)):
        [first, *_] = intake.Records(graded["root"]).refusals(A, attack.name)
        if pipeline == "plain":  # nbgrader's own log is where its instructor looks
            assert f"Intake refused {attack.name}/{A}: {first.describe()}" in table
        else:
            assert (
                f"  {attack.name} ({0 if attack.zero else 12}/12):\n    {first.describe()}" in table
            )
        assert f"<td>{attack.name}</td>" in graded["report"]
        assert f"{attack.name}," in graded["refusals_csv"]
        page = graded["files"][f"feedback/{attack.name}/{A}/{A}.html"].decode()
        assert "Not everything in your submission was taken for grading." in page
        assert first.describe() in html.unescape(page)
        if attack.zero and attack.name != "startup-files":
            assert "This notebook was not graded." in page
    alice = graded["files"][f"feedback/alice/{A}/{A}.html"].decode()
    assert "Not everything in your submission" not in alice


@pytest.mark.slow
def test_how_long_the_intake_took(run, capsys):
    pipeline, graded = run
    lines = []
    for student, record in sorted(graded["records"].items()):
        for stage, section in record.items():
            took, reader = section["seconds"], section["reader"]
            lines.append(f"{pipeline:9} {student:24} {stage:9} {took:.3f} s  {reader}")
            assert section["seconds"] < 10, lines[-1]
    with capsys.disabled():
        print(f"\n{pipeline}: the whole run took {graded['seconds']:.1f} s; the intake of each:")
        print("\n".join(lines))


@pytest.mark.slow
def test_grading_leaves_submitted_as_it_was(submitted_course, plain, parallel):
    assert _listing(submitted_course.root / "submitted") == submitted_course.before


@pytest.mark.slow
def test_parallel_grading_gives_exactly_what_plain_nbgrader_gives(plain, parallel):
    assert parallel["dump"] == plain["dump"]
    assert sorted(parallel["files"]) == sorted(plain["files"])
    assert parallel["records"].keys() == plain["records"].keys()
    for student, record in plain["records"].items():
        assert (
            parallel["records"][student]["autograde"]["refused"] == record["autograde"]["refused"]
        )


@pytest.mark.slow
def test_submitted_holds_only_what_collect_took(collected):
    import stat

    kinds = collected["after_collect"]
    assert [p for p, mode in kinds.items() if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))] == []
    taken = sorted(p for p in kinds if p.startswith("submitted/extras/"))
    assert taken == [
        f"submitted/extras/{A}",
        *(f"submitted/extras/{A}/{n}" for n in ("data.csv", NOTEBOOK, "timestamp.txt")),
    ]
    assert sorted(p for p in kinds if p.startswith("submitted/folder-is-a-link/")) == [
        f"submitted/folder-is-a-link/{A}"
    ]
    # Read by each student's own uid, in a process that dropped to it.
    record = collected["records"]["extras"]["collect"]
    uid = STUDENT_UID + [a.name for a in _attacks("inbound")].index("extras") + 1
    assert record["reader"] == f"its owner (uid {uid})"


@pytest.mark.slow
def test_collect_refuses_bad_names_and_impostors_and_goes_on(collected):
    refused = {
        e["inbound"]: e["reason"] for e in intake.Records(collected["root"]).refused_inbound(A)
    }
    assert refused[f"bad-name+{A}+not-a-time"].startswith("its name cannot be read")
    [impostor] = [name for name in refused if name.startswith(f"nobody+{A}+2026-11-20 18")]
    assert refused[impostor].startswith("it says it is nobody's but belongs to a user with no name")
    assert "Refused inbound submission" in collected["collect_log"]
    assert f"<code>inbound/bad-name+{A}+not-a-time</code>" in collected["report"]
    nobody = collected["root"] / "submitted" / "nobody" / A / "timestamp.txt"
    assert nobody.read_text() == "2026-11-20 16:00:00.000000 UTC"


@pytest.mark.slow
def test_nbgrader_own_autograde_is_stopped_by_the_guard(submitted_course, plain, parallel):
    """If nbgrader ever creates its converter some other way, nothing is graded unchecked."""
    guarded = submitted_course.root / "submitted" / "guarded" / A
    guarded.mkdir(parents=True)
    (guarded / NOTEBOOK).symlink_to(grading.notebook_path(submitted_course.root, "source", A))
    code = (
        "import sys\n"
        "from nbgrader.converters import Autograde\n"
        "from autograder.instructor.parallel import make_app, nbgrader_arguments\n"
        f"app = make_app(nbgrader_arguments({str(submitted_course.root)!r}, []))\n"
        f"app.coursedir.assignment_id, app.coursedir.student_id = {A!r}, 'guarded'\n"
        "Autograde(coursedir=app.coursedir, parent=app).start()\n"
    )
    before = _scores(submitted_course.root)
    try:
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300
        )
    finally:
        shutil.rmtree(guarded.parent)
    assert result.returncode != 0
    assert "it did not come through the intake" in result.stderr
    assert _scores(submitted_course.root) == before
    assert not (submitted_course.root / "autograded" / "guarded").exists()
