"""Executing notebooks in a real Jupyter kernel, as students and nbgrader do."""

import nbformat
from nbclient import NotebookClient


def execute(nb: nbformat.NotebookNode, timeout: int = 120) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel; errors are recorded in the cells, not raised."""
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True).execute()
    return nb


def stream(cell, name: str) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == name)


def errors(cell) -> list:
    return [o for o in cell.outputs if o.output_type == "error"]
