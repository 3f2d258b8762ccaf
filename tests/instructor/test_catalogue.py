"""autograder/instructor/catalogue: every answer cell has right and wrong answers, and every
answer names only tests that exist (the verdicts are in tests/judge/assignments/)."""

import pytest

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


def test_an_erratic_answer_is_a_wrong_one_that_says_why(tmp_path):
    folder = tmp_path / "psX" / "view"
    folder.mkdir(parents=True)
    (folder / "wrong_flaky.py").write_text(
        "# wrong: sometimes this, sometimes that\n# fails: test_view_works\n"
        "# erratic: depends on the loop's timers\nasync def view(request): ...\n"
    )
    (variant,) = catalogue.load("psX", root=tmp_path)["view"]
    assert variant.erratic == "depends on the loop's timers"
    (folder / "right_flaky.py").write_text("# right: fine\n# erratic: no\n")
    with pytest.raises(ValueError, match="erratic answer is a wrong one"):
        catalogue.load("psX", root=tmp_path)
    # The one the parallel-grading test compares by outcome: sleep(nan) (ps1's greet).
    erratic = catalogue.erratic_sources("ps1_async_views")
    assert any("await asyncio.sleep(delay)" in s and "delay < 0" in s for s in erratic)
