"""Helpers shared by the `ape run` scripts: parameter types, one-line errors, confirmation before broadcasting,
unlocking, units, deployments.

Bad input never reaches a transaction: amounts, gas prices, bps, series ids and accounts are click parameter
types (`TokenAmount`, `GasPrice`, `BPS`, `SERIES_ID`, `AccountRef`) that reject nonsense with one line naming the
option, and `Command` turns what goes wrong after parsing (a node that is down, a network without an RPC, a
wrong passphrase, a deployment without code, a revert) into one line as well (`deltavault.errors` decodes reverts).
"""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click
from ape.cli import ConnectedProviderCommand

from deltavault.registry import DEPLOYMENTS_DIR, RegistryError, is_dev_chain, read_deployment

GWEI = 10**9
# A gas price written without a unit below this many wei is almost surely meant in gwei (`--max-gas-price 30`):
# refuse it rather than run a keeper that never acts.
MIN_BARE_WEI = 10**6
# No token supply comes near this many whole tokens; larger numbers are typos (and overflow uint256 in units).
MAX_AMOUNT = Decimal(10) ** 30

# ---------------------------------------------------------------------------------------------------------
# Parameter types
# ---------------------------------------------------------------------------------------------------------


def _decimal(text: Any) -> Decimal | None:
    try:
        value = Decimal(str(text).strip().replace("_", "").replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def parse_gas_price(text: str | int) -> int:
    """`30gwei`, `0.5 gwei`, `30000000000` (wei) or `1e9wei` -> wei. Raises ValueError with the reason."""
    raw = str(text).strip().lower().replace(" ", "")
    scale, number = 1, raw
    for unit, factor in (("gwei", GWEI), ("wei", 1)):
        if raw.endswith(unit):
            scale, number = factor, raw[: -len(unit)]
            break
    value = _decimal(number)
    if value is None or number == "":
        raise ValueError(f"{text!r} is not a gas price (write e.g. 30gwei, 0.5gwei or a wei integer)")
    if value < 0:
        raise ValueError(f"{text!r} is negative")
    wei = value * scale
    if wei != wei.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number of wei")
    if scale == 1 and not raw.endswith("wei") and 0 < wei < MIN_BARE_WEI:
        raise ValueError(f"{text!r} without a unit means {int(wei)} wei: write {text}gwei (or {text}wei)")
    return int(wei)


class GasPrice(click.ParamType):
    """A gas price with its unit: `30gwei`, `0.5gwei`, or a plain integer of wei (>= 1e6); returns wei."""

    name = "GAS_PRICE"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            return parse_gas_price(value)
        except ValueError as err:
            self.fail(str(err), param, ctx)


class TokenAmount(click.ParamType):
    """A positive, finite decimal amount in human units (tokens, options, shares); returns a Decimal.

    Zero, negative numbers, `nan` and `Infinity` are refused: no transaction is ever built for them."""

    name = "AMOUNT"

    def __init__(self, allow_zero: bool = False):
        self.allow_zero = allow_zero

    def convert(self, value, param, ctx):
        if isinstance(value, Decimal) and value.is_finite():
            number = value
        else:
            number = _decimal(value)
            if number is None:
                self.fail(f"{value!r} is not a finite number", param, ctx)
        if number < 0 or (number == 0 and not self.allow_zero):
            self.fail(f"{value} must be greater than 0", param, ctx)
        if number > MAX_AMOUNT:
            self.fail(f"{value} is larger than any token supply", param, ctx)
        return number


class DecimalRange(click.ParamType):
    """A finite decimal within [min, max] (`min_open`: strictly above min); `%` suffix divides by 100."""

    name = "NUMBER"

    def __init__(self, min: Decimal, max: Decimal, *, min_open: bool = False):
        self.min, self.max, self.min_open = Decimal(min), Decimal(max), min_open

    def convert(self, value, param, ctx):
        if isinstance(value, Decimal) and value.is_finite():
            number = value
        else:
            text = str(value).strip()
            percent = text.endswith("%")
            number = _decimal(text.rstrip("%"))
            if number is None:
                self.fail(f"{value!r} is not a finite number", param, ctx)
            if percent:
                number /= 100
        low_ok = number > self.min if self.min_open else number >= self.min
        if not low_ok or number > self.max:
            bracket = "(" if self.min_open else "["
            self.fail(f"{value} is outside {bracket}{self.min}, {self.max}]", param, ctx)
        return number


BPS = click.IntRange(0, 10_000)
SERIES_ID = click.IntRange(min=1)
AMOUNT = TokenAmount()


UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}


class Duration(click.ParamType):
    """`90s`, `30m`, `12h`, `7d`, `2w` or plain seconds; positive, and within [min_seconds, max_seconds] when
    given. Converts to seconds."""

    name = "DURATION"

    def __init__(self, min_seconds: int | None = None, max_seconds: int | None = None):
        self.min_seconds, self.max_seconds = min_seconds, max_seconds

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            seconds = value
        else:
            text = str(value).strip().lower()
            unit = text[-1] if text and text[-1] in UNITS else "s"
            number = text[:-1] if text and text[-1] in UNITS else text
            if not number.isdigit() or int(number) == 0:
                self.fail(f"{value!r} is not a positive duration (e.g. 7d, 12h, 30m, 3600)", param, ctx)
            seconds = int(number) * UNITS[unit]
        low, high = self.min_seconds, self.max_seconds
        if (low is not None and seconds < low) or (high is not None and seconds > high):
            self.fail(f"{value} is outside {_span(low)} to {_span(high)}", param, ctx)
        return seconds


def _span(seconds: int | None) -> str:
    if seconds is None:
        return "any"
    for unit in ("w", "d", "h", "m"):
        if seconds % UNITS[unit] == 0:
            return f"{seconds // UNITS[unit]}{unit}"
    return f"{seconds}s"


class PolicyAssignment(click.ParamType):
    """`name=value` for a field of the policy dataclass `policy` (`VaultPolicy`, `HedgePolicy`): a known field
    and, in the contract's units, a non-negative integer (underscores and exponents allowed: 5e16) or, for a
    flag, true/false. Converts to `(name, value)`."""

    name = "NAME=VALUE"

    def __init__(self, policy: type):
        from dataclasses import fields

        self.policy = policy
        self.flags = {f.name for f in fields(policy) if isinstance(f.default, bool)}
        self.known = [f.name for f in fields(policy)]

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        name, sep, raw = str(value).partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in self.known:
            self.fail(f"{value!r}: write name=value with name one of {', '.join(self.known)}", param, ctx)
        raw = raw.strip().lower()
        if name in self.flags:
            if raw not in ("true", "false"):
                self.fail(f"{name} is true or false, not {raw!r}", param, ctx)
            return name, raw == "true"
        number = _decimal(raw)
        if number is None or number < 0 or number != number.to_integral_value():
            self.fail(
                f"{name}={raw!r}: a non-negative integer in the contract's units is expected", param, ctx
            )
        return name, int(number)


class AccountRef(click.ParamType):
    """An address, an Ape account alias, or a test account `TEST::n`; returns a checksummed address."""

    name = "ADDRESS|ALIAS"

    def convert(self, value, param, ctx):
        from eth_utils import is_address, to_checksum_address

        text = str(value).strip()
        if is_address(text):
            return to_checksum_address(text)
        from ape import accounts

        if text.upper().startswith("TEST::"):
            index = text.split("::", 1)[1]
            if not index.isdigit():
                self.fail(f"{text!r}: write TEST::<n> with n a number", param, ctx)
            return accounts.test_accounts[int(index)].address
        aliases = list(accounts.aliases)
        if text in aliases:
            return accounts.load(text).address
        known = ", ".join(aliases) or "none imported (`ape accounts import NAME`)"
        self.fail(f"{text!r} is neither an address nor a known account alias (known: {known})", param, ctx)


# ---------------------------------------------------------------------------------------------------------
# One-line errors
# ---------------------------------------------------------------------------------------------------------


def describe_failure(err: BaseException) -> str | None:
    """One line for a failure a user can cause or meet (node down, no RPC, wrong passphrase, revert, missing
    code), or None for a genuine bug (which keeps its traceback)."""
    from ape.exceptions import (
        AccountsError,
        ContractLogicError,
        NetworkError,
        ProviderError,
        ProviderNotConnectedError,
        VirtualMachineError,
    )

    from deltavault.errors import ContractError, explain
    from deltavault.keeper import is_transient

    name = type(err).__name__
    text = (str(err) or name).strip().splitlines()[0] if (str(err) or name).strip() else name
    if isinstance(err, ContractError):
        return str(err)
    if isinstance(err, ContractLogicError | VirtualMachineError):
        from deltavault.errors import decode, revert_data

        if decode(revert_data(err)) is not None:
            return f"the transaction would revert: {explain(err)}"
        return f"the node refused the transaction: {text}"
    if name == "InvalidPasswordError" or "passphrase" in text.lower() or "password" in text.lower():
        return f"wrong passphrase for the account ({text})"
    if isinstance(err, ProviderNotConnectedError) or is_transient(err):
        return f"cannot reach the network's node: {text}"
    if isinstance(err, ProviderError | NetworkError):
        if "uri" in text.lower() or "rpc" in text.lower() or "connect" in text.lower():
            return f"cannot use this network: {text} (give an RPC: --network ecosystem:network:https://...)"
        return f"network error: {text}"
    if isinstance(err, AccountsError):
        return f"account error: {text}"
    return None


class Command(ConnectedProviderCommand):
    """`ConnectedProviderCommand` whose failures end in one line (`Error: ...`, exit 1), not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as err:
            message = describe_failure(err)
            if message is None:
                raise
            raise click.ClickException(message) from None


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
    """Human amount -> integer units, refusing more precision than the token has (and nan, infinities and
    negative amounts)."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise click.BadParameter(f"{what} {amount!r} is not a number") from None
    if not value.is_finite():
        raise click.BadParameter(f"{what} {amount!r} is not a finite number")
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


def load_deployment(path: str | Path | None, chain_id: int, *, check_code: bool = True) -> dict[str, Any]:
    """The deployment file given, or `deployments/<chain id>.json`; a clear error when missing, or when the
    connected chain has no code at its vault or hedger (a restarted local node, another chain with the same id)."""
    file = Path(path) if path else Path(DEPLOYMENTS_DIR) / f"{chain_id}.json"
    try:
        data = read_deployment(file, chain_id=chain_id)
    except RegistryError as err:
        raise click.ClickException(str(err)) from None
    from eth_utils import is_address, to_checksum_address

    for key, value in data.items():
        if isinstance(value, str) and is_address(value):
            data[key] = to_checksum_address(value)
    if check_code:
        from ape import chain

        for key in ("vault", "hedger"):
            if not chain.provider.get_code(data[key]):
                raise click.ClickException(
                    f"{file}: no contract at {key} {data[key]} on the connected chain {chain_id} (was the node "
                    "restarted? deploy again with `ape run deploy stack`)"
                )
    return data


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


def _quiet_for_json(ctx: click.Context, param: click.Parameter, as_json: bool) -> bool:
    if as_json:
        # Ape writes its INFO and SUCCESS lines to stdout (e.g. "Connecting to a 'anvil' node" when `--network`
        # names a node by URI); with --json, stdout holds the JSON object alone. Warnings and errors still show.
        from ape.logging import LogLevel, logger

        logger.set_level(LogLevel.WARNING)
    return as_json


def json_option(what: str = "the tables"):
    """`--json`: print one JSON object instead of `what`, and nothing else on stdout. Eager, so that Ape's
    log level is set before the command connects to its network."""
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        is_eager=True,
        callback=_quiet_for_json,
        help=f"print one JSON object instead of {what}",
    )
