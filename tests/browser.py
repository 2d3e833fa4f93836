"""A served site for browser tests: `shuxiang serve` in its own process on a fresh
SQLite folder, driven by Playwright in Debian's headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "shuxiang"
CHROMIUM = os.environ.get("SHUXIANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def site_env(var: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SHUXIANG_DB_URL", "SHUXIANG_PG"))
    }
    env["SHUXIANG_VAR_DIR"] = str(var)
    return env


def shuxiang(var: Path, *args: str) -> str:
    result = subprocess.run(
        [str(BIN), *args], env=site_env(var), capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise AssertionError(f"shuxiang {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(var: Path) -> Iterator[str]:
    """Serve the site in `var` (already set up) and yield its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=site_env(var),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/staff/login/", timeout=2)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("shuxiang serve did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def browser_page(locale: str = "zh-CN") -> Iterator:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not installed at {CHROMIUM} (Debian package chromium)")
    from playwright.sync_api import expect, sync_playwright

    # The suite runs one worker per core beside the server and the browser: give a page
    # time to answer on a busy machine (the assertions themselves are unchanged).
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def login(page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + "/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
