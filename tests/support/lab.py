"""JupyterLab started the way ``make lab`` starts it, and driven from a real browser (Playwright for Python on
Debian's Chromium), for ``tests/test_browser.py``.

The server runs on the project's notebooks with its own throw-away settings, workspaces, checkpoints and Jupyter
configuration (autosave off: a notebook edited in the browser is never saved), and everything it and the browser
start is stopped at the end, on failure too.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from support.builders import free_port

CHROMIUM = Path(
    "/usr/bin/chromium"
)  # Debian's package (.ci/run installs it): Playwright's own download is unreachable
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KERNEL_DISPLAY_NAME = "Python (imdb-sentiment)"  # what `make setup` installs and every notebook names
# What JupyterLab settings a person may have are not this test's: a fresh settings folder with autosave off (the
# committed notebooks must stay byte-identical), every cell in the page (no windowing, so that the test sees all
# outputs) and no news fetched from the internet.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


@dataclass
class Lab:
    url: str  # http://127.0.0.1:<port>
    token: str
    log: Path

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, n: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.is_file() else ""

    def shutdown_kernels(self) -> None:
        """Shut down every kernel session the browser started (as Kernel > Shut Down All Kernels would)."""
        for session in self.api("/api/sessions") or []:
            with contextlib.suppress(OSError):
                self.api(f"/api/sessions/{session['id']}", method="DELETE")


def jupyter_command(notebook_dir: Path, port: int, token: str, scratch: Path) -> list[str]:
    """``make lab``'s command (``jupyter lab --notebook-dir=notebooks``, ``--allow-root`` as root) with the test's
    port, token and throw-away state folders."""
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [str(jupyter)] if jupyter.is_file() else [sys.executable, "-m", "jupyter"]
    return [
        *command,
        "lab",
        f"--notebook-dir={notebook_dir}",
        *(["--allow-root"] if os.geteuid() == 0 else []),
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--LabApp.user_settings_dir={scratch / 'settings'}",
        f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
        f"--FileCheckpoints.checkpoint_dir={scratch / 'checkpoints'}",
    ]


def _stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Stop ``process``, its process group and every process it started (the kernels start their own sessions)."""
    import psutil

    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)  # the server shuts its kernels down on SIGTERM
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)
    for child in descendants:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    _, alive = psutil.wait_procs(descendants, timeout=timeout)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(alive, timeout=timeout)


@contextlib.contextmanager
def jupyter_lab(repo_root: Path, scratch: Path, env: dict[str, str], timeout: float = 120) -> Iterator[Lab]:
    """JupyterLab on ``repo_root/notebooks`` on a free loopback port with a token; stopped (kernels included) on
    exit, whatever happened."""
    for name, values in LAB_SETTINGS.items():
        path = scratch / "settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    (scratch / "config").mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    log = scratch / "jupyter.log"
    env = env | {"JUPYTER_CONFIG_DIR": str(scratch / "config")}  # no personal server configuration
    with log.open("w") as handle:
        process = subprocess.Popen(
            jupyter_command(repo_root / "notebooks", port, token, scratch),
            cwd=repo_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
        )
    lab = Lab(f"http://127.0.0.1:{port}", token, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {process.returncode}:\n{lab.log_tail()}")
            try:
                lab.api("/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"JupyterLab did not answer in {timeout:.0f} s:\n{lab.log_tail()}"
                    ) from None
                time.sleep(0.5)
        yield lab
    finally:
        with contextlib.suppress(Exception):
            lab.shutdown_kernels()
        _stop(process)


@contextlib.contextmanager
def chromium(profile_dir: Path) -> Iterator:
    """A Playwright browser context on Debian's Chromium (headless, a fresh user-data-dir); closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


# ----------------------------------------------------------------------------------------------- in the page
KERNEL_LABEL = ".jp-NotebookPanel .jp-Toolbar-kernelName .jp-ToolbarButtonComponent-label"
IDLE = """() => {
    const status = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
    return status && status.dataset.status === 'idle'
        && !Array.from(document.querySelectorAll('.jp-Notebook .jp-InputPrompt')).some(p => p.textContent.includes('*'));
}"""
# What a person sees of each cell: its kind, its prompt, its stderr-styled outputs (warnings and errors), its images
CELLS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell')).map(cell => ({
    kind: cell.classList.contains('jp-CodeCell') ? 'code' : cell.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw',
    rendered: cell.classList.contains('jp-mod-rendered'),
    prompt: (cell.querySelector('.jp-InputPrompt') || {}).textContent || '',
    stderr: Array.from(cell.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')).map(o => o.innerText),
    images: Array.from(cell.querySelectorAll('.jp-OutputArea-output img')).map(i => i.complete ? i.naturalWidth : 0),
    headings: Array.from(cell.querySelectorAll('.jp-RenderedMarkdown :is(h1, h2, h3, h4)')).map(h => h.textContent),
}))"""


def open_notebook(context, lab: Lab, name: str, timeout_ms: int = 120_000):
    """A new tab with ``name`` open in a workspace of its own (nothing else restored), once its kernel is idle."""
    page = context.new_page()
    page.goto(f"{lab.url}/lab/workspaces/{Path(name).stem}/tree/{name}?token={lab.token}")
    page.wait_for_function(
        f"() => {{ const e = document.querySelector({KERNEL_LABEL!r}); return e && e.textContent !== ''"
        " && e.textContent !== 'No Kernel' && e.textContent !== 'Kernel'; }",
        timeout=timeout_ms,
    )
    page.wait_for_function(IDLE, timeout=timeout_ms, polling=250)
    return page


def kernel_shown(page) -> str:
    return page.locator(KERNEL_LABEL).inner_text()


def replace_cell_source(page, index: int, source: str) -> str:
    """Click into cell ``index``'s editor, select all and type ``source`` as a person would; the editor's text."""
    editor = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    for number, line in enumerate(source.splitlines()):
        if number:
            page.keyboard.press("Enter")  # a parameters cell's lines are top-level: nothing is auto-indented
        page.keyboard.type(line)
    page.keyboard.press("Escape")  # leave the editor (command mode), as before running
    return "\n".join(line.rstrip() for line in editor.inner_text().splitlines())


def run_all_cells(page, timeout_ms: int) -> float:
    """Run > Run All Cells from the menu bar; waits until the kernel is idle and no cell is queued. Seconds taken."""
    start = time.perf_counter()
    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item", has_text=re.compile(r"^Run All Cells")).click()
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.jp-Notebook .jp-InputPrompt'))"
        ".some(p => /\\[[0-9*]+\\]/.test(p.textContent))",
        timeout=30_000,
    )
    page.wait_for_function(IDLE, timeout=timeout_ms, polling=500)
    return time.perf_counter() - start


def cells_seen(page) -> list[dict]:
    return page.evaluate(CELLS)
