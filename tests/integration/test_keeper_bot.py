"""The Silverback bot (`bots/keeper.py`) keeps the stack's hedge in band: started as Silverback starts it, with
the gas ceiling from its environment, each new block runs one keeper step and reports it as metrics."""

import asyncio
import importlib
import inspect
import json
import sys

import pytest

from tests.utils.constants import GWEI, WAD

pytest.importorskip("silverback")
from silverback.main import SharedState  # noqa: E402


def _call(task, *args):
    """The bot's own handler under Silverback's task wrappers (taskiq keeps it as `original_func`, and
    Silverback's wrappers are `functools.wraps` of it)."""
    fn = inspect.unwrap(getattr(task, "original_func", task))
    result = fn(*args)
    return asyncio.run(result) if inspect.isawaitable(result) else result


@pytest.fixture
def bot(deployed, keeper, tmp_path, monkeypatch):
    return _start(monkeypatch, tmp_path, deployed.record, keeper)


def _start(monkeypatch, tmp_path, record, keeper):
    """The bot module as Silverback starts it, for the deployment `record`, signing with `keeper`."""
    # Silverback binds the provider that is connected ("adhoc") instead of starting its own network.
    monkeypatch.setenv("SILVERBACK_NETWORK_CHOICE", "adhoc")
    module = importlib.reload(sys.modules["bots.keeper"]) if "bots.keeper" in sys.modules else None
    if module is None:
        import bots.keeper as module

    path = tmp_path / "31337.json"
    path.write_text(json.dumps(record))
    monkeypatch.setenv("DELTAVAULT_DEPLOYMENT", str(path))
    monkeypatch.setenv("DELTAVAULT_MAX_GAS_PRICE_GWEI", "0.5")
    monkeypatch.setenv("DELTAVAULT_ALLOW_UNPROFITABLE", "1")  # anvil's zero base fee pays no bounty
    monkeypatch.setattr(module.bot, "signer", keeper)
    monkeypatch.setattr(module.bot, "state", SharedState(), raising=False)  # what the worker sets up
    _call(module.start_keeper, None)
    return module


def test_bot__startup__keeper_for_the_deployment_with_the_gas_ceiling_in_gwei(bot, deployed, keeper):
    k = bot.bot.state.keeper
    assert k.hedgers == [deployed.record["hedger"]] and k.sender == keeper.address
    assert k.config.max_gas_price == GWEI // 2 and not k.config.require_profit


def test_bot__vault_becomes_due__next_block_rebalances_and_reports_it(bot, deployed, trader, owner, chain):
    quote, vault = deployed.market.quote, deployed.system.vault
    assert _call(bot.rebalance_when_due, chain.blocks.head) == {
        "due": 0, "sent": 0, "rebalances": 0, "base_fee_gwei": chain.blocks.head.base_fee / GWEI,
    }  # fmt: skip
    quote.mint(trader, 100_000 * 10**6, sender=trader)
    quote.approve(vault, 2**256 - 1, sender=trader)
    vault.buyOption(2, 20 * WAD, 10**30, trader, sender=trader)
    chain.pending_timestamp += 120
    deployed.price_feed.pushAnswer(2000 * 10**8, sender=owner)
    metrics = _call(bot.rebalance_when_due, chain.blocks.head)
    assert metrics["due"] == 1 and metrics["sent"] == 1
    chain.mine()
    metrics = _call(bot.rebalance_when_due, chain.blocks.head)
    assert metrics["rebalances"] == 1 and metrics["due"] == 0
    assert abs(deployed.system.hedger.rebalanceStatus().delta) < WAD // 2
    assert _call(bot.rebalance_when_due, chain.blocks.head) == {}  # the same block is not processed twice


def test_bot__short_leg__reports_ltv_and_a_blocked_leg_without_sending(
    owner, depositor, keeper, trader, attacker, chain, tmp_path, monkeypatch
):
    from tests.utils.short_stack import deploy_short_stack

    short = deploy_short_stack(owner, depositor, chain)
    module = _start(monkeypatch, tmp_path, short.record, keeper)
    short.write_puts(trader)
    short.advance()
    metrics = _call(module.rebalance_when_due, chain.blocks.head)
    assert metrics["sent"] == 1 and metrics["short_blocked"] == 0 and metrics["short_max_ltv"] == 0
    chain.mine()
    metrics = _call(module.rebalance_when_due, chain.blocks.head)
    ltv = short.venue.health().ltv
    assert metrics["rebalances"] == 1 and metrics["short_max_ltv"] == ltv / WAD > 0
    short.set_policy(target=-5 * WAD)  # more short needed, and no lender left
    short.drain(attacker)
    short.advance()
    nonce = keeper.nonce
    metrics = _call(module.rebalance_when_due, chain.blocks.head)
    assert metrics["short_blocked"] == 1 and metrics["sent"] == 0 and metrics["due"] == 0
    assert keeper.nonce == nonce
