"""Run `ape run <script> ...` in a subprocess, as a user would."""

import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ape_run(*args: str, env: dict | None = None, timeout: float = 180, stdin=subprocess.DEVNULL):
    full_env = {**os.environ, "APE_DISABLE_TELEMETRY": "1", **(env or {})}
    return subprocess.run(
        ["ape", "run", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=stdin,
    )
