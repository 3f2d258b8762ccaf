"""release/ is exactly what nbgrader generates from source/ (run `make release` to update it)."""

import pytest

from autograder.instructor import catalogue
from autograder.instructor.paths import RELEASE, assignment_ids
from autograder.instructor.release import generate_release
from tests.notebooks import comparable

pytestmark = pytest.mark.slow


def test_release_matches_a_fresh_generate_assignment(tmp_path):
    generated = generate_release(tmp_path)
    assert generated == assignment_ids()
    committed = sorted(p.name for p in RELEASE.iterdir() if p.is_dir())
    assert committed == generated, "release/ and source/ hold different assignments: make release"
    for assignment in generated:
        fresh = sorted(p.relative_to(tmp_path) for p in (tmp_path / assignment).rglob("*"))
        kept = sorted(p.relative_to(RELEASE) for p in (RELEASE / assignment).rglob("*"))
        assert kept == fresh, f"release/{assignment} has other files: make release"
        name = f"{assignment}.ipynb"
        new = catalogue.read_notebook(tmp_path / assignment / name)
        old = catalogue.read_notebook(RELEASE / assignment / name)
        assert comparable(old) == comparable(new), f"release/{assignment} is stale: make release"


def test_release_hides_solutions_and_hidden_tests():
    for assignment in assignment_ids():
        text = (RELEASE / assignment / f"{assignment}.ipynb").read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN"):
            assert marker not in text, f"release/{assignment} shows {marker!r}"
        assert "raise NotImplementedError()" in text
