"""autograder/judge/assignments/ps3: every catalogue answer of ps3_async_orm gets its verdict."""

import pytest

from tests.judge.assignments.catalogue_cases import assert_graded_as_expected, variants

pytestmark = pytest.mark.grading


@pytest.mark.parametrize("variant", variants("ps3_async_orm"))
def test_catalogue_answer_is_graded_as_expected(variant):
    assert_graded_as_expected(variant)
