"""The catalogue of right and wrong answers kept in tests/catalogue/, and submissions made of it.

``tests/catalogue/<assignment>/<answer grade_id>/<name>.py`` holds the whole source of one answer
cell as a student could write it. Comment lines at the top say what it is and what must happen:

    # right: gathers the three calls with asyncio.gather
or
    # wrong: awaits the upstreams one after another
    # fails: test_dashboard_runs_concurrently test_dashboard_is_fast
    # says: in flight at the same time

``fails`` (one or more lines) names the tests of this answer that must score 0, the others must
pass; ``fails: *`` means every test of the notebook fails. Each ``says`` line is a fragment that
must appear in a failing test's message.

A wrong answer that also attacks the grader (patches helpers or clocks, walks frames, fakes
output...) says so in a ``# hostile: <what it tries>`` line. Its ``fails`` are the tests its
honest part fails when the judge grades it; such answers are graded only through nbgrader (the
Validate preview runs in the kernel, which they can fool by design) and in a submission of their
own, since what they do may reach the other answers of the notebook.

A wrong answer whose failure is certain but whose message is not (it behaves differently from
one run to the next) says why in an ``# erratic: <why>`` line: two gradings of it are compared by
their scores, not their words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.instructor import notebook_cells as cells
from autograder.instructor.paths import REPO

CATALOGUE = REPO / "tests" / "catalogue"
EVERY_TEST = "*"


@dataclass(frozen=True)
class Variant:
    assignment: str
    answer: str
    name: str
    source: str
    right: bool
    description: str
    fails: frozenset[str] | None  # None: every test of the notebook fails
    says: tuple[str, ...]
    hostile: str = ""  # what it tries against the grader, if anything
    erratic: str = ""  # why its failure's message may differ between two runs

    @property
    def label(self) -> str:
        return f"{self.assignment}/{self.answer}/{self.name}"

    def expected_pass(self, test_id: str) -> bool:
        """Whether test ``test_id`` of the notebook passes when this answer is submitted."""
        if self.fails is None:
            return False
        return test_id not in self.fails


def _parse(path: Path, assignment: str, answer: str) -> Variant:
    source = path.read_text()
    kind, description, fails, says, hostile, erratic = None, "", frozenset(), [], "", ""
    for line in source.splitlines():
        if not line.startswith("# "):
            break
        key, _, value = line[2:].partition(":")
        value = value.strip()
        if key in ("right", "wrong"):
            kind, description = key, value
        elif key == "fails":  # may be given on several lines
            fails = None if value == EVERY_TEST else frozenset(value.split()) | (fails or set())
        elif key == "says":
            says.append(value)
        elif key == "hostile":
            hostile = value
        elif key == "erratic":
            erratic = value
    if kind is None:
        raise ValueError(f"{path}: the first line must be '# right: ...' or '# wrong: ...'")
    if kind == "wrong" and not fails and fails is not None:
        raise ValueError(f"{path}: a wrong answer must name the tests it fails ('# fails: ...')")
    if kind == "right" and (fails or fails is None):
        raise ValueError(f"{path}: a right answer cannot fail tests")
    if (hostile or erratic) and kind == "right":
        raise ValueError(f"{path}: a hostile or erratic answer is a wrong one ('# wrong: ...')")
    return Variant(assignment, answer, path.stem, source, kind == "right", description,
                   fails, tuple(says), hostile, erratic)  # fmt: skip


def load(assignment: str, root: Path = CATALOGUE) -> dict[str, list[Variant]]:
    """``{answer grade_id: [variants, right ones first]}`` for one assignment."""
    folder = root / assignment
    return {
        answer.name: sorted(
            (_parse(path, assignment, answer.name) for path in sorted(answer.glob("*.py"))),
            key=lambda v: (not v.right, v.name),
        )
        for answer in sorted(p for p in folder.iterdir() if p.is_dir())
    }


def erratic_sources(assignment: str) -> set[str]:
    """The answer sources of ``assignment`` marked ``# erratic``."""
    return {v.source for vs in load(assignment).values() for v in vs if v.erratic}


def tests_of(nb: nbformat.NotebookNode, answer: str | None = None) -> list[str]:
    """grade_ids of the notebook's test cells (of one answer: ``test_<answer>_...``)."""
    return [i for i in cells.test_ids(nb) if answer is None or i.startswith(f"test_{answer}_")]


def answer_ids(nb: nbformat.NotebookNode) -> list[str]:
    return cells.answer_ids(nb)


@dataclass(frozen=True)
class Submission:
    """One student's notebook for the example class: an answer per cell and what must pass."""

    student: str
    answers: dict[str, str]
    expected: dict[str, bool]  # test grade_id -> passes
    variants: tuple[str, ...]


def submissions(assignment: str, source_nb, release_nb) -> list[Submission]:
    """Submissions covering every catalogue answer of ``assignment``, plus an empty one.

    Answers that only affect their own tests are combined (submission k takes the k-th answer of
    every cell, or a right one); a tampering answer (``fails: *``) gets a submission of its own.
    """
    catalogue = load(assignment)
    missing = set(answer_ids(source_nb)) - set(catalogue)
    if missing:
        raise ValueError(f"catalogue for {assignment} has no answers for {sorted(missing)}")
    all_tests = tests_of(source_nb)
    stubs = {
        cells.grade_id(cell): cell.source for cell in release_nb.cells if cells.is_answer(cell)
    }
    result = [Submission("empty", stubs, dict.fromkeys(all_tests, False), ("stubs",))]
    right = {answer: variants[0] for answer, variants in catalogue.items()}
    combinable = {
        a: [v for v in vs if v.fails is not None and not v.hostile] for a, vs in catalogue.items()
    }
    rounds = max(len(vs) for vs in combinable.values())

    def make(student: str, chosen: dict[str, Variant]) -> Submission:
        expected = {}
        for test in all_tests:
            owner = next((a for a in chosen if test.startswith(f"test_{a}_")), None)
            expected[test] = all(v.fails is not None for v in chosen.values()) and (
                owner is None or chosen[owner].expected_pass(test)
            )
        answers = {a: v.source for a, v in chosen.items()}
        return Submission(student, answers, expected, tuple(v.label for v in chosen.values()))

    for k in range(rounds):
        chosen = {a: (vs[k] if k < len(vs) else right[a]) for a, vs in combinable.items()}
        result.append(make(f"mix{k:02d}", chosen))
    for answer, variants in catalogue.items():
        for variant in variants:
            if variant.fails is None or variant.hostile:
                result.append(make(f"alone-{answer}-{variant.name}".replace("_", "-"),
                                   {**right, answer: variant}))  # fmt: skip
    return result


def read_notebook(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)
