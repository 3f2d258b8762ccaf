"""ps3_async_orm: ``book_stats`` (read with the async ORM), ``create_book`` (write a book and its
author, or nothing at all) and ``prices`` (call a blocking legacy function concurrently)."""

from autograder.judge.assignments.ps3 import book_stats, create_book, prices  # noqa: F401 (register)
