"""autograder/instructor/catalogue: every answer cell has right and wrong answers, and every
answer names only tests that exist (the verdicts are in tests/judge/assignments/)."""

from autograder.instructor import catalogue
from autograder.instructor.paths import REPO, SOURCE, assignment_ids


def test_every_assignment_has_a_catalogue_with_right_and_wrong_answers():
    for assignment in assignment_ids():
        nb = catalogue.read_notebook(SOURCE / assignment / f"{assignment}.ipynb")
        loaded = catalogue.load(assignment)
        for answer in catalogue.answer_ids(nb):
            variants = loaded.get(answer, [])
            assert sum(v.right for v in variants) >= 2, f"{assignment}/{answer}: 2+ right answers"
            assert sum(not v.right for v in variants) >= 3, f"{assignment}/{answer}: 3+ wrong ones"
            for variant in variants:
                own = catalogue.tests_of(nb, None if variant.hostile else answer)
                unknown = (variant.fails or set()) - set(own)
                assert not unknown, f"{variant.label} names tests that do not exist: {unknown}"


def test_every_assignment_has_a_test_module_of_its_checks():
    # tests mirror the code: autograder/judge/assignments/<module> <-> tests/judge/assignments/
    folder = REPO / "tests" / "judge" / "assignments"
    for module in (REPO / "autograder" / "judge" / "assignments").iterdir():
        if module.name.startswith("_") or module.name == "__pycache__":
            continue
        assert (folder / f"test_{module.stem}.py").exists(), f"no tests for {module.name}"
