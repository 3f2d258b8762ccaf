"""autograder/judge/assignments/ps4: every catalogue answer of ps4_production gets its verdict."""

import pytest

from tests.judge.assignments.catalogue_cases import assert_graded_as_expected, variants

pytestmark = pytest.mark.grading


@pytest.mark.parametrize("variant", variants("ps4_production"))
def test_catalogue_answer_is_graded_as_expected(variant):
    assert_graded_as_expected(variant)
