"""The kernel's database, read and written by the judge directly (SQLite, demo_project's tables).

What a check says about the database (the catalog a view saw, what a failed request left behind)
comes from the database file itself, not from the kernel. The file lives in the kernel's folder,
which the kernel may change, so it is opened without following links and only when it is a
regular file with one name (``O_NOFOLLOW``, ``fstat``): a grader running as root never writes
through a link the kernel planted. SQLite then reaches it through ``/proc/self/fd/N``, with its
rollback journal kept in memory (no ``-journal`` file is made next to that name).

``slow(seconds)`` holds an exclusive lock for a while, as a slow or busy database would: a query
made meanwhile waits for it. On a worker thread that is what a database is like; on the event
loop's own thread (the sync ORM with ``DJANGO_ALLOW_ASYNC_UNSAFE``) it stalls the loop, which the
observer sees.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class UnsafeDatabase(RuntimeError):
    """The database file is not a plain file of the kernel's (a link, a device, ...)."""


@dataclass(frozen=True)
class BookRow:
    title: str
    author_id: int
    isbn: str
    rating: int
    published: str  # YYYY-MM-DD, as SQLite keeps a DateField


@dataclass(frozen=True)
class Catalog:
    """Every row of the catalog tables, by id."""

    authors: dict[int, str]
    books: dict[int, BookRow]

    def describe(self, book_id: int) -> str:
        book = self.books[book_id]
        author = self.authors.get(book.author_id, f"author id {book.author_id}")
        return (
            f"{book.title!r} by {author!r} (isbn {book.isbn}, rating {book.rating}, "
            f"published {book.published})"
        )

    def changes_since(self, before: Catalog) -> list[str]:
        """What differs from ``before``, in words."""
        found = []
        for author_id in self.authors.keys() - before.authors.keys():
            found.append(f"author {self.authors[author_id]!r} was added")
        for author_id in before.authors.keys() - self.authors.keys():
            found.append(f"author {before.authors[author_id]!r} was deleted")
        for author_id in before.authors.keys() & self.authors.keys():
            if before.authors[author_id] != self.authors[author_id]:
                found.append(
                    f"author {before.authors[author_id]!r} was renamed {self.authors[author_id]!r}"
                )
        for book_id in sorted(self.books.keys() - before.books.keys()):
            found.append(f"book {self.describe(book_id)} was added")
        for book_id in sorted(before.books.keys() - self.books.keys()):
            found.append(f"book {before.describe(book_id)} was deleted")
        for book_id in sorted(before.books.keys() & self.books.keys()):
            if before.books[book_id] != self.books[book_id]:
                found.append(f"book {before.describe(book_id)} was changed")
        return found


class KernelDatabase:
    """demo_project's SQLite database at ``path`` (owned by ``owner`` when given)."""

    def __init__(self, path: str | Path, owner: int | None = None) -> None:
        self.path, self.owner = str(path), owner

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        fd = os.open(self.path, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
                raise UnsafeDatabase(f"{self.path} is not a plain file")
            if self.owner is not None and info.st_uid != self.owner:
                raise UnsafeDatabase(f"{self.path} does not belong to the kernel")
            with open(f"/proc/self/fd/{fd}", "rb") as header:
                if header.read(20)[18:20] == b"\x02\x02":
                    raise UnsafeDatabase(f"{self.path} is in WAL mode, which the judge cannot read")
            connection = sqlite3.connect(f"/proc/self/fd/{fd}", timeout=20, isolation_level=None)
            try:
                connection.execute("PRAGMA journal_mode=MEMORY")
                connection.execute("PRAGMA foreign_keys=ON")
                yield connection
            finally:
                connection.close()
        finally:
            os.close(fd)

    # --- the catalog ---------------------------------------------------------------------------

    def read_catalog(self) -> Catalog:
        with self.connect() as db:
            authors = dict(db.execute("SELECT id, name FROM catalog_author ORDER BY id"))
            books = {
                row[0]: BookRow(row[1], row[2], row[3], row[4], str(row[5]))
                for row in db.execute(
                    "SELECT id, title, author_id, isbn, rating, published FROM catalog_book "
                    "ORDER BY id"
                )
            }
        return Catalog(authors, books)

    def write_catalog(self, authors: list[str] = (), books: list[tuple] = (),
                      state: Catalog | None = None) -> dict[str, int]:  # fmt: skip
        """Replace every author and book: new ones (``authors`` in this order, ``books`` as
        (title, author, isbn, rating, published)), or a saved ``state`` with its ids."""
        ids: dict[str, int] = {}
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM catalog_book")
                db.execute("DELETE FROM catalog_author")
                if state is not None:
                    db.executemany("INSERT INTO catalog_author (id, name) VALUES (?, ?)",
                                   state.authors.items())  # fmt: skip
                    db.executemany(
                        "INSERT INTO catalog_book (id, title, author_id, isbn, rating, published)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        [(i, b.title, b.author_id, b.isbn, b.rating, b.published)
                         for i, b in state.books.items()],
                    )  # fmt: skip
                for name in authors:
                    ids[name] = db.execute(
                        "INSERT INTO catalog_author (name) VALUES (?)", (name,)
                    ).lastrowid
                for title, author, isbn, rating, published in books:
                    db.execute(
                        "INSERT INTO catalog_book (title, author_id, isbn, rating, published)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (title, ids[author], isbn, rating, published),
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return ids

    # --- a slow database -------------------------------------------------------------------------

    @contextlib.contextmanager
    def slow(self, seconds: float) -> Iterator[None]:
        """Within the block (for at most ``seconds``), queries of the kernel wait for a lock."""
        held, release = threading.Event(), threading.Event()
        problems: list[BaseException] = []

        def hold() -> None:
            try:
                with self.connect() as db:
                    db.execute("BEGIN EXCLUSIVE")
                    held.set()
                    release.wait(seconds)
                    db.execute("COMMIT")
            except BaseException as error:  # reported to the caller below
                problems.append(error)
                held.set()

        holder = threading.Thread(target=hold, name="judge-slow-database", daemon=True)
        holder.start()
        held.wait(10)
        if problems:
            raise problems[0]
        started = time.perf_counter()
        try:
            yield
        finally:
            release.set()
            holder.join(max(1.0, seconds - (time.perf_counter() - started) + 1))
