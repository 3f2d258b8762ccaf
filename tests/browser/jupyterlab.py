"""A JupyterLab server of the tests' own, and what a student does in it, driven through Chromium.

Selectors are what JupyterLab exposes: roles and names (menus, buttons, dialogs), ``data-command``,
``data-status`` and ``data-mime-type`` attributes, and its ``jp-`` class names. Waits are on
conditions (the kernel status indicator, execution counts), never on fixed sleeps.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from autograder.instructor.paths import REPO

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium in a closed network: no background connections, no first-run UI, no GPU.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    *(["--no-sandbox"] if os.geteuid() == 0 else []),  # Chromium's sandbox refuses root
]
SCREENSHOTS = REPO / "build" / "screenshots"
VIEWPORT = {"width": 1400, "height": 900}
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in the current tab
LAB_START_SECONDS = 90
# A lesson's Run All, or a Validate that runs a whole assignment in a kernel of its own.
RUN_SECONDS = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lab_environment(home: Path) -> dict[str, str]:
    """A temporary HOME (user settings, workspaces, runtime files), like a new student account."""
    import matplotlib

    # Settings a new student could change in two clicks: no "get notified about news?" pop-up
    # covering the notebook in screenshots.
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    return {
        **os.environ,
        "HOME": str(home),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        # matplotlib's font cache, built by `make install`: without it the first chart of a
        # lesson writes "Matplotlib is building the font cache" to stderr.
        "MPLCONFIGDIR": matplotlib.get_cachedir(),
    }


@dataclass
class LabServer:
    """A running JupyterLab on 127.0.0.1, its process group, token and root folder."""

    process: subprocess.Popen
    port: int
    token: str
    root: Path
    log: Path
    started_seconds: float = field(default=0.0)

    @classmethod
    def start(cls, command, *, root: Path, home: Path, cwd: Path) -> LabServer:
        """Start ``command(options)``: JupyterLab on a free port with a token, serving ``root``."""
        port, token = free_port(), secrets.token_hex(16)
        options = [f"--port={port}", f"--ServerApp.token={token}", "--ServerApp.port_retries=0",
                   f"--ServerApp.root_dir={root}"]  # fmt: skip
        log = home / "jupyterlab.log"
        started = time.monotonic()
        with log.open("w") as output:  # the child keeps its own copy of the file
            process = subprocess.Popen(
                command(options), cwd=cwd, env=lab_environment(home), stdout=output,
                stderr=subprocess.STDOUT, start_new_session=True,  # make, jupyter: one group
            )  # fmt: skip
        server = cls(process, port, token, root, log)
        server._wait_until_up(started + LAB_START_SECONDS)
        server.started_seconds = time.monotonic() - started
        return server

    def _wait_until_up(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{self.log.read_text()}")
            try:
                if self.api("GET", "status").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)  # polling the port: there is no event to wait on
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer in time:\n{self.log.read_text()}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "lab") -> str:
        return f"{self.base}/{path}{'&' if '?' in path else '?'}token={self.token}"

    def api(self, method: str, path: str) -> httpx.Response:
        headers = {"Authorization": f"token {self.token}"}
        return httpx.request(method, f"{self.base}/api/{path}", headers=headers, timeout=30)

    def shutdown_kernels(self) -> None:
        for kernel in self.api("GET", "kernels").json():
            self.api("DELETE", f"kernels/{kernel['id']}")

    def stop(self) -> None:
        """Stop the server (it shuts down its kernels), then anything left in its group."""
        if self.process.poll() is None:
            try:
                self.shutdown_kernels()
            except httpx.HTTPError:
                pass
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        try:  # `make` may have gone first; a jupyter left in the group must go too
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def make_lab(options: list[str]) -> list[str]:
    """`make lab`, exactly as the README tells students, with the test server's options."""
    return ["make", "--no-print-directory", "-C", str(REPO), "lab", f"LAB_ARGS={' '.join(options)}"]


def jupyter_lab(options: list[str]) -> list[str]:
    """The command `make lab` runs, for a server that must start in another folder."""
    jupyter = Path(sys.executable).parent / "jupyter"
    root_flag = ["--allow-root"] if os.geteuid() == 0 else []
    return [str(jupyter), "lab", "--ip=127.0.0.1", "--no-browser", *root_flag, *options]


# ---------------------------------------------------------------------------------------------
# What a student does in the page


def screenshot(page, name: str) -> Path:
    """One screenshot per scenario, into build/screenshots/ (gitignored); prints its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def open_notebook(page, lab: LabServer, path: str, workspace: str) -> None:
    """Open ``path`` in a workspace of its own (no tabs restored from another test)."""
    page.goto(lab.url(f"lab/workspaces/{workspace}/tree/{path}"))
    notebook = page.locator(f"{PANEL} .jp-Notebook")
    notebook.locator(".jp-Cell").first.wait_for(timeout=LAB_START_SECONDS * 1000)
    wait_for_kernel_idle(page)


KERNEL_IDLE = f"""(() => {{
    const name = document.querySelector("{PANEL} [data-jp-item-name='kernelName']");
    const status = document.querySelector("{PANEL} .jp-Notebook-ExecutionIndicator");
    return !!name && !name.textContent.includes('No Kernel')
        && status?.getAttribute('data-status') === 'idle';
}})()"""


def wait_for_kernel_idle(page, timeout: float = RUN_SECONDS) -> None:
    """The notebook toolbar names a kernel and its status indicator says idle."""
    page.wait_for_function(f"() => {KERNEL_IDLE}", timeout=timeout * 1000)


PROMPTS = f"[...document.querySelectorAll('{PANEL} .jp-CodeCell .jp-InputPrompt')]"


def wait_until_run_finished(page, timeout: float = RUN_SECONDS) -> list[str]:
    """No cell is queued or running ("[*]:") and the kernel is idle; returns the prompts."""
    page.wait_for_function(
        f"""() => {{
            const prompts = {PROMPTS}.map(e => e.textContent);
            return prompts.length > 0 && !prompts.some(t => t.includes('*')) && {KERNEL_IDLE};
        }}""",
        timeout=timeout * 1000,
    )
    return page.evaluate(f"{PROMPTS}.map(e => e.textContent.trim())")


def menu(page, top: str, item: str) -> None:
    """Click ``top`` in the main menu bar, then ``item`` in the menu that opens."""
    page.get_by_role("menubar").get_by_role("menuitem", name=top, exact=True).click()
    page.get_by_role("menu").get_by_role("menuitem", name=item, exact=True).click()


def run_all(page, timeout: float = RUN_SECONDS) -> list[str]:
    """Run → Run All Cells, then wait until every cell has finished."""
    menu(page, "Run", "Run All Cells")
    # Queued cells show "[*]:" at once; wait for the kernel to pick them up before waiting idle.
    page.wait_for_function(f"{PROMPTS}.some(e => e.textContent.includes('*'))", timeout=30_000)
    return wait_until_run_finished(page, timeout)


def restart_kernel(page) -> None:
    """Kernel → Restart Kernel…, confirmed in JupyterLab's dialog; waits for the new kernel."""
    page.get_by_role("menubar").get_by_role("menuitem", name="Kernel", exact=True).click()
    page.locator("[role='menuitem'][data-command='kernelmenu:restart']").click()
    dialog = page.locator(".jp-Dialog").filter(has_text="Restart Kernel?")
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    dialog.wait_for(state="detached")
    wait_for_kernel_idle(page)


def save(page) -> None:
    """Save the notebook (toolbar button) and wait until no tab is marked unsaved."""
    page.locator(f"{PANEL} [data-command='docmanager:save']").click()
    page.wait_for_function(
        "() => !document.querySelector('.lm-TabBar-tab.jp-mod-dirty')",
        timeout=30_000,
    )


def code_cell(page, *texts: str):
    """The one code cell whose editor shows every text in ``texts``."""
    cell = page.locator(f"{PANEL} .jp-CodeCell")
    for text in texts:
        cell = cell.filter(has_text=text)
    cell.first.wait_for()
    assert cell.count() == 1, f"{cell.count()} cells show {texts!r}"
    return cell


def type_into_cell(page, cell, source: str) -> None:
    """Replace a cell's code the way a student pastes it: select all in its editor, insert text.

    (Typing key by key would fight the editor's auto-indentation; a paste is what students do.)
    """
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")  # back to command mode, as after editing


def validate(page, timeout: float = RUN_SECONDS):
    """Press nbgrader's Validate button; returns the "Validation Results" dialog once it shows."""
    toolbar = page.locator(f"{PANEL} .jp-NotebookPanel-toolbar")
    toolbar.get_by_role("button", name="Validate", exact=True).click()
    dialog = page.get_by_role("dialog").filter(has_text="Validation Results")
    dialog.wait_for(timeout=timeout * 1000)
    return dialog


def run_cell(page, cell, timeout: float = RUN_SECONDS) -> str:
    """Run one cell with Shift+Enter, as a student does; returns its new prompt ("[n]:")."""
    prompt = cell.locator(".jp-InputPrompt")
    # After a kernel restart a cell may get the same number again: wait for "[*]" and then a number.
    prompt.evaluate(
        """e => { e.sawRunning = false;
                  new MutationObserver(() => { e.sawRunning ||= e.textContent.includes('*'); })
                      .observe(e, {childList: true, subtree: true, characterData: true}); }"""
    )
    prompt.click()  # selects the cell (command mode)
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        "e => e.sawRunning && /\\[\\d+\\]/.test(e.textContent)",
        arg=prompt.element_handle(),
        timeout=timeout * 1000,
    )
    return prompt.text_content().strip()
