"""Shared set-up: Django configured exactly as a notebook's first cell configures it."""

import asyncio

import pytest

from autograder.bootstrap import setup_notebook


@pytest.fixture(scope="session", autouse=True)
def django_like_a_notebook():
    setup_notebook(quiet=True)


def run(coroutine):
    """Run a coroutine to completion in a fresh event loop (the tests' stand-in for a cell)."""
    return asyncio.run(coroutine)
