"""The keeper with the short leg (a stack deployed with its Morpho Blue market): it borrows and sells through
`rebalance()`, acts on the health rule, logs the short's debt, collateral and LTV, logs a blocked short leg once
(no transaction, no revert loop), and `keeper status` (table and --json) shows the short."""

import json
from decimal import Decimal

import pytest
from web3 import Web3

from deltavault.keeper import Keeper, KeeperConfig, ape_signer, lens_abi
from tests.utils.cli import invoke, ok, on_node
from tests.utils.constants import WAD
from tests.utils.short_stack import deploy_short_stack

TARGET_LTV = WAD // 2  # ShortLegSpec


@pytest.fixture(scope="module")
def short(owner, depositor, chain):
    return deploy_short_stack(owner, depositor, chain)


@pytest.fixture
def logs():
    return []


def make_keeper(short, account, chain, logs):
    web3 = Web3(Web3.HTTPProvider(chain.provider.uri, exception_retry_configuration=None))
    return Keeper(
        web3=web3, lens=short.record["lens"], lens_abi=lens_abi(), hedgers=[short.record["hedger"]],
        sender=account.address, sign=ape_signer(account), chain_id=short.record["chainId"],
        config=KeeperConfig(poll_interval=0.05, require_profit=False, duties=False), log=logs.append,
    )  # fmt: skip


def land(keeper, chain, logs):
    result = keeper.tick()
    assert result.sent is not None, json.dumps(logs[-2:])
    chain.mine()
    keeper.wait_pending(10)
    return result


def test_keeper__puts_written__borrows_and_sells__logs_the_short(short, keeper, trader, chain, logs):
    short.write_puts(trader)
    short.advance()
    k = make_keeper(short, keeper, chain, logs)
    result = land(k, chain, logs)
    (view,) = result.views
    assert view.status.trade < 0 and view.decision.act and view.short.base_owed == 0  # before the borrow
    collateral, debt = short.venue.position()
    assert debt > 0 and k.rebalances[0].delta_after < k.rebalances[0].delta_before
    # The next block's status line carries the short as the lens read it.
    k.tick()
    record = [r for r in logs if r["event"] == "status"][-1]
    assert record["blocked"] == "none" and not record["act"]
    s = record["short"]
    assert s["venue"] == short.record["borrowVenue"] and s["venue_status"] == "active"
    assert s["base_owed"] == str(Decimal(short.vault.hedgeState().baseOwed) / WAD)
    assert float(s["collateral"]) == collateral / 10**6
    ltv, health_factor, liquidation_price = short.venue.health()
    assert float(s["ltv"]) == pytest.approx(ltv / WAD) and 0 < ltv < TARGET_LTV
    assert (
        float(s["liquidation_price"]) == pytest.approx(liquidation_price / WAD)
        and liquidation_price > 2000 * WAD
    )
    assert not [r for r in logs if r["event"].startswith("short_blocked")]


def test_keeper__price_jumps_past_max_ltv__acts_on_the_health_rule(short, keeper, trader, chain, logs, owner):
    short.write_puts(trader)
    short.advance()
    k = make_keeper(short, keeper, chain, logs)
    land(k, chain, logs)
    lltv = short.venue.lltv()
    short.hedger.setShortPolicy((TARGET_LTV, TARGET_LTV, 500 * WAD), sender=owner)  # no room above the target
    short.advance(price=2800)  # +40 % in one round
    ltv_before = short.venue.health().ltv
    assert TARGET_LTV < ltv_before < lltv
    collateral_before = short.venue.position()[0]
    result = land(k, chain, logs)
    (view,) = result.views
    assert view.status.rule.name == "HEALTH", json.dumps(logs[-6:]) and view.status.collateral_in > 0
    assert view.decision.reason.startswith("due: rule health ltv")
    landed = k.rebalances[-1]
    assert landed.rule.name == "HEALTH" and landed.ltv_before == pytest.approx(ltv_before, rel=1e-6)
    assert landed.collateral_posted == short.venue.position()[0] - collateral_before
    assert [r["rule"] for r in logs if r["event"] == "tx_landed"][-1] == "health"
    assert short.venue.health().ltv <= TARGET_LTV + WAD // 10**6


def test_keeper__market_drained__one_blocked_line_and_nothing_sent(
    short, keeper, trader, chain, logs, attacker
):
    short.write_puts(trader)
    short.drain(attacker)
    short.advance()
    k = make_keeper(short, keeper, chain, logs)
    nonce = keeper.nonce
    for _ in range(3):
        result = k.tick()
        assert result.sent is None
        chain.mine()
    (view,) = result.views
    assert view.blocked.name == "NO_LIQUIDITY" and view.short.venue_status == "no-liquidity"
    assert view.decision.reason.startswith("blocked: rule")
    blocked = [r for r in logs if r["event"] == "short_blocked"]
    assert len(blocked) == 1  # on the change, not every block
    assert blocked[0]["blocked"] == "no_liquidity" and "no liquidity" in blocked[0]["message"]
    assert keeper.nonce == nonce and not [
        r for r in logs if r["event"] in ("tx_sending", "simulation_reverted")
    ]
    # Lenders come back: the short leg is unblocked (logged once) and the keeper borrows.
    from deltavault.local import lending

    lending.fund(short.base, attacker, 200 * WAD)
    short.base.approve(short.morpho, 2**256 - 1, sender=attacker)
    params = short.morpho.idToMarketParams(short.record["morphoMarketId"])
    short.morpho.supply(params, 200 * WAD, 0, attacker, b"", sender=attacker)
    short.advance()
    land(k, chain, logs)
    assert [r["event"] for r in logs if r["event"].startswith("short_")] == [
        "short_blocked",
        "short_unblocked",
    ]
    assert short.venue.position()[1] > 0


def test_keeper_status_cli__short_leg__table_and_json_show_debt_ltv_and_blocked(
    short, keeper, trader, chain, attacker, tmp_path
):
    short.write_puts(trader)
    short.advance()
    short.hedger.rebalance(sender=keeper)
    short.drain(attacker)
    short.set_policy(target=-5 * WAD)  # more short needed, none can be borrowed
    short.advance()
    path = tmp_path / "31337.json"
    path.write_text(json.dumps(short.record))
    args = (*on_node(chain), "--deployment", str(path))
    nonce = keeper.nonce
    out = ok(invoke("keeper", "status", "--json", *args))
    (row,) = json.loads(out[out.index("{") :])["hedgers"]
    collateral, debt = short.venue.position()
    assert row["blocked"] == "no_liquidity" and row["act"] is False and row["decision"].startswith("blocked:")
    assert float(row["short"]["base_owed"]) == pytest.approx(debt / WAD, rel=1e-9)
    assert float(row["short"]["collateral"]) == collateral / 10**6
    assert row["short"]["venue_status"] == "no-liquidity" and 0 < float(row["short"]["ltv"]) < 0.5
    out = ok(invoke("keeper", "status", *args))
    (line,) = [x for x in out.splitlines() if x.strip().startswith("short:")]
    assert f"owed {debt / WAD:,.6f}"[:14] in line and "venue no-liquidity" in line
    assert "blocked: no_liquidity (the lending market has no liquidity left" in line
    assert keeper.nonce == nonce  # status only reads


def test_lens__short_position__equals_the_venue_and_survives_a_stale_oracle(short, keeper, trader, chain):
    from ape import project

    lens = project.VaultLens.at(short.record["lens"])
    short.write_puts(trader)
    short.advance()
    short.hedger.rebalance(sender=keeper)
    _, (entry,) = lens.statuses([short.record["hedger"]])
    ok, (venue, venue_status, owed, posted, health_ok, ltv, health_factor, liquidation, lltv) = (
        entry[1],
        entry[9],
    )
    collateral, debt = short.venue.position()
    assert ok and venue == short.record["borrowVenue"] and venue_status == 0 and health_ok
    assert (owed, posted) == (debt, collateral) and owed == short.vault.hedgeState().baseOwed
    assert (ltv, health_factor, liquidation) == tuple(short.venue.health())
    assert lltv == short.venue.lltv() and tuple(lens.shortPosition(short.vault)) == tuple(entry[9])
    # The feed goes stale: the status and the venue's health revert, the position is still reported.
    chain.pending_timestamp += 2 * 3600
    chain.mine()
    _, (entry,) = lens.statuses([short.record["hedger"]])
    ok, (_, venue_status, owed, posted, health_ok, ltv, _, liquidation, _) = entry[1], entry[9]
    assert not ok and not health_ok and ltv == liquidation == 0
    assert venue_status == 2 and owed >= debt and posted == collateral  # OracleUnavailable


def test_lens__vault_without_borrow_venue__short_position_all_zero(deployed):
    from ape import project

    _, (entry,) = project.VaultLens.at(deployed.record["lens"]).statuses([deployed.record["hedger"]])
    assert entry[1] and tuple(entry[9]) == ("0x" + "00" * 20, 0, 0, 0, False, 0, 0, 0, 0)
