"""Run the `ape run` scripts from tests.

`invoke` runs a script's click group in-process (click's CliRunner) against a node given by URI, usually the test
session's own anvil (`chain.provider.uri`): the same options, the same `Command` error handling, the same chain
state, without starting Python, Ape and its plugins again for every call. `ape_run` starts `ape run <script> ...`
in a subprocess, as a user would: kept for the few smoke tests of the real entry point (script discovery, Ape's
own network option parsing, exit codes and stderr when not in a terminal)."""

from __future__ import annotations

import functools
import importlib.util
import os
import socket
import subprocess
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
from click.testing import CliRunner

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


@functools.cache
def script(name: str) -> click.Group:
    """The click group `cli` of scripts/<name>.py, loaded once per test session."""
    spec = importlib.util.spec_from_file_location(f"script_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


@dataclass
class CliResult:
    """What an in-process run left: the fields of `subprocess.CompletedProcess` that the tests read, plus the
    exception that ended it (a `SystemExit` from click for every expected exit, the error itself for a bug)."""

    returncode: int
    stdout: str
    stderr: str
    exception: BaseException | None
    exc_info: tuple | None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self, tail: int = 3000) -> str:
        """The output and, for an unexpected exception, its traceback (CliRunner does not print it)."""
        text = self.output
        if self.exception is not None and not isinstance(self.exception, SystemExit) and self.exc_info:
            text += "\n" + "".join(traceback.format_exception(*self.exc_info))
        return text[-tail:]


def _forget_keyfile_accounts() -> None:
    """Ape keeps the keyfile accounts it loaded, their aliases, and each account container's folder (a cached
    property, read once): forgotten, so that the next look-up reads the data folder in force."""
    from ape.managers.accounts import AccountManager
    from ape.utils.basemodel import ManagerAccessMixin
    from ape_accounts.accounts import AccountContainer

    for container in ManagerAccessMixin.account_manager.containers.values():
        vars(container).pop("data_folder", None)
    AccountContainer.loaded_accounts.clear()
    AccountManager._alias_to_account_cache.clear()


@contextmanager
def data_folder(path: Path | None) -> Iterator[None]:
    """Ape's data folder (keyfile accounts, caches of live networks) pointed at `path` for the block, as
    `APE_DATA_FOLDER` does for a new process; the keyfile accounts found there are forgotten after it."""
    if path is None:
        yield
        return
    from ape.utils.basemodel import ManagerAccessMixin

    config = ManagerAccessMixin.config_manager
    before = config.DATA_FOLDER
    config.DATA_FOLDER = Path(path)
    _forget_keyfile_accounts()
    try:
        yield
    finally:
        config.DATA_FOLDER = before
        _forget_keyfile_accounts()


def on_node(chain) -> tuple[str, ...]:
    """The network option for the test session's own anvil: its URI (a custom network on Ape's node provider)."""
    return ("--network", chain.provider.uri)


@contextmanager
def ape_log_level(level: str = "WARNING") -> Iterator[None]:
    """Ape's log level for one run, whatever level the test process runs at. WARNING (the default) leaves out
    Ape's INFO and SUCCESS lines (its click handler writes them to stdout, e.g. "Connecting to a 'anvil' node"
    when a command joins the test node by URI); its warnings and errors (stderr) stay."""
    from ape.logging import LogLevel, logger

    before = logger.level
    logger.set_level(LogLevel[level])
    try:
        yield
    finally:
        logger.set_level(before)


def invoke(
    name: str, *args: str, env: dict | None = None, ape_data: Path | None = None, ape_logs: str = "WARNING"
) -> CliResult:
    """`ape run <name> <args>` in-process. Give the network as options naming a node (`on_node(chain)` for the
    test's anvil, or `--network ethereum:sepolia:http://...`): the command connects to it and, when done, returns
    to the test's provider.
    `env` is set for the run only (e.g. `APE_ACCOUNTS_<alias>_PASSPHRASE`); `ape_data` replaces Ape's data
    folder for the run (see `data_folder`); `ape_logs` is Ape's log level during the run (`ape_log_level`)."""
    runner = CliRunner(mix_stderr=False)
    with data_folder(ape_data), ape_log_level(ape_logs):
        result = runner.invoke(script(name), list(args), env=env)
    return CliResult(result.exit_code, result.stdout, result.stderr, result.exception, result.exc_info)


def ok(result) -> str:
    """The run succeeded; returns its stdout."""
    if isinstance(result, CliResult):
        assert result.returncode == 0 and result.exception is None, result.describe()
    else:
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result.stdout


def one_line_error(result, exit_code: int = 1) -> str:
    """The run ended with `exit_code` and exactly one `Error: ...` line, no traceback, and (in-process) through
    click's exit, not an unexpected exception; returns that line."""
    out = result.stdout + result.stderr
    if isinstance(result, CliResult):
        assert isinstance(result.exception, SystemExit), result.describe()
    assert result.returncode == exit_code, out[-1500:]
    assert "Traceback" not in out, out[-3000:]
    errors = [line for line in out.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, out[-1500:]
    return errors[0]
