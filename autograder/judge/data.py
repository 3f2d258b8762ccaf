"""Data no student can know: every check draws its inputs from a generator seeded per submission.

The seed of a graded submission is an HMAC of the course's secret (a file the grading kernel
never sees) and the submission's course, assignment, student and notebook; each check then
draws from a child seeded with its own name, so checks do not depend on each other's order. A
preview in a student's kernel uses the fixed seed ``"preview"``: the same data every time, and
not the data the grader will use.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import secrets
import string
from collections.abc import Sequence
from pathlib import Path

PREVIEW_SEED = b"preview"

FIRST_NAMES = ("Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Tomás", "Mei", "Inês",
               "Jonah", "Zoë", "Ngozi", "Søren", "Ayşe", "Kwame", "Priya", "Lars", "Amara",
               "Joaquín", "Yuki", "Olu", "Niamh", "Dmitri", "Leilani", "Farida",
               "Björn")  # fmt: skip
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Ferreira",
              "Okafor", "Duarte", "Whitcombe", "Marchetti", "Adeyemi", "Kierkegaard", "Yılmaz",
              "Mensah", "Raman", "Lindgren", "Nwosu", "Sorolla", "Tanaka", "Bakare", "Byrne",
              "Volkov", "Kahale", "Haddad", "Lindqvist")  # fmt: skip
WORDS = ("lantern", "harbour", "queue", "signal", "orchard", "static", "compass", "meridian",
         "ember", "tide", "atlas", "quarry", "velvet", "thicket", "ledger", "glacier", "cipher",
         "saffron", "bramble", "canyon", "drizzle", "falcon", "gossamer", "hinterland", "inkwell",
         "juniper", "kestrel", "lullaby", "marble", "nocturne")  # fmt: skip


def submission_seed(secret: bytes, *parts: str) -> bytes:
    """The seed of one submission: HMAC-SHA256(secret, "course/assignment/student/notebook")."""
    return hmac.new(secret, "/".join(parts).encode(), hashlib.sha256).digest()


def course_secret(path: Path) -> bytes:
    """The course's secret, made (mode 0600) the first time it is needed."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as file:
            return file.read()
    value = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as file:
        file.write(value)
    return value


class Draw:
    """A seeded source of test data."""

    def __init__(self, seed: bytes) -> None:
        self.seed = seed
        self._rng = random.Random(seed)

    def child(self, label: str) -> Draw:
        return Draw(hashlib.sha256(self.seed + b"/" + label.encode()).digest())

    # --- plain draws -----------------------------------------------------------------------------

    def uniform(self, low: float, high: float, digits: int = 2) -> float:
        return round(self._rng.uniform(low, high), digits)

    def randint(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    def choice(self, options: Sequence):
        return self._rng.choice(options)

    def sample(self, options: Sequence, count: int) -> list:
        return self._rng.sample(list(options), count)

    def shuffled(self, items: Sequence) -> list:
        items = list(items)
        self._rng.shuffle(items)
        return items

    def chance(self, probability: float) -> bool:
        return self._rng.random() < probability

    # --- course data ---------------------------------------------------------------------------

    def person(self) -> str:
        return f"{self.choice(FIRST_NAMES)} {self.choice(LAST_NAMES)}"

    def people(self, count: int) -> list[str]:
        found: list[str] = []
        while len(found) < count:
            name = self.person()
            if name not in found:
                found.append(name)
        return found

    def word(self) -> str:
        return self.choice(WORDS)

    def title(self) -> str:
        first, second = self.sample(WORDS, 2)
        pattern = self.choice(("The {a} of the {b}", "{A} and {B}", "A {a} for the {b}",
                               "Notes on the {a}", "{A} at {B}"))  # fmt: skip
        return pattern.format(a=first, b=second, A=first.title(), B=second.title())

    def titles(self, count: int) -> list[str]:
        found: list[str] = []
        while len(found) < count:
            title = self.title()
            if title not in found:
                found.append(title)
        return found

    def isbn(self) -> str:
        return "978" + "".join(self.choice(string.digits) for _ in range(10))

    def isbns(self, count: int) -> list[str]:
        found: list[str] = []
        while len(found) < count:
            isbn = self.isbn()
            if isbn not in found:
                found.append(isbn)
        return found

    def price(self) -> str:
        return f"{self.randint(3, 60)}.{self.choice(('00', '25', '50', '75', '90', '95', '99'))}"

    def date(self, first_year: int = 1990, last_year: int = 2025) -> str:
        year, month, day = (
            self.randint(first_year, last_year),
            self.randint(1, 12),
            self.randint(1, 28),
        )
        return f"{year}-{month:02d}-{day:02d}"
