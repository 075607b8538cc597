"""The keeper's pure decision: act only when due, under the gas ceiling, and (by default) paid for the gas."""

import pytest

from deltavault.keeper import (
    BLOCKED_MESSAGES,
    Decision,
    HedgeStatus,
    ShortView,
    decide,
    expected_bounty,
    gas_cost_in_quote,
)
from deltavault.policy import Blocked, Rule
from tests.utils.constants import GWEI, WAD


def status(due=True, rule=Rule.THRESHOLD, delta=-2 * WAD, band=WAD // 2, trade=2 * WAD, next_allowed=100):
    return HedgeStatus(due, rule, delta, 0, band, trade, next_allowed)


def test_decide__due_cheap_gas_profitable__acts():
    d = decide(status(), gas_price=GWEI, max_gas_price=10 * GWEI, expected_bounty=10, gas_cost=5, now=200)
    assert d == Decision(True, d.reason) and d.slug == "due" and "threshold" in d.reason


def test_decide__not_due_inside_band__does_not_act():
    d = decide(status(due=False, rule=Rule.NONE, delta=WAD // 10), gas_price=0, max_gas_price=None,
               expected_bounty=0, gas_cost=0)  # fmt: skip
    assert not d.act and d.slug == "not-due"


def test_decide__rule_fires_during_cooldown__waits():
    d = decide(status(due=False, next_allowed=300), gas_price=0, max_gas_price=None, expected_bounty=0, gas_cost=0,
               now=200)  # fmt: skip
    assert not d.act and d.slug == "cooldown"


def test_decide__rule_fires_without_possible_trade__does_not_act():
    d = decide(
        status(due=False, trade=0), gas_price=0, max_gas_price=None, expected_bounty=0, gas_cost=0, now=500
    )
    assert not d.act and d.slug == "no-trade"


def test_decide__gas_price_above_ceiling__does_not_act():
    d = decide(status(), gas_price=31 * GWEI, max_gas_price=30 * GWEI, expected_bounty=10**9, gas_cost=0)
    assert not d.act and d.slug == "gas-price-above-ceiling"


def test_decide__gas_price_at_ceiling__acts():
    assert decide(status(), gas_price=30 * GWEI, max_gas_price=30 * GWEI, expected_bounty=1, gas_cost=1).act


@pytest.mark.parametrize("require_profit, acts", [(True, False), (False, True)])
def test_decide__bounty_below_gas_cost__acts_only_when_profit_not_required(require_profit, acts):
    d = decide(status(), gas_price=GWEI, max_gas_price=None, expected_bounty=4, gas_cost=5,
               require_profit=require_profit)  # fmt: skip
    assert d.act is acts
    if not acts:
        assert d.slug == "unprofitable"


def test_decide__min_profit__is_required_on_top_of_the_gas():
    assert not decide(
        status(), gas_price=1, max_gas_price=None, expected_bounty=10, gas_cost=5, min_profit=6
    ).act
    assert decide(status(), gas_price=1, max_gas_price=None, expected_bounty=10, gas_cost=5, min_profit=5).act


def test_expected_bounty__matches_the_hedger_formula_and_cap():
    # (250k + 60k) gas at 20 gwei = 0.0062 ETH; x1.2 = 0.00744 ETH; at 2000 USDC = 14.88 USDC (6 decimals).
    b = expected_bounty(gas=250_000, basefee=20 * GWEI, spot=2000 * WAD, quote_decimals=6, multiplier_bps=12_000,
                        cap=20 * 10**6)  # fmt: skip
    assert b == 14_880_000
    assert expected_bounty(gas=250_000, basefee=100 * GWEI, spot=2000 * WAD, quote_decimals=6,
                           multiplier_bps=12_000, cap=20 * 10**6) == 20 * 10**6  # fmt: skip


def test_gas_cost_in_quote__rounds_up():
    assert (
        gas_cost_in_quote(gas=300_000, gas_price=20 * GWEI, spot=2000 * WAD, quote_decimals=6) == 12_000_000
    )
    assert gas_cost_in_quote(gas=1, gas_price=1, spot=WAD, quote_decimals=6) == 1


def test_hedge_status__from_tuple__reads_the_solidity_order():
    s = HedgeStatus.from_tuple((True, 2, -3 * WAD, WAD, WAD // 2, 4 * WAD, 77))
    assert s.rule is Rule.TIME and s.deviation == 4 * WAD and s.next_allowed == 77


def test_expected_bounty__priced_at_most_at_the_gas_price_paid():
    # basefee 20 gwei x 1.2 = 24 gwei, but the transaction pays 21 gwei: the bounty is (250k + 60k) x 21 gwei.
    b = expected_bounty(gas=250_000, basefee=20 * GWEI, spot=2000 * WAD, quote_decimals=6, multiplier_bps=12_000,
                        cap=10**12, tx_gas_price=21 * GWEI)  # fmt: skip
    assert b == 310_000 * 21 * GWEI * 2000 * WAD // 10**30 == 13_020_000


def test_decide__health_rule_posts_collateral__acts_and_says_so():
    s = HedgeStatus(
        True, Rule.HEALTH, WAD, 0, WAD // 2, 0, 100, collateral_in=5_000 * 10**6, ltv=65 * WAD // 100
    )
    d = decide(s, gas_price=0, max_gas_price=None, expected_bounty=0, gas_cost=0, require_profit=False)
    assert d.act and d.reason == "due: rule health ltv 0.6500, post collateral 5000000000"


def test_decide__health_rule_buys_back__acts_and_says_so():
    s = HedgeStatus(True, Rule.HEALTH, WAD, 0, WAD // 2, 3 * WAD, 100, ltv=7 * WAD // 10)
    d = decide(s, gas_price=0, max_gas_price=None, expected_bounty=0, gas_cost=0, require_profit=False)
    assert d.act and d.reason == "due: rule health ltv 0.7000, buy base and repay, trade 3.0000"


@pytest.mark.parametrize("blocked", [b for b in Blocked if b != Blocked.NONE])
def test_decide__short_leg_blocked__does_not_act_and_names_the_block(blocked):
    s = HedgeStatus(False, Rule.HEALTH, WAD, 0, WAD // 2, 0, 100, blocked=blocked)
    d = decide(s, gas_price=0, max_gas_price=None, expected_bounty=10, gas_cost=0, now=500)
    assert not d.act and d.reason == f"blocked: rule health fires, {blocked.name.lower()}"
    assert BLOCKED_MESSAGES[blocked]


def test_short_view__from_lens_tuple__none_without_venue_and_health_none_without_debt():
    venue = "0x" + "11" * 20
    assert ShortView.from_tuple(("0x" + "00" * 20, 0, 0, 0, False, 0, 0, 0, 0)) is None
    v = ShortView.from_tuple((venue, 1, 0, 10**6, True, 0, 2**256 - 1, 2**256 - 1, 86 * WAD // 100))
    assert v.venue_status == "no-liquidity" and v.health_factor is None and v.liquidation_price is None
    v = ShortView.from_tuple((venue, 0, 5 * WAD // 2, 10_000 * 10**6, True, WAD // 2, 17 * WAD // 10,
                              3440 * WAD, 86 * WAD // 100))  # fmt: skip
    assert v.as_log(6) == {"venue": v.venue, "venue_status": "active", "base_owed": "2.5",
                           "collateral": "10000.000000", "ltv": "0.5", "health_factor": "1.7",
                           "liquidation_price": "3440", "lltv": "0.86"}  # fmt: skip
    v = ShortView.from_tuple((venue, 2, WAD, 10**6, False, 0, 0, 0, 86 * WAD // 100))
    assert v.venue_status == "oracle-unavailable" and v.ltv is None and v.liquidation_price is None
