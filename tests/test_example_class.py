"""The example class: stable ids, every kind of notebook, grades that follow from its answers."""

from pathlib import Path

import pytest

from autograder.instructor import catalogue, example_class
from autograder.instructor.paths import RELEASE, SOURCE, assignment_ids

ASSIGNMENTS = [a for a in assignment_ids() if (RELEASE / a).exists()]


def _class(assignment, **options):
    source = catalogue.read_notebook(SOURCE / assignment / f"{assignment}.ipynb")
    release = catalogue.read_notebook(RELEASE / assignment / f"{assignment}.ipynb")
    options.setdefault("course_root", Path("/nonexistent/course"))
    return source, release, example_class.example_class(assignment, source, release, **options)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_forty_students_of_every_kind_with_stable_readable_ids(assignment):
    source, release, made = _class(assignment)
    assert len(made) == 40
    ids = [s.student for s in made]
    assert len(set(ids)) == 40
    assert ids[:3] == ["s01-ada", "s02-alan", "s03-barbara"]
    assert ids == [s.student for s in _class(assignment)[2]], "ids must not change between runs"
    assert {s.kind for s in made} == set(example_class.KINDS)
    tests = catalogue.tests_of(source)
    for submission in made:
        assert set(submission.expected) == set(tests), submission.student
        nb = submission.notebook(release)  # every notebook can be built
        assert nb.cells


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_hostile_cell_costs_only_the_tests_of_its_own_answer(assignment):
    source, _, made = _class(assignment)
    answers = catalogue.answer_ids(source)
    by_description = {s.description: s for s in made}
    killer = next(s for d, s in by_description.items() if "kills its kernel" in d)
    owner = answers[-1]
    for test, passes in killer.expected.items():
        assert passes == (not test.startswith(f"test_{owner}_")), test
    vandal = next(s for s in made if s.vandal)
    assert all(vandal.expected.values()), "a vandal whose answers are right earns everything"
    loops = [s for s in made if "loops" in s.description]
    assert len(loops) == 2 and not any(all(s.expected.values()) for s in loops)


def test_without_hangs_or_vandals_the_class_still_has_forty_students():
    _, _, made = _class(ASSIGNMENTS[0], hangs=False, vandals=False)
    assert len(made) == 40
    assert not any(s.vandal or "loops" in s.description for s in made)


def test_vandals_need_the_course_they_attack():
    with pytest.raises(ValueError, match="course_root"):
        _class(ASSIGNMENTS[0], course_root=None)


def test_points_follow_the_expected_results():
    source, _, made = _class(ASSIGNMENTS[0])
    points = example_class.max_points(source)
    empty = next(s for s in made if s.kind == "empty")
    full = next(s for s in made if s.kind == "full")
    assert empty.points(points) == 0
    assert full.points(points) == sum(points.values())
