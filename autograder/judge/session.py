"""The judge of one notebook being graded, in the grader's process.

Made when the sandbox prepares a grading kernel's private folder (before the kernel exists):

* it starts the judge's **services** on sockets in ``<private>/judge/``, a folder the kernel can
  connect into but not change (it belongs to the grader), answering like the practice services
  until a check installs its own routes; the kernel is told where they are
  (``kernel_environment()``), and where its database file must be;
* it draws the submission's **data** from the course secret and the submission's names;
* at each test cell's turn, :meth:`judge_cell` has the kernel serve the cell's views (by running
  :func:`autograder.runtime.serve.serve` there, through the caller's ``run_in_kernel``) while it
  runs the check from here, on a loop of its own, with an observer on the kernel's main thread,
  then ends the serving session (interrupting the kernel if it does not listen).

The verdict, not anything the kernel printed, becomes the test cell's output.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from autograder.judge.client import ViewClient
from autograder.judge.data import Draw, submission_seed
from autograder.judge.database import KernelDatabase
from autograder.judge.observe import ThreadObserver
from autograder.judge.probe import LoopProbe
from autograder.judge.registry import Check, checks_of
from autograder.judge.stage import Stage
from autograder.judge.verdict import Verdict, judge
from autograder.runtime.serve import UNBLOCK_SIGNAL
from autograder.runtime.services import SERVICES_ENV
from autograder.runtime.simulated.practice import calm_routes

LEGACY_ENV = "DEMO_PROJECT_LEGACY_PRICES"
DATABASE_ENV = "DEMO_PROJECT_DB"
SERVE_START_LIMIT = 20.0  # how long the kernel may take to start serving a test cell's views
DONE_GRACE = 2.0  # then the kernel is interrupted


class GradingSession:
    def __init__(
        self,
        *,
        private_dir: Path,
        assignment: str,
        notebook: str,
        student: str,
        course_id: str,
        secret: bytes,
        kernel_owner: int | None = None,
    ) -> None:
        from autograder.runtime.simulated.services import ServicesThread

        self.assignment = assignment
        self.private_dir = Path(private_dir)
        self.folder = self.private_dir / "judge"
        self.folder.mkdir(mode=0o755, exist_ok=True)
        os.chmod(self.folder, 0o755)
        (self.private_dir / "serve").mkdir(exist_ok=True)
        (self.private_dir / "db").mkdir(exist_ok=True)
        self.views_socket = str(self.private_dir / "serve" / "views.sock")
        self.database_path = self.private_dir / "db" / "db.sqlite3"
        self.kernel_owner = kernel_owner
        self.draw = Draw(submission_seed(secret, course_id, assignment, student, notebook))
        self.checks = checks_of(assignment)
        self.services = ServicesThread(self.folder)
        self.services.install(calm_routes())
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="judge", daemon=True)
        self._thread.start()
        self.verdicts: list[Verdict] = []

    def kernel_environment(self) -> dict[str, str]:
        return {
            SERVICES_ENV: str(self.folder),
            LEGACY_ENV: str(self.services.socket_path("legacy-prices.example")),
            DATABASE_ENV: str(self.database_path),
        }

    # --- one test cell ---------------------------------------------------------------------------

    def serve_code(self, spec: Check, token: str) -> str:
        """What the kernel runs at the test cell's turn: serve the cell's names until done."""
        return (
            "await __import__('autograder.runtime.serve', fromlist=['serve']).serve("
            f"{self.views_socket!r}, {list(spec.views)!r}, {token!r}, "
            f"{json.loads(json.dumps(dict(spec.constants)))!r}, {list(spec.values)!r}"
            + (", clear_cache=True" if spec.clear_cache else "")
            + ")"
        )

    def judge_cell(self, spec: Check, kernel_pid: int, run_in_kernel: Callable[[str], None],
                   kernel_uid: int | None = None) -> Verdict:  # fmt: skip
        """Judge test cell ``spec`` while ``run_in_kernel(code)`` has the kernel serve it."""
        token = secrets.token_hex(8)
        serving_ended = threading.Event()
        future: Future = asyncio.run_coroutine_threadsafe(
            self._judge(spec, token, kernel_pid, serving_ended), self._loop
        )
        try:
            run_in_kernel(self.serve_code(spec, token))
        finally:
            serving_ended.set()
        try:
            verdict = future.result(timeout=SERVE_START_LIMIT + 60)
        except Exception as error:  # noqa: BLE001 (the judge must still give a verdict)
            message = f"The grader could not judge this test: {error}"
            verdict = Verdict(spec.grade_id, False, message, 0.0, True)
        self.verdicts.append(verdict)
        return verdict

    async def _judge(self, spec: Check, token: str, pid: int, serving_ended: threading.Event):
        client = ViewClient(self.views_socket)
        try:
            serving = await self._wait_for_session(client, token, serving_ended)
            if not serving:
                return Verdict(spec.grade_id, False, _not_served(spec), 0.0)
            with ThreadObserver(pid) as observer, LoopProbe(self.views_socket) as probe:
                stage = Stage(
                    client=client,
                    services=self.services,
                    observer=observer,
                    probe=probe,
                    database=KernelDatabase(self.database_path, self.kernel_owner)
                    if self.database_path.exists()
                    else None,
                    draw=self.draw.child(spec.grade_id),
                    preview=False,
                    loop_thread=_namespace_tid(pid),
                    # The kernel's own word: if it lies, the signal's default action ends it.
                    interrupt=(lambda: _signal(pid, UNBLOCK_SIGNAL))
                    if serving.get("guarded")
                    else None,
                )
                verdict = await judge(spec, stage)
            await self._end_session(client, pid, serving_ended)
            self.services.install(calm_routes())  # try-it cells after the test see a calm day
            return verdict
        finally:
            await client.aclose()

    async def _wait_for_session(self, client: ViewClient, token: str, ended) -> dict | None:
        """The kernel's description of the serving session, once it is ``token``'s."""
        deadline = time.perf_counter() + SERVE_START_LIMIT
        while time.perf_counter() < deadline and not ended.is_set():
            if os.path.exists(self.views_socket):  # noqa: ASYNC240 (one stat, no I/O wait)
                try:
                    found = await client.control("session", time_limit=1.0)
                    if found.get("token") == token:
                        return found
                except Exception:  # noqa: BLE001 (not up yet, or an old server: try again)
                    pass
            await asyncio.sleep(0.01)
        return None

    async def _end_session(self, client: ViewClient, pid: int, ended: threading.Event) -> None:
        try:
            await client.control("done", time_limit=DONE_GRACE)
        except Exception:  # noqa: BLE001 (a blocked or dead kernel: interrupted below)
            pass
        if not await asyncio.to_thread(ended.wait, DONE_GRACE):
            # The kernel's loop is blocked (a view that never returns): interrupt it, as
            # nbgrader does with a cell that runs too long.
            try:
                os.kill(pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        self.services.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _not_served(spec: Check) -> str:
    names = ", ".join(f"`{n}`" for n in spec.served) or "the notebook"
    return (
        f"{names}: the notebook's kernel did not serve this test's code.\n"
        "What it means: an earlier cell left the kernel unable to run anything more (it exited, "
        "broke the event loop, or never finished), so this test could not run.\n"
        "What to change: restart the kernel and run all cells; every cell before this test must "
        "run cleanly."
    )


def _namespace_tid(pid: int) -> str | None:
    """The kernel's main thread id as the kernel itself sees it (inside its PID namespace)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return line.split()[-1]
    except OSError:
        return None
    return None
