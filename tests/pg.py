"""A throw-away PostgreSQL server for the tests: its own cluster in a temporary folder.

``.ci/run`` installs PostgreSQL (Debian's ``postgresql`` package); the binaries are found in
/usr/lib/postgresql/<version>/bin or on PATH. The server listens on 127.0.0.1 on a free port with
password authentication (so a grading kernel could not log in even if it could reach it), runs as
the ``postgres`` user when the tests run as root (PostgreSQL refuses to run as root), and is
stopped and deleted when the block ends.

A CI that provides a server instead (a service container) can name it in
``AUTOGRADER_TEST_POSTGRES_URL`` (``postgresql+psycopg://user:password@host:port/postgres``): the
tests then create a database of their own on it and drop it afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

EXTERNAL = "AUTOGRADER_TEST_POSTGRES_URL"


def available() -> bool:
    return bool(os.environ.get(EXTERNAL)) or binaries() is not None


@contextlib.contextmanager
def _database_on(url: str, database: str):
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(url)
    conninfo = dict(
        host=server.host,
        port=server.port or 5432,
        user=server.username,
        password=server.password,
        dbname=server.database or "postgres",
    )
    name = f"{database}_{secrets.token_hex(4)}"
    with psycopg.connect(**conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, newest version first; None when not installed."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True
    )
    on_path = shutil.which("initdb")
    for folder in [*candidates, *([str(Path(on_path).parent)] if on_path else [])]:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def postgres_server(database: str = "gradebook"):
    """Yield a SQLAlchemy URL (postgresql+psycopg://...) of a fresh, empty database."""
    import psycopg

    if os.environ.get(EXTERNAL):
        with _database_on(os.environ[EXTERNAL], database) as url:
            yield url
        return

    bindir = binaries()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    run_as = {}
    owner = None
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres") if _has_user("postgres") else pwd.getpwnam("nobody")
        run_as = {"user": account.pw_uid, "group": account.pw_gid}
        owner = account
    folder = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
    data, password_file = folder / "data", folder / "password"
    password = secrets.token_hex(16)
    password_file.write_text(password)
    if owner is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        os.chown(password_file, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    started = False
    try:
        subprocess.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "grader",
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
            cwd=folder,
            env=env,
            **run_as,
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} "
            f"-c unix_socket_directories={folder} -c fsync=off"
        )
        subprocess.run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
            cwd=folder,
            env=env,
            **run_as,
        )
        started = True
        with psycopg.connect(
            host="127.0.0.1",
            port=port,
            user="grader",
            password=password,
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
        yield f"postgresql+psycopg://grader:{password}@127.0.0.1:{port}/{database}"
    finally:
        if started:
            subprocess.run(
                [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                cwd=folder,
                env=env,
                **run_as,
            )
        shutil.rmtree(folder, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
