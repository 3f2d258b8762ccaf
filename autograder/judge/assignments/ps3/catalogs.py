"""Catalogs for ps3's checks, drawn per submission, and the answers they call for.

Each catalog has a structure the exercise's rules depend on (ties on the top rating broken by
date, then by title; authors without books; a mean that rounding and truncating tell apart)
and data drawn from the submission's seed: names, titles, isbns, ratings, dates. Authors are
created in an order that is not alphabetical and the top-rated book is never the first one
inserted, so answers that rely on insertion order show.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from autograder.judge.data import Draw
from autograder.judge.database import KernelDatabase


@dataclass(frozen=True)
class Book:
    title: str
    author: str
    isbn: str
    rating: int
    published: str  # YYYY-MM-DD


@dataclass(frozen=True)
class Catalog:
    description: str
    authors: tuple[str, ...]  # in the order they are created (ids follow it)
    books: tuple[Book, ...]


def _names_not_sorted(draw: Draw, count: int) -> list[str]:
    names = draw.people(count)
    while count > 1 and names == sorted(names):
        names = draw.shuffled(names)
    return names


def _dates(draw: Draw, count: int) -> list[str]:
    found: list[str] = []
    while len(found) < count:
        date = draw.date()
        if date not in found:
            found.append(date)
    return found


def basic(draw: Draw) -> Catalog:
    """3 books by 2 authors; the mean is x.67 (round and truncate differ); top is not first."""
    authors = _names_not_sorted(draw, 2)
    ratings = draw.choice([(4, 2, 5), (2, 1, 5), (3, 5, 3), (1, 4, 3), (2, 5, 4)])
    if ratings.index(max(ratings)) == 0:
        ratings = ratings[1:] + ratings[:1]
    titles, isbns, dates = draw.titles(3), draw.isbns(3), _dates(draw, 3)
    owners = [authors[0], authors[1], authors[0]]
    books = tuple(
        Book(*fields) for fields in zip(titles, owners, isbns, ratings, dates, strict=True)
    )
    return Catalog(
        f"3 books by 2 authors, ratings {', '.join(map(str, ratings[:-1]))} and {ratings[-1]}",
        tuple(authors),
        books,
    )


def pair(draw: Draw) -> Catalog:
    authors = _names_not_sorted(draw, 2)
    low = draw.randint(1, 4)
    high = draw.randint(low + 1, 5)
    titles, isbns, dates = draw.titles(2), draw.isbns(2), _dates(draw, 2)
    books = (
        Book(titles[0], authors[0], isbns[0], low, dates[0]),
        Book(titles[1], authors[1], isbns[1], high, dates[1]),
    )
    return Catalog(f"2 books by 2 authors, ratings {low} and {high}", tuple(authors), books)


def _lower(draw: Draw, count: int, total: int) -> list[int]:
    """``count`` ratings from 1 to 4 that add up to ``total``."""
    while True:
        ratings = [draw.randint(1, 4) for _ in range(count)]
        if sum(ratings) == total:
            return ratings


def _isbns_for(draw: Draw, books: list[Book]) -> tuple[Book, ...]:
    return tuple(
        Book(b.title, b.author, isbn, b.rating, b.published)
        for b, isbn in zip(books, draw.isbns(len(books)), strict=True)
    )


# Every catalog with books has a mean like 4.1666...: rounding (4.17), truncating (4.16) and
# leaving it as it is all give different answers, whatever the seed.


def ties_by_date(draw: Draw) -> Catalog:
    """Three books share the top rating; the earliest published wins, and it is neither the
    first inserted nor the first title in alphabetical order (6 books, a mean of 25/6)."""
    authors = _names_not_sorted(draw, 2)
    dates = sorted(_dates(draw, 6))
    titles = sorted(draw.titles(6))
    top = [
        Book(titles[0], authors[0], "", 5, dates[3]),
        Book(titles[2], authors[1], "", 5, dates[0]),  # the winner
        Book(titles[4], authors[0], "", 5, dates[5]),
    ]
    ratings = _lower(draw, 3, 10)
    lower = [
        Book(titles[i], authors[i % 2], "", r, dates[d])
        for i, r, d in zip((1, 3, 5), ratings, (1, 2, 4), strict=True)
    ]
    books = _isbns_for(draw, [top[0], lower[0], top[1], lower[1], top[2], lower[2]])
    shown = ", ".join(b.published for b in top)
    return Catalog(f"three books with the top rating 5, published {shown}", tuple(authors), books)


def ties_by_title(draw: Draw) -> Catalog:
    """Two top books share the earliest date; the first title in alphabetical order wins
    (6 books, a mean of 25/6)."""
    authors = _names_not_sorted(draw, 2)
    dates = sorted(_dates(draw, 4))
    titles = sorted(draw.titles(6))
    earliest = dates[0]
    low = _lower(draw, 2, 5)
    books = _isbns_for(draw, [
        Book(titles[2], authors[0], "", 5, earliest),  # inserted first, loses on title
        Book(titles[4], authors[1], "", 5, dates[1]),
        Book(titles[1], authors[1], "", 5, earliest),  # the winner
        Book(titles[0], authors[0], "", 5, dates[2]),  # the first title, but later
        Book(titles[3], authors[0], "", low[0], dates[0]),
        Book(titles[5], authors[1], "", low[1], dates[3]),
    ])  # fmt: skip
    description = (
        f"two books with the top rating 5 and the earliest date, {earliest}: "
        f"{titles[2]!r} and {titles[1]!r}"
    )
    return Catalog(description, tuple(authors), books)


def empty(draw: Draw) -> Catalog:
    return Catalog("no authors and no books", (), ())


def authors_only(draw: Draw) -> Catalog:
    return Catalog("2 authors and no books", tuple(_names_not_sorted(draw, 2)), ())


def some_without_books(draw: Draw) -> Catalog:
    authors = _names_not_sorted(draw, 4)
    with_books = [authors[1], authors[3]]
    ratings = draw.choice([(5, 1, 2), (1, 2, 5), (4, 3, 1), (2, 4, 5), (1, 5, 2), (3, 4, 1)])
    titles, isbns, dates = draw.titles(3), draw.isbns(3), _dates(draw, 3)
    owners = [with_books[0], with_books[1], with_books[0]]
    books = tuple(Book(*f) for f in zip(titles, owners, isbns, ratings, dates, strict=True))
    return Catalog(
        f"4 authors, of whom only {with_books[0]} and {with_books[1]} have books",
        tuple(authors),
        books,
    )


def expected_stats(catalog: Catalog) -> dict:
    """What book_stats must answer for ``catalog`` (computed here in Python, not in SQL)."""
    books = catalog.books
    if not books:
        return {"count": 0, "average_rating": None, "top_rated": None, "authors": []}
    top = min(books, key=lambda b: (-b.rating, b.published, b.title))
    return {
        "count": len(books),
        "average_rating": round(sum(b.rating for b in books) / len(books), 2),
        "top_rated": top.title,
        "authors": sorted({b.author for b in books}),
    }


def write(database: KernelDatabase, catalog: Catalog) -> None:
    database.write_catalog(
        list(catalog.authors),
        [(b.title, b.author, b.isbn, b.rating, b.published) for b in catalog.books],
    )


@contextlib.contextmanager
def holding(database: KernelDatabase, catalog: Catalog):
    """Within the block the database holds exactly ``catalog``; then what it held before."""
    saved = database.read_catalog()
    write(database, catalog)
    try:
        yield
    finally:
        database.write_catalog(state=saved)
