"""The SDK and the wallet CLI with the short leg (the stack of `deploy stack --short-leg`): `Vault` / `Hedger`
report the short position and the short policy in human units equal to the venue's raw values, and a buy that
would exceed the short's capacity is refused in the preview, as one decoded line, before anything is sent."""

import importlib.util
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from deltavault import ContractError, Hedger, Vault
from tests.utils.constants import MAX_UINT, WAD
from tests.utils.short_stack import PUT_ATM, deploy_short_stack

ROOT = Path(__file__).resolve().parents[2]
USDC = 10**6


@pytest.fixture(scope="module")
def short(owner, depositor, trader, keeper, accounts, chain):
    """Puts written and hedged: the vault owes base to the venue."""
    short = deploy_short_stack(owner, depositor, chain)
    short.write_puts(trader)
    short.advance()
    short.hedger.rebalance(sender=keeper)
    short.quote.mint(accounts[8], 100_000 * USDC, sender=accounts[8])  # the buyer, no approval yet
    return short


@pytest.fixture(scope="module")
def sdk(short):
    return Vault.at(short.record["vault"])


@pytest.fixture(scope="module")
def vault_cli(short, tmp_path_factory, chain):
    """`ape run vault` invoked in-process, on the test's anvil (its URI as the network)."""
    path = tmp_path_factory.mktemp("deployments") / "31337.json"
    path.write_text(json.dumps(short.record))
    spec = importlib.util.spec_from_file_location("script_vault_short", ROOT / "scripts" / "vault.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def run(*args):
        argv = [*args, "--network", chain.provider.uri, "--deployment", str(path)]
        return CliRunner().invoke(module.cli, argv)

    return run


def cap_short(short, max_owed: int) -> None:
    """The owner lowers the hedger's cap on base owed to `max_owed` whole base tokens."""
    p = short.hedger.shortPolicy()
    short.hedger.setShortPolicy((p.targetLtv, p.maxLtv, max_owed * WAD), sender=short.owner)


def test_sdk_short__after_a_borrow__equals_the_venue_in_human_units(short, sdk):
    collateral, debt = short.venue.position()
    assert debt > 0
    ltv, health_factor, liquidation_price = short.venue.health()
    s = sdk.short_position()
    assert s.base_owed == Decimal(debt) / WAD and s.collateral == Decimal(collateral) / USDC
    assert s.ltv == Decimal(ltv) / WAD and s.health_factor == Decimal(health_factor) / WAD
    assert s.liquidation_price == Decimal(liquidation_price) / WAD and s.liquidation_price > 2000
    assert s.venue == short.record["borrowVenue"] and s.venue_status == "active" and s.healthy
    assert s.liquidation_ltv == Decimal("0.86") and 0 < s.ltv < Decimal("0.6")
    assert sdk.status().short == s  # the snapshot carries the same position
    hedger = Hedger.at(short.record["hedger"])
    assert hedger.short_position() == s
    limits = hedger.short_limits()
    assert (limits.target_ltv, limits.max_ltv, limits.max_base_owed) == (Decimal("0.5"), Decimal("0.6"), 500)
    assert limits.enabled


def test_preview_buy__within_capacity__returns_the_premium_without_sending(short, sdk, accounts):
    buyer = accounts[8]  # no approval: the preview overrides the allowance
    nonce = buyer.nonce
    premium = sdk.preview_buy(PUT_ATM, Decimal(1), Decimal(100_000), sender=buyer)
    assert premium == short.vault.quoteBuy(PUT_ATM, WAD) and buyer.nonce == nonce


def test_preview_buy__beyond_the_cap_on_base_owed__hedge_capacity_exceeded_in_base_units(
    short, sdk, accounts
):
    buyer = accounts[8]
    owed = short.venue.position()[1]
    cap_short(short, max_owed=owed // WAD + 1)
    with pytest.raises(ContractError) as info:
        sdk.preview_buy(PUT_ATM, Decimal(50), Decimal(10**6), sender=buyer)
    decoded = info.value.decoded
    assert decoded.name == "HedgeCapacityExceeded" and info.value.action == "buyOption"
    needed, capacity = decoded.args["needed"], decoded.args["capacity"]
    assert capacity == owed // WAD * WAD + WAD and needed > capacity
    assert f"capacity {owed // WAD + 1:,}" in decoded.message  # in base tokens, not wei


def test_wallet_buy__beyond_capacity__one_line_before_sending(short, vault_cli, accounts):
    buyer = accounts[8]
    owed = short.venue.position()[1]
    cap_short(short, max_owed=owed // WAD + 1)
    short.quote.approve(short.vault, MAX_UINT, sender=buyer)
    nonce, balance = buyer.nonce, short.quote.balanceOf(buyer)
    result = vault_cli("buy", "--series", str(PUT_ATM), "--options", "50", "--slippage-bps", "500",
                       "--account", "TEST::8")  # fmt: skip
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    assert f"buy 50 options of series {PUT_ATM} would revert" in errors[0]
    assert "[HedgeCapacityExceeded]" in errors[0], errors[0]
    assert buyer.nonce == nonce and short.quote.balanceOf(buyer) == balance  # nothing sent


def test_wallet_buy__within_capacity__buys(short, vault_cli, accounts):
    buyer = accounts[8]
    before = short.stack.system.option_token.balanceOf(buyer, PUT_ATM)
    result = vault_cli("buy", "--series", str(PUT_ATM), "--options", "1", "--approve", "--account", "TEST::8")
    assert result.exit_code == 0, result.output
    assert short.stack.system.option_token.balanceOf(buyer, PUT_ATM) - before == WAD


def test_wallet_status__short_leg__shows_owed_collateral_health_and_venue(short, vault_cli):
    collateral, debt = short.venue.position()
    result = vault_cli("status", "--json")
    assert result.exit_code == 0, result.output
    s = json.loads(result.output[result.output.index("{") :])["short"]
    assert (
        Decimal(s["baseOwed"]) == Decimal(debt) / WAD
        and Decimal(s["collateral"]) == Decimal(collateral) / USDC
    )
    assert s["venueStatus"] == "active" and Decimal(s["liquidationPrice"]) > 2000
    result = vault_cli("status")
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.output.splitlines() if "liquidation price" in x]
    assert f"owed {Decimal(debt) / WAD:,.4f}" in line and "venue active" in line
