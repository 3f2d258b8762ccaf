"""demo_project as a whole: its Django test suite, its checks, and a real uvicorn server.

Everything that needs a fresh process (Django's test runner, manage.py, the ASGI server) runs in
a subprocess, so these tests do not depend on how Django is set up in the pytest process.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from demo_project.catalog.sample import SAMPLE_AUTHORS, SAMPLE_BOOKS

# The assignments' ORM checks run on demo_project: .ci/run repeats these on Django 5.2 LTS too.
pytestmark = pytest.mark.grading

REPO_ROOT = Path(__file__).resolve().parent.parent
MANAGE_PY = REPO_ROOT / "demo_project" / "manage.py"
SERVER_START_TIMEOUT_SECONDS = 20


def subprocess_env(**overrides: str) -> dict[str, str]:
    """This process's environment, minus anything that would change how demo_project behaves."""
    env = dict(os.environ)
    for name in (
        "DEMO_PROJECT_DB",
        "DEMO_PROJECT_POSTGRES",
        "DEMO_PROJECT_CONN_MAX_AGE",
        "DEMO_PROJECT_DB_POOL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DJANGO_DEBUG",
    ):
        env.pop(name, None)
    env["DJANGO_SETTINGS_MODULE"] = "demo_project.settings"
    env["PYTHONUNBUFFERED"] = "1"
    return env | overrides


def run_python(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO_ROOT, timeout=300):
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env or subprocess_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def output_of(result: subprocess.CompletedProcess) -> str:
    return (
        f"exit code {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )


# manage.py: tests, checks, migrations


def test_django_test_suite_passes():
    # -W error: a deprecation inside demo_project should fail here, not surprise us at upgrade.
    result = run_python("-W", "error", str(MANAGE_PY), "test", "demo_project", "-v", "2")
    assert result.returncode == 0, output_of(result)
    assert "\nOK" in result.stderr, output_of(result)


def test_system_checks_are_clean():
    result = run_python(str(MANAGE_PY), "check", "--fail-level", "WARNING")
    assert result.returncode == 0, output_of(result)
    assert "System check identified no issues" in result.stdout, output_of(result)


def test_migrations_are_up_to_date():
    result = run_python(str(MANAGE_PY), "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, output_of(result)
    assert "No changes detected" in result.stdout, output_of(result)


def test_manage_py_imports_the_project_next_to_it(tmp_path):
    # A copy of the project that is not installed anywhere: manage.py must still find it.
    copied_project = tmp_path / "repo" / "demo_project"
    shutil.copytree(
        REPO_ROOT / "demo_project", copied_project, ignore=shutil.ignore_patterns("__pycache__")
    )
    show_import_paths = (
        "import json, sys, demo_project; "
        "print('IMPORT PATHS', json.dumps([demo_project.__file__, sys.path]))"
    )
    result = run_python(
        str(copied_project / "manage.py"), "shell", "-c", show_import_paths, cwd=tmp_path
    )
    assert result.returncode == 0, output_of(result)
    report_line = next(line for line in result.stdout.splitlines() if "IMPORT PATHS" in line)
    imported_from, import_path = json.loads(report_line.removeprefix("IMPORT PATHS "))
    assert Path(imported_from).parent == copied_project
    # Modules inside demo_project/ must not be importable as top-level modules.
    assert str(copied_project) not in import_path


# demo_project.db.prepare_database and the ephemeral database

PREPARE_FROM_AN_EVENT_LOOP = textwrap.dedent(
    """
    import asyncio, json, os
    from concurrent.futures import ThreadPoolExecutor

    from demo_project.db import prepare_database


    async def main():
        # Like a Jupyter cell: a running event loop in this thread, Django not set up yet.
        database = prepare_database(sample_data=True)
        with ThreadPoolExecutor(max_workers=4) as pool:
            again = list(pool.map(lambda _: prepare_database(sample_data=True), range(4)))
        from django.conf import settings
        from demo_project.catalog.models import Author, Book

        print(json.dumps({
            "database": database,
            "same_every_time": set(again) == {database},
            "ephemeral": settings.DEMO_PROJECT_EPHEMERAL_DB,
            "exists": os.path.exists(database),
            "books": await Book.objects.acount(),
            "authors": await Author.objects.acount(),
        }))


    asyncio.run(main())
    """
)


def run_prepare_from_an_event_loop(env: dict[str, str]) -> dict:
    result = run_python("-W", "error", "-c", PREPARE_FROM_AN_EVENT_LOOP, env=env, timeout=60)
    assert result.returncode == 0, output_of(result)
    assert result.stderr == "", output_of(result)
    return json.loads(result.stdout.splitlines()[-1])


def test_prepare_database_works_inside_a_running_event_loop():
    report = run_prepare_from_an_event_loop(subprocess_env())
    assert report["ephemeral"] is True
    assert report["exists"] is True
    assert report["same_every_time"] is True
    assert (report["authors"], report["books"]) == (len(SAMPLE_AUTHORS), len(SAMPLE_BOOKS))
    # The per-process database is removed when its process exits.
    assert not Path(report["database"]).parent.exists()


def test_demo_project_db_names_a_lasting_database(tmp_path):
    database = tmp_path / "catalog.sqlite3"
    report = run_prepare_from_an_event_loop(subprocess_env(DEMO_PROJECT_DB=str(database)))
    assert report["ephemeral"] is False
    assert Path(report["database"]) == database
    assert database.exists()


# Production-style database settings from the environment (lesson 8)

SHOW_DATABASE = """
import json, django
django.setup()
from django.conf import settings
database = settings.DATABASES["default"]
print(json.dumps({
    "engine": database["ENGINE"].rsplit(".", 1)[-1],
    "name": str(database["NAME"]),
    "user": database.get("USER"),
    "host": database.get("HOST"),
    "port": database.get("PORT"),
    "conn_max_age": database["CONN_MAX_AGE"],
    "pool": database.get("OPTIONS", {}).get("pool"),
    "ephemeral": settings.DEMO_PROJECT_EPHEMERAL_DB,
}))
"""


def database_settings(**env: str) -> dict:
    result = run_python("-c", SHOW_DATABASE, env=subprocess_env(**env))
    assert result.returncode == 0, output_of(result)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_default_database_is_sqlite_without_persistent_connections():
    database = database_settings()
    assert (database["engine"], database["conn_max_age"], database["pool"]) == ("sqlite3", 0, None)
    assert database["ephemeral"] is True


def test_demo_project_postgres_names_a_postgresql_database():
    database = database_settings(
        DEMO_PROJECT_POSTGRES="host=/tmp/lesson-pg port=5433 dbname=shop user=lesson"
    )
    assert database == {
        "engine": "postgresql",
        "name": "shop",
        "user": "lesson",
        "host": "/tmp/lesson-pg",
        "port": "5433",
        "conn_max_age": 0,
        "pool": None,
        "ephemeral": False,
    }


def test_persistent_connections_and_the_pool_come_from_the_environment():
    postgres = "host=/tmp/lesson-pg dbname=shop user=lesson"
    assert database_settings(DEMO_PROJECT_CONN_MAX_AGE="60")["conn_max_age"] == 60
    pooled = database_settings(DEMO_PROJECT_POSTGRES=postgres, DEMO_PROJECT_DB_POOL="4")
    assert pooled["pool"] == {"min_size": 1, "max_size": 4, "timeout": 10}
    assert pooled["conn_max_age"] == 0


# A real server: uvicorn serving demo_project.asgi over HTTP


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DemoServer:
    def __init__(self, base_url: str, log_path: Path):
        self.base_url = base_url
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """uvicorn serving demo_project on a free port, with its own ephemeral database."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("demo_server") / "server.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "demo_project.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    # A file, not a pipe: nobody reads the output while the server runs, and a full pipe blocks.
    with open(log_path, "wb") as log_file:
        server = subprocess.Popen(
            command, cwd=REPO_ROOT, env=subprocess_env(), stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_serving(server, base_url, log_path)
        yield DemoServer(base_url, log_path)
    finally:
        stop_server(server)


def stop_server(server: subprocess.Popen) -> None:
    """Stop the server the way a person would, with Ctrl+C; kill it if it does not stop.

    Not SIGTERM first: uvicorn re-raises SIGTERM after shutting down, so the process dies of it
    without running atexit, and its ephemeral database folder would stay behind.
    """
    if os.name == "posix":
        server.send_signal(signal.SIGINT)
    else:
        server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def wait_until_serving(server: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    with httpx.Client(base_url=base_url, timeout=1, trust_env=False) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(
                    f"uvicorn exited with code {server.returncode}:\n{log_path.read_text()}"
                )
            try:
                client.get("/api/books/")
            except httpx.TransportError:
                time.sleep(0.1)
            else:
                return
    pytest.fail(
        f"uvicorn did not answer within {SERVER_START_TIMEOUT_SECONDS} s:\n{log_path.read_text()}"
    )


@pytest.fixture
def client(demo_server):
    # trust_env=False: a proxy from the environment must not see requests to 127.0.0.1.
    with httpx.Client(base_url=demo_server.base_url, timeout=15, trust_env=False) as client:
        yield client
    assert "Traceback" not in demo_server.log(), demo_server.log()


def assert_json_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"error"}


def test_server_lists_the_sample_books(client):
    response = client.get("/api/books/")
    assert response.status_code == 200
    books = response.json()["books"]
    assert sorted(book["isbn"] for book in books) == sorted(book.isbn for book in SAMPLE_BOOKS)
    assert set(books[0]) == {"id", "title", "author", "isbn", "rating", "published"}


def test_server_answers_a_missing_book_with_404(client):
    assert_json_error(client.get("/api/books/987654321/"), 404)


def test_server_creates_an_author_once(client):
    created = client.post("/api/authors/", json={"name": "Over The Wire"})
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Over The Wire"

    duplicate = client.post("/api/authors/", json={"name": "Over The Wire"})
    assert_json_error(duplicate, 409)

    authors = client.get("/api/authors/").json()["authors"]
    assert {"id": created.json()["id"], "name": "Over The Wire", "book_count": 0} in authors


def test_server_refuses_a_body_that_is_not_json(client):
    response = client.post(
        "/api/authors/", content=b"{name: nope", headers={"content-type": "application/json"}
    )
    assert_json_error(response, 400)


def test_server_fakes_an_upstream(client):
    response = client.get("/upstream/inventory/", params={"delay": "0.1"})
    assert response.status_code == 200
    assert response.json() == {"service": "inventory", "delay": 0.1, "status": 200}


def test_server_refuses_a_bad_upstream_delay(client):
    assert_json_error(client.get("/upstream/inventory/", params={"delay": "nan"}), 400)
