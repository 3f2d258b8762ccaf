"""Hidden data: drawn per submission from a secret the kernel never sees."""

import os
import stat

import pytest

from autograder.judge.assignments.ps3 import catalogs
from autograder.judge.data import PREVIEW_SEED, Draw, course_secret, submission_seed


def _draws(secret: bytes, student: str) -> Draw:
    return Draw(submission_seed(secret, "course", "ps1_async_views", student, "ps1_async_views"))


def test_two_submissions_draw_different_data_and_each_the_same_every_time():
    secret = os.urandom(32)
    alice, bob = _draws(secret, "alice").child("test"), _draws(secret, "bob").child("test")
    assert alice.people(3) != bob.people(3)
    assert _draws(secret, "alice").child("test").people(3) == _draws(secret, "alice").child(
        "test"
    ).people(3)


def test_without_the_secret_the_data_cannot_be_drawn():
    guess = Draw(submission_seed(b"", "course", "ps1_async_views", "alice", "ps1_async_views"))
    real = _draws(os.urandom(32), "alice")
    assert guess.child("t").isbns(5) != real.child("t").isbns(5)
    assert Draw(PREVIEW_SEED).child("t").isbns(5) != real.child("t").isbns(5)


def test_the_secret_is_made_once_private_and_never_through_a_link(tmp_path):
    path = tmp_path / ".autograder" / "secret"
    first = course_secret(path)
    assert len(first) == 32 and course_secret(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (tmp_path / "elsewhere").write_bytes(b"x" * 32)
    link = tmp_path / "linked" / "secret"
    link.parent.mkdir()
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError):
        course_secret(link)


@pytest.mark.parametrize("seed", [b"a", b"b", b"c", b"d", b"e", b"f", b"g", b"h"])
def test_every_drawn_catalog_keeps_the_structure_the_checks_rely_on(seed):
    draw = Draw(seed)
    basic = catalogs.basic(draw)
    assert basic.books[0].rating != max(b.rating for b in basic.books), "top book inserted first"
    assert list(basic.authors) != sorted(basic.authors)
    for catalog in (basic, catalogs.ties_by_date(draw), catalogs.ties_by_title(draw),
                    catalogs.some_without_books(draw)):  # fmt: skip
        ratings = [b.rating for b in catalog.books]
        mean = sum(ratings) / len(ratings)
        # rounding, truncating and leaving the mean as it is give three different answers
        assert len({round(mean, 2), int(mean * 100) / 100, mean}) == 3, catalog.description
    ties = catalogs.ties_by_date(draw)
    top = [b for b in ties.books if b.rating == 5]
    winner = min(top, key=lambda b: b.published)
    assert winner.title != min(b.title for b in top) and winner != ties.books[0]
    expected = catalogs.expected_stats(catalogs.ties_by_title(draw))
    by_title_only = min((b for b in catalogs.ties_by_title(draw).books if b.rating == 5),
                        key=lambda b: b.title).title  # fmt: skip
    assert expected["top_rated"] != by_title_only
