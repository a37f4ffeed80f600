"""The end-to-end tier: the local stack, started as ``make run`` starts it, driven from outside.

One stack per test session (``.venv/bin/python -m memberclub_infra.local`` on a free port,
its output in a log file that is shown if it does not start). Its state is shared by every
test, so each test joins with contacts of its own (``stack.new_email()``,
``stack.new_phone()``) and clubs of its own (``stack.new_club()``); a test that sets the
clock or a fault uses the ``clock`` or ``faults`` fixture, which puts them back afterwards.

The browser tests need Chromium at /usr/bin/chromium (``apt-get install -y chromium``, or
another binary in ``MEMBERCLUB_E2E_CHROMIUM``); without it they are skipped, except under
``CI=true``, where they fail.

When a test fails, the stack's log lines written during that test are added to its report,
and a browser test leaves a screenshot in ``test-results/``.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from .support import Stack

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "test-results"
STARTUP_TIMEOUT = 60.0
# The stack's token key (a local-only setting): lets a test make a link no message carries yet.
TOKEN_KEY = secrets.token_urlsafe(32)
# The system Chromium (LEARNED.md: `playwright install` cannot download here); another path can be given.
CHROMIUM = Path(os.environ.get("MEMBERCLUB_E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

STACK_LOG = pytest.StashKey[Path]()
LOG_OFFSET = pytest.StashKey[int]()
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "chromium: needs Chromium (/usr/bin/chromium) and Playwright")


# --- the local stack ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _python() -> str:
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _stack_environment(port: int) -> dict[str, str]:
    # What other tiers in the same pytest process (or the developer's shell) set must not
    # leak in: links in messages point at this stack, its AWS calls at its own endpoint.
    keep = {"MEMBERCLUB_LOG_LEVEL"}
    env = {name: value for name, value in os.environ.items()
           if name in keep or not name.startswith(("MEMBERCLUB_", "AWS_", "POWERTOOLS_", "STRIPE_"))}
    env["MEMBERCLUB_PORT"] = str(port)
    env["MEMBERCLUB_LOCAL_TOKEN_KEY"] = TOKEN_KEY
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill: the stack must not outlive the session."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _healthy(base_url: str) -> bool:
    try:
        answer = httpx.get(f"{base_url}/_local/health", timeout=2.0)
        return answer.status_code == 200 and answer.json() == {"ok": True}
    except (httpx.TransportError, ValueError):
        return False


def _start_stack(log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start the stack as ``make run`` does and wait for ``/_local/health``; fail with its log."""
    problems = []
    for _attempt in range(3):  # a free port can be taken between the probe and the start: try another
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [_python(), "-m", "memberclub_infra.local"], cwd=REPO, env=_stack_environment(port),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _healthy(base_url):
                return process, base_url
            time.sleep(0.1)
        running = process.poll() is None
        _stop(process)
        problems.append(f"port {port}: " + (f"no answer within {STARTUP_TIMEOUT:.0f} s" if running
                                            else f"exited with code {process.returncode}"))
        if "Could not start on port" not in log_path.read_text(errors="replace"):
            break
    pytest.fail(
        f"the local stack did not become healthy ({'; '.join(problems)}).\n"
        f"--- its output ({log_path}) ---\n{log_path.read_text(errors='replace')}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The running local stack (one per session), seen from outside."""
    log_path = tmp_path_factory.mktemp("local-stack") / "stack.log"
    log_path.touch()
    request.config.stash[STACK_LOG] = log_path
    process, base_url = _start_stack(log_path)
    client = Stack(base_url, log_path, token_key=TOKEN_KEY)
    try:
        yield client
    finally:
        client.close()
        _stop(process)


@pytest.fixture
def api(stack: Stack) -> httpx.Client:
    """An HTTP client on the stack's base URL (redirects are not followed)."""
    return stack.http


@pytest.fixture
def clock(stack: Stack) -> Iterator[Callable[[datetime | str | None], httpx.Response]]:
    """Set the time every handler sees; back to the real clock after the test."""
    try:
        yield stack.set_clock
    finally:
        stack.set_clock(None)


@pytest.fixture
def faults(stack: Stack) -> Iterator[Callable[..., None]]:
    """Switch a local fault on (or off); every fault used is off again after the test."""
    used: set[str] = set()

    def switch(service: str, failing: bool = True) -> None:
        used.add(service)
        stack.set_fault(service, failing)

    try:
        yield switch
    finally:
        for service in sorted(used):
            stack.set_fault(service, False)


# --- the browser ------------------------------------------------------------------------------


def _no_browser(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium from the system (``apt-get install -y chromium``), driven by Playwright."""
    if not CHROMIUM.exists():
        _no_browser(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("Playwright for Python is not installed: run `make install-test`")
    with sync_playwright() as playwright:
        # launch() gives the browser a fresh, temporary user-data dir of its own.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Any, stack: Stack) -> Iterator[Any]:
    """A page in a fresh browser context; a screenshot lands in test-results/ if the test fails."""
    context = browser.new_context(base_url=stack.base_url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        report = request.node.stash.get(REPORTS, {}).get("call")
        if report is not None and report.failed:
            RESULTS.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
            try:
                tab.screenshot(path=str(RESULTS / f"{name}.png"), full_page=True)
            except Exception as error:  # a crashed page has no screenshot; say so and go on
                print(f"no screenshot of {request.node.nodeid}: {error}")
        context.close()


# --- reports ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _stack_log_position(request: pytest.FixtureRequest) -> None:
    log_path = request.config.stash.get(STACK_LOG, None)
    if log_path is not None and log_path.exists():
        request.node.stash[LOG_OFFSET] = log_path.stat().st_size


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    log_path = item.config.stash.get(STACK_LOG, None)
    if report.failed and report.when == "call" and log_path is not None and log_path.exists():
        with log_path.open("rb") as log:
            log.seek(item.stash.get(LOG_OFFSET, 0))
            written = log.read().decode(errors="replace")
        if written.strip():
            report.sections.append(("local stack log during this test", written[-20_000:]))
    return report
