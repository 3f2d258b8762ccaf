"""`make lab` starts JupyterLab on 127.0.0.1 (as root too), with nbgrader's extension installed."""

import os
import signal
import socket
import subprocess
import time

import httpx
import pytest

from autograder.instructor.paths import REPO

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_lab_serves_jupyterlab_on_localhost(tmp_path):
    port, token = _free_port(), "course-test-token"
    args = f"--port={port} --ServerApp.token={token} --ServerApp.port_retries=0"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "HOME": str(tmp_path)}
    server = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # so that make, jupyter and its kernels stop together
    )  # fmt: skip
    try:
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/api/status?token={token}")
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert status is not None and status.status_code == 200, "JupyterLab did not answer"
        lab = httpx.get(f"http://127.0.0.1:{port}/lab?token={token}")
        assert lab.status_code == 200 and "JupyterLab" in lab.text
        extensions = httpx.get(f"http://127.0.0.1:{port}/lab/api/extensions?token={token}")
        assert "nbgrader" in extensions.text, "nbgrader's lab extension is not installed"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            output, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output, _ = server.communicate()
    assert "127.0.0.1" in output
