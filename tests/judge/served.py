"""A notebook stand-in for the judge's tests: views served by the runtime in a process of its own.

``with served(SOURCE, ["view"]) as notebook:`` starts a Python process that configures Django like
a notebook's first cell, runs ``SOURCE`` (the answer cells), and serves the named views with
``autograder.runtime.serve`` on a Unix socket, on its main thread's event loop, as a grading
kernel does. ``stage(notebook)`` is the judge's Stage on it, observing that process from here.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path

from autograder.judge.client import ViewClient
from autograder.judge.data import Draw
from autograder.judge.observe import ThreadObserver
from autograder.judge.probe import LoopProbe
from autograder.judge.stage import Stage
from autograder.runtime.simulated.services import ServicesThread

CHILD = """\
import asyncio, os, sys
from autograder.runtime.bootstrap import setup_notebook
setup_notebook(quiet=True)
from autograder.runtime import serve
namespace = {"__name__": "__main__"}
exec(compile(open(sys.argv[1]).read(), "<answer>", "exec"), namespace)

async def main():
    async with serve.session(sys.argv[2], namespace, sys.argv[3].split(",")):
        print("ready", flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""


@dataclass
class Notebook:
    process: subprocess.Popen
    socket: str
    services: ServicesThread

    @property
    def pid(self) -> int:
        return self.process.pid


@contextlib.contextmanager
def served(source: str, views: list[str]):
    folder = Path(tempfile.mkdtemp(prefix="judge-test-"))
    (folder / "services").mkdir()
    services = ServicesThread(folder / "services")
    answer = folder / "answer.py"
    answer.write_text(textwrap.dedent(source))
    socket_path = str(folder / "views.sock")
    env = {**os.environ, "AUTOGRADER_SERVICES": str(services.folder)}
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(answer), socket_path, ",".join(views)],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        assert line.strip() == "ready", f"the notebook stand-in did not start: {line!r}"
        yield Notebook(process, socket_path, services)
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
        services.stop()


@contextlib.asynccontextmanager
async def stage(notebook: Notebook, seed: bytes = b"tests"):
    client = ViewClient(notebook.socket)
    try:
        with ThreadObserver(notebook.pid) as observer, LoopProbe(notebook.socket) as probe:
            yield Stage(client=client, services=notebook.services, observer=observer,
                        probe=probe, database=None, draw=Draw(seed), preview=False,
                        loop_thread=str(notebook.pid))  # fmt: skip
    finally:
        await client.aclose()


def in_thread(function, *args):
    """Run ``function`` in a thread (so that a stop or a signal can come from here meanwhile)."""
    thread = threading.Thread(target=function, args=args, daemon=True)
    thread.start()
    return thread
