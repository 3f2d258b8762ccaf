"""Hostile and broken submissions: grading survives, each earns what its honest part earns, and no
notebook changes another student's grade, files or the gradebook outside its own rows."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.instructor import example_class, grading
from autograder.instructor.sandbox import kernels as sandbox
from tests.grading_helpers import grade_cli, gradebook_dump

pytestmark = [pytest.mark.grading, pytest.mark.slow]

ASSIGNMENT = "ps1_async_views"
ISOLATION = sandbox.isolation_report()


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for stage in ("source", "release", "submitted")
        for p in sorted((root / stage).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    if ISOLATION["level"] != "full":
        pytest.skip(f"the vandals need the full sandbox: {ISOLATION['why']}")
    root = tmp_path_factory.mktemp("hostile") / "course"
    grading.new_course(root, [ASSIGNMENT])
    # The first ten students are every broken and hostile kind; two more from the catalogue.
    made = example_class.submit_example_class(root, ASSIGNMENT, size=12, hangs=True, vandals=True)
    before = _hashes(root)
    result = grade_cli(ASSIGNMENT, root, "--Execute.timeout=10", jobs=4)
    yield {"root": root, "made": made, "before": before, "cli": result}
    shutil.rmtree(root, ignore_errors=True)


def _find(made, words: str):
    return next(s for s in made if words in s.description)


def _outputs(root: Path, student: str) -> list:
    nb = nbformat.read(grading.notebook_path(root, "autograded", ASSIGNMENT, student), 4)
    return [o for cell in nb.cells for o in cell.get("outputs", [])]


def test_the_class_has_every_hostile_kind(hostile_class):
    descriptions = " | ".join(s.description for s in hostile_class["made"])
    for words in (
        "loops forever",
        "ignores interrupts",
        "kills its kernel",
        "prints 5 MB",
        "noise on stderr",
        "deleted the set-up cell",
        "edited to `pass`",
        "skip-execution",
        "vandal",
        "syntax error",
    ):
        assert words in descriptions


def test_grading_survives_and_every_notebook_earns_what_its_honest_part_earns(hostile_class):
    result = hostile_class["cli"]
    assert result.returncode == 0, result.stdout + result.stderr
    graded = grading.scores(hostile_class["root"], ASSIGNMENT)
    wrong = grading.wrong_grades(graded, hostile_class["made"], hostile_class["root"], ASSIGNMENT)
    assert not wrong, "\n".join(wrong)


def test_no_notebook_changed_the_course_folder(hostile_class):
    root = hostile_class["root"]
    assert _hashes(root) == hostile_class["before"]
    assert not list(root.rglob("zz-planted")), "a notebook planted a folder"
    assert not (root / "feedback").exists()


def test_the_gradebook_holds_exactly_the_class(hostile_class):
    dump = gradebook_dump(f"sqlite:///{hostile_class['root'] / 'gradebook.db'}", ASSIGNMENT)
    students = sorted(s.student for s in hostile_class["made"])
    assert dump["students"] == students
    assert sorted(dump["submissions"]) == students


def test_the_vandal_got_nowhere(hostile_class):
    vandal = next(s for s in hostile_class["made"] if s.vandal)
    report = "".join(
        o.get("text", "")
        for o in _outputs(hostile_class["root"], vandal.student)
        if "vandal:" in o.get("text", "")
    )
    assert "vandal:" in report
    for success in ("rewrote", "changed ", "reached", "killed "):
        assert success not in report, report


def test_a_killed_kernel_and_a_hang_fail_only_their_cells(hostile_class):
    root, made = hostile_class["root"], hostile_class["made"]
    errors = {
        words: {
            o.ename for o in _outputs(root, _find(made, words).student) if o.output_type == "error"
        }
        for words in ("kills its kernel", "ignores interrupts", "loops forever")
    }
    assert "DeadKernelError" in errors["kills its kernel"]
    assert "CellTimeoutError" in errors["ignores interrupts"]
    assert "CellTimeoutError" in errors["loops forever"]


def test_megabytes_of_output_do_not_reach_the_autograded_notebook(hostile_class):
    student = _find(hostile_class["made"], "prints 5 MB").student
    path = grading.notebook_path(hostile_class["root"], "autograded", ASSIGNMENT, student)
    assert path.stat().st_size < 3_000_000


def test_no_sandbox_process_is_left_behind(hostile_class):
    orphans = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if "autograder.instructor.sandbox.zygote" in command and parent == 1:
            orphans.append(f"{entry.name}: {command}")
    assert not orphans
