"""The ps3 checks' own machinery: fixtures, restoring the catalog, the legacy module's guard.

What each check says about right and wrong answers is tested through the notebook with the
catalogue (tests/test_catalogue.py); these tests pin down what the catalogue cannot see.
"""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.http import JsonResponse

from autograder import CheckFailed, GradingTampered
from demo_project.catalog import legacy
from demo_project.catalog.legacy import legacy_price
from tests.conftest import run

pytestmark = pytest.mark.grading


def ps3():
    # Imported late: the module reads demo_project's models, which need Django set up first.
    from autograder.assignments import ps3

    return ps3


async def prices(request):
    isbns = list(dict.fromkeys(request.GET.getlist("isbn")))
    if not 1 <= len(request.GET.getlist("isbn")) <= 10:
        return JsonResponse({"error": "1 to 10 isbns"}, status=400)

    async def price_of(isbn):
        try:
            return str(await sync_to_async(legacy_price, thread_sensitive=False)(isbn))
        except KeyError:
            return None

    found = await asyncio.gather(*map(price_of, isbns))
    return JsonResponse({"prices": dict(zip(isbns, found, strict=True))})


async def book_stats(request):
    from demo_project.catalog.models import Book

    return JsonResponse({"count": await Book.objects.acount()})


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("BASIC", (3, 3.67, "The Cartographer's Queue", ["Ada Lindqvist", "Mei Okafor"])),
        ("TIES_BY_DATE", (4, 4.75, "Zephyr and the Lamp", ["Bo Lindgren", "Ines Duarte"])),
        ("TIES_BY_TITLE", (5, 4.6, "Beta Testing the Sea", ["Bo Lindgren", "Ines Duarte"])),
        ("SOME_WITHOUT_BOOKS", (3, 1.67, "Harbour Lights", ["Bo Lindgren", "Ines Duarte"])),
        ("AUTHORS_ONLY", (0, None, None, [])),
    ],
)
def test_expected_stats_of_the_fixtures(fixture, expected):
    stats = ps3().expected_stats(getattr(ps3(), fixture))
    assert tuple(stats.values()) == expected


def test_fixture_averages_are_not_halfway_between_two_roundings():
    # Python's round() and SQLite's ROUND() disagree on exact halves (2.675, 3.125).
    for fixture in vars(ps3()).values():
        if isinstance(fixture, ps3().Fixture) and fixture.books:
            mean = sum(b.rating for b in fixture.books) / len(fixture.books)
            assert round(mean * 1000) % 10 != 5, fixture.description


def test_a_failing_check_puts_the_catalog_back():
    state = ps3()._read_catalog
    before = run(sync_to_async(state)())
    with pytest.raises(CheckFailed, match="'average_rating' is missing"):
        run(ps3().check_book_stats_answers(book_stats))
    assert run(sync_to_async(state)()) == before


def test_a_changed_legacy_delay_fails_the_check_and_is_put_back(monkeypatch, capsys):
    monkeypatch.setattr(legacy, "LEGACY_DELAY_SECONDS", 0)
    with pytest.raises(GradingTampered, match="`legacy.LEGACY_DELAY_SECONDS` is 0, not 0.2"):
        run(ps3().check_prices_answers(prices))
    assert legacy.LEGACY_DELAY_SECONDS == 0.2
    run(ps3().check_prices_answers(prices))
    assert "✔ prices answers" in capsys.readouterr().out


def test_a_replaced_legacy_price_fails_the_check(monkeypatch):
    monkeypatch.setattr(legacy, "legacy_price", lambda isbn: legacy.LEGACY_PRICES[isbn])
    with pytest.raises(GradingTampered, match="`legacy.legacy_price` was replaced"):
        run(ps3().check_prices_overlaps_lookups(prices))
    assert ps3()._legacy_tampering() == []


def test_the_prices_check_leaves_the_legacy_module_as_it_was(capsys):
    real, table = legacy.legacy_price, legacy.LEGACY_PRICES
    run(ps3().check_prices_handles_ten(prices))
    assert (legacy.legacy_price, legacy.LEGACY_PRICES) == (real, table)
    assert "10 lookups in" in capsys.readouterr().out
