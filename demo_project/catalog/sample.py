"""The sample catalog the lessons start from, and functions to load and clear it.

Both functions are synchronous ORM code: from async code (a Jupyter cell, an async view) call
them through ``asgiref.sync.sync_to_async``. The data itself can be imported before Django is set
up (the models are imported inside the functions), so graders and tests can read it anywhere.
"""

from datetime import date
from typing import NamedTuple

from django.db import transaction


class SampleBook(NamedTuple):
    title: str
    author: str
    isbn: str
    rating: int
    published: date


SAMPLE_AUTHORS: tuple[str, ...] = (
    "Ada Lindqvist",
    "Tomás Ferreira",
    "Mei Okafor",
    "Jonah Whitcombe",
)

# Invented books; every ISBN has a price in demo_project.catalog.legacy.LEGACY_PRICES.
SAMPLE_BOOKS: tuple[SampleBook, ...] = (
    SampleBook("The Patient Event Loop", "Ada Lindqvist", "9785260181591", 5, date(2019, 3, 14)),
    SampleBook("Threads in the Attic", "Ada Lindqvist", "9780830166138", 3, date(2015, 9, 2)),
    SampleBook(
        "A Field Guide to Slow Servers", "Tomás Ferreira", "9781860913907", 4, date(2021, 6, 21)
    ),
    SampleBook("Waiting for the Upstream", "Tomás Ferreira", "9789960308241", 2, date(2018, 11, 5)),
    SampleBook("The Cartographer's Queue", "Mei Okafor", "9786281948217", 5, date(2022, 1, 30)),
    SampleBook("Small Hours in Lisbon", "Mei Okafor", "9789935181909", 4, date(2017, 4, 18)),
    SampleBook(
        "Notes from a Blocking Call", "Jonah Whitcombe", "9789378657979", 1, date(2012, 8, 9)
    ),
    SampleBook(
        "The Lighthouse Keeper's Ledger", "Jonah Whitcombe", "9785432319487", 3, date(2020, 10, 12)
    ),
)


def load_sample_catalog() -> None:
    """Add the sample authors and books, or put them back as they were; other rows stay.

    Idempotent: loading twice leaves the same rows as loading once.
    """
    from .models import Author, Book

    with transaction.atomic():
        authors_by_name = {
            name: Author.objects.get_or_create(name=name)[0] for name in SAMPLE_AUTHORS
        }
        for book in SAMPLE_BOOKS:
            Book.objects.update_or_create(
                isbn=book.isbn,
                defaults={
                    "title": book.title,
                    "author": authors_by_name[book.author],
                    "rating": book.rating,
                    "published": book.published,
                },
            )


def clear_catalog() -> None:
    """Delete every book and every author, sample or not."""
    from .models import Author, Book

    with transaction.atomic():
        Book.objects.all().delete()
        Author.objects.all().delete()
