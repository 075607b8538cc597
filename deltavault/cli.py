"""Helpers shared by the `ape run` scripts: confirmation before broadcasting, unlocking, units, deployments."""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from deltavault.registry import DEPLOYMENTS_DIR, RegistryError, is_dev_chain, read_deployment


def confirm_broadcast(chain_id: int, plan: list[str], *, yes: bool, sender: Any = None) -> None:
    """On a live chain, print what will be sent and ask; `--yes` skips the question.

    Local development chains (31337, 1337) broadcast without asking. A non-interactive run (no terminal on
    stdin) without `--yes` aborts before anything is signed.
    """
    if is_dev_chain(chain_id):
        return
    click.echo(f"About to broadcast on chain {chain_id}" + (f" from {sender}" if sender else "") + ":")
    for line in plan:
        click.echo(f"  - {line}")
    if yes:
        return
    if not sys.stdin.isatty():
        raise click.ClickException(
            "refusing to broadcast on a live network without confirmation: run in a terminal or pass --yes"
        )
    if not click.confirm("Send these transactions?", default=False):
        raise click.Abort()


def unlock(account: Any) -> None:
    """Let a keyfile account sign the run's transactions without a prompt per transaction.

    The passphrase comes from `APE_ACCOUNTS_<alias>_PASSPHRASE` or is asked once. Called only after the run was
    confirmed (or on a dev chain). Test and hardware accounts are left as they are.
    """
    if hasattr(account, "set_autosign") and hasattr(account, "keyfile"):
        account.set_autosign(True)


def to_units(amount: str | Decimal | int | float, decimals: int, what: str = "amount") -> int:
    """Human amount -> integer units, refusing more precision than the token has."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise click.BadParameter(f"{what} {amount!r} is not a number") from None
    if value < 0:
        raise click.BadParameter(f"{what} must not be negative")
    units = value * (Decimal(10) ** decimals)
    if units != units.to_integral_value():
        raise click.BadParameter(f"{what} {amount} has more than {decimals} decimals")
    return int(units)


def from_units(units: int, decimals: int) -> Decimal:
    return Decimal(int(units)) / (Decimal(10) ** decimals)


def fmt(units: int, decimals: int, places: int = 4) -> str:
    return f"{from_units(units, decimals):,.{places}f}"


def load_deployment(path: str | Path | None, chain_id: int) -> dict[str, Any]:
    """The deployment file given, or `deployments/<chain id>.json`; a clear error when missing."""
    try:
        return read_deployment(
            Path(path) if path else Path(DEPLOYMENTS_DIR) / f"{chain_id}.json", chain_id=chain_id
        )
    except RegistryError as err:
        raise click.ClickException(str(err)) from None


def deployment_option():
    return click.option(
        "--deployment",
        "deployment_file",
        type=click.Path(dir_okay=False),
        default=None,
        help="deployment file (default: deployments/<chain id>.json)",
    )


def yes_option():
    return click.option("--yes", "-y", is_flag=True, help="do not ask before broadcasting on a live network")
