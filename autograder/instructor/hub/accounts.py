"""The class's accounts: who they are, and (as root) the Unix users behind them.

Every Unix user made here carries :data:`MARKER` in its comment (GECOS) field, so a user of the
machine that happens to have the same name is never touched: the hub refuses to start instead.
A user left by a hub that was killed (``kill -9``, a power cut) carries the marker and is removed
when the next hub starts.
"""

from __future__ import annotations

import os
import pwd
import secrets
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

MARKER = "async-django-hands-on hub"
# Students listed by name in formgrader; past the end of the list, "Student N".
NAMES = [
    ("Ada", "Lovelace"),
    ("Grace", "Hopper"),
    ("Alan", "Turing"),
    ("Katherine", "Johnson"),
    ("Edsger", "Dijkstra"),
    ("Barbara", "Liskov"),
]


@dataclass
class Account:
    name: str
    role: str  # "instructor", "student" or "grader" (the formgrader service's user, no login)
    password: str | None
    first_name: str = ""
    last_name: str = ""
    uid: int | None = None
    home: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def new_password() -> str:
    """Twelve characters from 64: random enough for a class, short enough to type."""
    return secrets.token_urlsafe(9)


def class_accounts(students: int, prefix: str = "") -> list[Account]:
    """The instructor, ``students`` students and the grader account, with fresh passwords."""
    accounts = [Account(f"{prefix}instructor", "instructor", new_password(), "The", "Instructor")]
    for number in range(1, students + 1):
        first, last = NAMES[number - 1] if number <= len(NAMES) else ("Student", str(number))
        accounts.append(Account(f"{prefix}student{number}", "student", new_password(), first, last))
    accounts.append(Account(f"{prefix}grader", "grader", None, "Course", "Grader"))
    return accounts


# --- Unix users (root only) ---


class AccountError(RuntimeError):
    pass


def unix_user(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def is_ours(entry: pwd.struct_passwd) -> bool:
    return entry.pw_gecos == MARKER


def check_free(names: list[str]) -> list[str]:
    """Names taken by users this hub did not make (the hub must not start then)."""
    return [name for name in names if (entry := unix_user(name)) and not is_ours(entry)]


def create_unix_user(account: Account) -> None:
    """A user with a private home folder (0700) and, for people, the account's password."""
    entry = unix_user(account.name)
    if entry is not None:
        if not is_ours(entry):
            raise AccountError(f"a user {account.name!r} exists already and is not the hub's")
        remove_unix_user(account.name)  # left behind by a hub that was killed
    subprocess.run(
        ["useradd", "--create-home", "--user-group", "--shell", "/bin/bash",
         "--comment", MARKER, account.name],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    entry = pwd.getpwnam(account.name)
    os.chmod(entry.pw_dir, 0o700)
    if account.password:
        subprocess.run(
            ["chpasswd"], input=f"{account.name}:{account.password}\n", text=True, check=True
        )
    account.uid, account.home = entry.pw_uid, entry.pw_dir


def processes_of(uid: int) -> list[int]:
    """Process ids whose real or effective user id is ``uid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:  # gone meanwhile
            continue
        for line in status.splitlines():
            if line.startswith("Uid:"):
                real, effective = (int(v) for v in line.split()[1:3])
                if uid in (real, effective):
                    found.append(int(entry.name))
                break
    return found


def stop_processes_of(uid: int, grace_seconds: float = 5.0) -> list[int]:
    """SIGTERM, then SIGKILL, every process of ``uid`` (a hub user's own); returns their ids."""
    pids = processes_of(uid)
    for pid in pids:
        with _gone_is_fine():
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while processes_of(uid) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in processes_of(uid):
        with _gone_is_fine():
            os.kill(pid, signal.SIGKILL)
    return pids


class _gone_is_fine:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        return kind is ProcessLookupError


def remove_unix_user(name: str) -> None:
    """Stop the user's processes, then remove the user, its group and its home folder."""
    entry = unix_user(name)
    if entry is None:
        return
    if not is_ours(entry):
        raise AccountError(f"refusing to remove {name!r}: the hub did not make it")
    stop_processes_of(entry.pw_uid)
    subprocess.run(["userdel", "--remove", name], capture_output=True, text=True)
    if unix_user(name) is not None:
        raise AccountError(f"userdel could not remove {name!r}")
