"""The judge reads and writes the kernel's database file itself, and never through a link."""

import os
import sqlite3
import threading
import time

import pytest

from autograder.judge.database import KernelDatabase, UnsafeDatabase


def _database(path):
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE catalog_author (id INTEGER PRIMARY KEY, name TEXT UNIQUE);"
        "CREATE TABLE catalog_book (id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER,"
        " isbn TEXT UNIQUE, rating INTEGER, published TEXT);"
    )
    db.close()
    return KernelDatabase(path)


def test_write_then_read_a_catalog_and_put_a_saved_one_back(tmp_path):
    database = _database(tmp_path / "db.sqlite3")
    database.write_catalog(["B", "A"], [("T", "A", "9780000000001", 4, "2020-01-02")])
    saved = database.read_catalog()
    assert sorted(saved.authors.values()) == ["A", "B"] and len(saved.books) == 1
    database.write_catalog(["C"], [])
    assert list(database.read_catalog().authors.values()) == ["C"]
    database.write_catalog(state=saved)
    assert database.read_catalog() == saved
    assert not list(tmp_path.glob("*-journal")), "a journal file was left next to the database"


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "fifo"])
def test_a_planted_link_or_fifo_is_refused(tmp_path, kind):
    target = tmp_path / "gradebook.db"
    _database(target)
    planted = tmp_path / "db.sqlite3"
    if kind == "symlink":
        planted.symlink_to(target)
    elif kind == "hardlink":
        os.link(target, planted)
    else:
        os.mkfifo(planted)
    with pytest.raises((UnsafeDatabase, OSError)):
        KernelDatabase(planted).read_catalog()


def test_a_file_of_someone_else_is_refused(tmp_path):
    database = _database(tmp_path / "db.sqlite3")
    with pytest.raises(UnsafeDatabase):
        KernelDatabase(database.path, owner=os.getuid() + 1).read_catalog()


def test_a_slow_database_makes_a_reader_wait_while_it_lasts(tmp_path):
    database = _database(tmp_path / "db.sqlite3")
    waited = []

    def read():
        started = time.perf_counter()
        sqlite3.connect(database.path, timeout=5).execute("SELECT * FROM catalog_book").fetchall()
        waited.append(time.perf_counter() - started)

    with database.slow(0.3):
        reader = threading.Thread(target=read)
        reader.start()
        reader.join()
    assert 0.25 <= waited[0] < 2.0
