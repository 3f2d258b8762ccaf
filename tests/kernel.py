"""Executing notebooks in a real Jupyter kernel, as students and nbgrader do."""

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

MARK = "AUTOGRADER_TEST_RUN"  # in the kernel's environment, so in everything it starts


def execute(nb: nbformat.NotebookNode, timeout: int = 120, mark: str = "") -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel; errors are recorded in the cells, not raised.

    With ``mark``, the kernel and whatever it starts carry ``AUTOGRADER_TEST_RUN=<mark>`` in their
    environment: :func:`processes_marked` finds what a notebook left running, whatever else runs
    on the machine (other tests, in parallel).
    """
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True)
    if mark:
        env = {**os.environ, MARK: mark}
        client.execute(env=env)
    else:
        client.execute()
    return nb


def processes_marked(mark: str) -> list[str]:
    """``pid command`` of every running process whose environment has ``MARK=mark``."""
    wanted = f"{MARK}={mark}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if wanted in (proc / "environ").read_bytes().split(b"\0"):
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
                found.append(f"{proc.name} {command}")
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def stream(cell, name: str) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == name)


def errors(cell) -> list:
    return [o for o in cell.outputs if o.output_type == "error"]
