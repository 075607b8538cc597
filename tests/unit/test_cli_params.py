"""Bad input to the `ape run` scripts ends in one line naming the option, before any network or account is used.

The scripts' click groups are invoked in-process (click parses every option before a command runs); the
end-to-end runs against a node are in tests/integration/test_wallet_cli.py. One test runs `ape run keeper --help`
in a subprocess: the real entry point finds the script and shows its commands."""

from decimal import Decimal

import click
import pytest
from click.testing import CliRunner

from deltavault.cli import GWEI, DecimalRange, GasPrice, TokenAmount, parse_gas_price
from tests.utils.cli import ape_run, script


@pytest.mark.parametrize(
    "text, wei",
    [("30gwei", 30 * GWEI), ("0.5gwei", GWEI // 2), ("30 GWEI", 30 * GWEI), ("30000000000", 30 * GWEI),
     ("1e9", GWEI), ("1000wei", 1000), ("0", 0), ("1_000_000", 10**6)],
)  # fmt: skip
def test_parse_gas_price__units__wei(text, wei):
    assert parse_gas_price(text) == wei


@pytest.mark.parametrize(
    "text, reason",
    [("30", "without a unit means 30 wei"), ("-1gwei", "negative"), ("-5", "negative"), ("abc", "not a gas price"),
     ("nan", "not a gas price"), ("Infinity", "not a gas price"), ("gwei", "not a gas price"),
     ("0.5wei", "whole number of wei")],
)  # fmt: skip
def test_parse_gas_price__nonsense__refused_with_the_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_gas_price(text)


def _one_option(param_type):
    @click.command()
    @click.option("--x", type=param_type, required=True)
    def command(x):
        click.echo(repr(x))

    return command


@pytest.mark.parametrize("value", ["0", "-1", "nan", "NaN", "Infinity", "-inf", "1e400000", "abc", ""])
def test_token_amount__zero_nan_infinite_negative_garbage__one_line_error(value):
    result = CliRunner().invoke(_one_option(TokenAmount()), ["--x", value])
    assert result.exit_code == 2
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: Invalid value for '--x'"), result.output


def test_token_amount__positive_decimal__kept_exactly():
    result = CliRunner().invoke(_one_option(TokenAmount()), ["--x", "2.5"])
    assert result.exit_code == 0 and result.output.strip() == repr(Decimal("2.5"))


def test_decimal_range__percent_and_bounds():
    vol = _one_option(DecimalRange(Decimal("0.05"), Decimal(5)))
    assert CliRunner().invoke(vol, ["--x", "80%"]).output.strip() == repr(Decimal("0.8"))
    for bad in ("0", "5.01", "nan"):
        result = CliRunner().invoke(vol, ["--x", bad])
        assert result.exit_code == 2 and "Invalid value for '--x'" in result.output


def test_gas_price_type__bare_small_integer__refused():
    result = CliRunner().invoke(_one_option(GasPrice()), ["--x", "30"])
    assert result.exit_code == 2 and "write 30gwei" in result.output


@pytest.mark.parametrize(
    "name, args, option",
    [
        ("vault", ["deposit", "--amount", "0"], "--amount"),
        ("vault", ["deposit", "--amount", "nan"], "--amount"),
        ("vault", ["deposit", "--amount", "Infinity"], "--amount"),
        ("vault", ["withdraw", "--amount", "0"], "--amount"),
        ("vault", ["faucet", "--amount", "0"], "--amount"),
        ("vault", ["buy", "--series", "-1", "--options", "1"], "--series"),
        ("vault", ["buy", "--series", "1", "--options", "0"], "--options"),
        ("vault", ["buy", "--series", "1", "--options", "1", "--slippage-bps", "20000"], "--slippage-bps"),
        ("vault", ["sell", "--series", "1", "--options", "1", "--slippage-bps", "-500"], "--slippage-bps"),
        ("vault", ["redeem", "--series", "0"], "--series"),
        ("keeper", ["run", "--max-gas-price", "30"], "--max-gas-price"),
        ("keeper", ["run", "--max-gas-price", "-1gwei"], "--max-gas-price"),
        ("keeper", ["run", "--max-gas-price", "lots"], "--max-gas-price"),
        ("deploy", ["stack", "--vol", "0"], "--vol"),
        ("deploy", ["vault", "--vol", "nan"], "--vol"),
        ("governance", ["install", "--delay", "12h"], "--delay"),
        ("governance", ["install", "--delay", "8d"], "--delay"),
        ("governance", ["propose", "vault-policy", "--set", "entry_fee=1"], "--set"),
        ("governance", ["propose", "vault-policy", "--set", "entry_fee_bps=1.5"], "--set"),
        ("governance", ["propose", "hedger-policy", "--set", "band=-1"], "--set"),
        ("governance", ["propose", "hedger-policy", "--set", "trade_to_edge=maybe"], "--set"),
        ("governance", ["execute", "0x1234"], "CHANGE_ID"),
    ],
    ids=lambda v: v if isinstance(v, str) else "_".join(v).replace("--", ""),
)
def test_scripts__nonsense_input__one_line_error_naming_the_option(name, args, option):
    result = CliRunner().invoke(script(name), args + ["--account", "TEST::1"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.strip().splitlines() if line.startswith("Error")]
    assert len(lines) == 1 and f"Invalid value for '{option}'" in lines[0], result.output
    assert "Traceback" not in result.output


def test_ape_run_keeper_help__lists_the_commands_with_an_example():
    result = ape_run("keeper", "--help")
    assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
    out = result.stdout
    assert "Watch DeltaHedgers and call `rebalance()`" in out and "Example:" in out
    assert "ape run keeper run --network ethereum:sepolia:node" in out
    commands = out[out.index("Commands:") :]
    assert "run " in commands and "Run the keeper loop" in commands
    assert "status " in commands
    assert "Traceback" not in out + result.stderr
