"""The keeper loop (deltavault.keeper.Keeper) against a real vault, pool and hedger on anvil."""

import threading
import time

import pytest
from web3 import Web3

from deltavault.keeper import REBALANCED_TOPIC, Keeper, KeeperConfig, ape_signer, lens_abi
from tests.utils.constants import GWEI, WAD
from tests.utils.rpc_proxy import RpcProxy


@pytest.fixture
def logs():
    return []


def make_keeper(deployed, keeper_account, uri, logs, **config):
    web3 = Web3(Web3.HTTPProvider(uri, exception_retry_configuration=None))
    return Keeper(
        web3=web3,
        lens=deployed.record["lens"],
        lens_abi=lens_abi(),
        hedgers=[deployed.record["hedger"]],
        sender=keeper_account.address,
        sign=ape_signer(keeper_account),
        chain_id=deployed.record["chainId"],
        # Anvil runs at a zero base fee, where no bounty covers a priority fee: the tests about landing and
        # outages rebalance regardless; the profit tests below set require_profit.
        config=KeeperConfig(
            **{
                "poll_interval": 0.05,
                "backoff_initial": 0.2,
                "backoff_max": 0.5,
                "require_profit": False,
                **config,
            }
        ),  # fmt: skip
        log=logs.append,
    )


def buy(deployed, trader, amount=20 * WAD, series_id=2):
    quote, vault = deployed.market.quote, deployed.system.vault
    quote.mint(trader, 100_000 * 10**6, sender=trader)
    quote.approve(vault, 2**256 - 1, sender=trader)
    vault.buyOption(series_id, amount, 10**30, trader, sender=trader)


def make_due(deployed, trader, chain, owner):
    """Sell calls to a trader (vault delta ~ -10), then pass the cooldown with a fresh price: returns the block in
    which the vault became due."""
    buy(deployed, trader)
    chain.pending_timestamp += 120
    deployed.price_feed.pushAnswer(2000 * 10**8, sender=owner)
    assert deployed.system.hedger.rebalanceStatus().due
    return chain.blocks.head.number


def rebalanced_events(deployed, start_block):
    from ape import chain

    return chain.provider.web3.eth.get_logs(
        {
            "fromBlock": start_block,
            "toBlock": "latest",
            "address": deployed.record["hedger"],
            "topics": ["0x" + REBALANCED_TOPIC.hex()],
        }
    )


def run_in_thread(keeper):
    stop = threading.Event()
    thread = threading.Thread(target=keeper.run, kwargs={"stop": stop}, daemon=True)
    thread.start()
    return stop, thread


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_keeper__vault_becomes_due__rebalance_lands_within_one_block(
    deployed, keeper, trader, owner, chain, logs
):
    k = make_keeper(deployed, keeper, chain.provider.uri, logs)
    stop, thread = run_in_thread(k)
    try:
        wait_for(lambda: k.last_block is not None)
        due_block = make_due(deployed, trader, chain, owner)
        assert wait_for(lambda: k.rebalances), logs[-5:]
    finally:
        stop.set()
        thread.join(5)
    landed = k.rebalances[0]
    assert landed.block <= due_block + 1
    # The default policy: the cost-aware rule, trading back to the target.
    assert landed.rule.name == "COST" and abs(landed.delta_after) < WAD // 2
    assert len(rebalanced_events(deployed, due_block)) == 1
    assert not deployed.system.hedger.rebalanceStatus().due
    assert any(r["event"] == "keeper_stopped" for r in logs)


def test_keeper__not_due__sends_nothing(deployed, keeper, chain, logs):
    k = make_keeper(deployed, keeper, chain.provider.uri, logs)
    nonce = keeper.nonce
    chain.mine()
    result = k.tick()
    assert result.sent is None and result.views[0].decision.slug == "not-due"
    assert keeper.nonce == nonce and k.sent == []


def test_keeper__gas_price_above_ceiling__sends_nothing(deployed, keeper, trader, owner, chain, logs):
    make_due(deployed, trader, chain, owner)
    chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(50 * GWEI)])
    chain.mine()
    k = make_keeper(deployed, keeper, chain.provider.uri, logs, max_gas_price=10 * GWEI)
    nonce = keeper.nonce
    result = k.tick()
    assert result.basefee >= 40 * GWEI
    assert result.views[0].decision.slug == "gas-price-above-ceiling"
    assert result.sent is None and keeper.nonce == nonce
    assert deployed.system.hedger.rebalanceStatus().due


def test_keeper__rpc_outage_after_send__resumes_without_duplicate(
    deployed, keeper, trader, owner, chain, logs
):
    with RpcProxy(chain.provider.uri) as proxy:
        k = make_keeper(deployed, keeper, proxy.uri, logs)
        nonce = keeper.nonce
        start = chain.blocks.head.number
        # The answer to the rebalance transaction is lost and the node is unreachable for 1.5 s.
        proxy.drop_next_send, proxy.outage_seconds = True, 1.5
        stop, thread = run_in_thread(k)
        try:
            make_due(deployed, trader, chain, owner)
            assert wait_for(lambda: k.rebalances, timeout=30), logs[-8:]
            # Keep running through more blocks: nothing else may be sent.
            for _ in range(5):
                chain.mine()
                time.sleep(0.1)
        finally:
            stop.set()
            thread.join(5)
    events = [r["event"] for r in logs]
    assert "rpc_down" in events and "rpc_reconnected" in events
    assert events.index("tx_sending") < events.index("rpc_down") < events.index("tx_landed")
    assert proxy.sends_forwarded == 1 and len(k.sent) == 1
    assert keeper.nonce == nonce + 1
    assert len(rebalanced_events(deployed, start)) == 1


def test_keeper__node_dropped_the_transaction__resends_with_the_same_nonce(
    deployed, keeper, trader, owner, chain, logs
):
    make_due(deployed, trader, chain, owner)
    k = make_keeper(deployed, keeper, chain.provider.uri, logs)
    chain.provider.make_request("evm_setAutomine", [False])
    try:
        result = k.tick()
        assert result.sent is not None
        first = k.pending
        chain.provider.make_request("anvil_dropTransaction", [first.tx_hash])
        chain.provider.make_request("evm_mine", [])
        k.tick()  # resolves the pending transaction as dropped, re-reads the status, sends again
        assert k.pending is not None and k.pending.nonce == first.nonce
    finally:
        chain.provider.make_request("evm_setAutomine", [True])
    chain.mine()
    k.tick()
    assert len(k.rebalances) == 1 and keeper.nonce == first.nonce + 1
    assert [r["event"] for r in logs].count("tx_dropped") == 1


def set_base_fee(chain, wei):
    chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(wei)])
    chain.mine()


def test_keeper__priority_fee_above_the_bounty__sends_nothing(deployed, keeper, trader, owner, chain, logs):
    # A testnet-like fee market: a base fee of 0.05 gwei and the node's suggested priority fee of 1 gwei. The
    # bounty pays 1.2x the gas at the base fee; the transaction would pay base + priority, 20x more.
    make_due(deployed, trader, chain, owner)
    set_base_fee(chain, GWEI // 20)
    k = make_keeper(deployed, keeper, chain.provider.uri, logs, require_profit=True)
    nonce = keeper.nonce
    result = k.tick()
    view = result.views[0]
    assert result.gas_price == result.basefee + int(chain.provider.web3.eth.max_priority_fee)
    assert view.gas_cost > view.expected_bounty > 0
    assert view.decision.slug == "unprofitable", view.decision.reason
    assert result.sent is None and keeper.nonce == nonce and k.sent == []
    assert deployed.system.hedger.rebalanceStatus().due


def test_keeper__bounty_capped_at_the_gas_price_paid__never_sends_at_a_loss(
    deployed, keeper, trader, owner, chain, logs
):
    # The hedger prices the bounty at min(tx gas price, base fee x multiplier) on its measured gas plus
    # BOUNTY_GAS_OVERHEAD; the keeper prices the same and sends only when that covers the whole transaction.
    make_due(deployed, trader, chain, owner)
    set_base_fee(chain, 20 * GWEI)
    k = make_keeper(deployed, keeper, chain.provider.uri, logs, require_profit=True, priority_fee=GWEI // 10)
    nonce = keeper.nonce
    result = k.tick()
    view = result.views[0]
    if result.sent is None:
        assert view.decision.slug == "unprofitable" or any(
            r["event"] == "unprofitable_after_simulation" for r in logs
        ), logs[-3:]
        assert keeper.nonce == nonce
        return
    chain.mine()
    k.tick()
    (landed,) = k.rebalances
    spot = deployed.system.vault.spotPrice()
    assert landed.bounty >= landed.gas_used * landed.effective_gas_price * spot // 10**30


def test_keeper_status_cli__json__decision_without_sending(deployed, keeper, trader, owner, chain, tmp_path):
    import json

    from tests.utils.cli import invoke, ok, on_node

    make_due(deployed, trader, chain, owner)
    path = tmp_path / "31337.json"
    path.write_text(json.dumps(deployed.record))
    nonce = keeper.nonce
    out = ok(invoke("keeper", "status", "--json", "--priority-fee", "0gwei", *on_node(chain),
                    "--deployment", str(path), ape_logs="INFO"))  # fmt: skip
    data = json.loads(out)  # stdout is the object alone, with Ape's INFO lines on
    (row,) = data["hedgers"]
    assert row["hedger"] == deployed.record["hedger"] and row["due"] is True and row["rule"] == "cost"
    # Whether the bounty covers the gas depends on the chain's fee market; the decision says which, and acts iff due.
    assert row["decision"].split(":")[0] in ("due", "unprofitable")
    assert row["act"] is row["decision"].startswith("due:")
    assert abs(float(row["delta"])) > 0.5 and data["gasPriceWei"] == data["baseFeeWei"]
    assert keeper.nonce == nonce and deployed.system.hedger.rebalanceStatus().due


# --- the keeper's other duties: settlements and request fulfilments ---------------------------------------


def _queue(deployed):
    from ape import project

    return project.RequestQueue.at(deployed.system.vault.requestQueue())


def test_keeper__due_deposit_request__fulfilled_at_the_first_round_after_its_delay(
    deployed, keeper, depositor, owner, chain, logs
):
    queue, vault = _queue(deployed), deployed.system.vault
    deployed.market.quote.mint(depositor, 5_000 * 10**6, sender=depositor)
    deployed.market.quote.approve(queue, 2**256 - 1, sender=depositor)
    queue.requestDeposit(5_000 * 10**6, depositor, depositor, sender=depositor)
    k = make_keeper(deployed, keeper, chain.provider.uri, logs)
    chain.mine()
    assert k.tick().sent is None  # not due yet
    chain.pending_timestamp += vault.policy().requestDelay + 1
    deployed.price_feed.pushAnswer(2010 * 10**8, sender=owner)  # the due round
    deployed.vol_feed.pushAnswer(80 * 10**6, sender=owner)
    shares_before = vault.balanceOf(depositor)
    result = k.tick()
    assert result.sent is not None
    k.wait_pending(30)
    [done] = k.duties_done
    assert done["duty"] == "fulfilDeposit"
    assert vault.balanceOf(depositor) > shares_before
    assert queue.pendingDepositRequest(0, depositor) == 0
    chain.mine()
    assert k.tick().sent is None  # nothing left to do


def test_keeper__expired_series__settled_with_the_first_round_after_expiry(
    deployed, keeper, trader, owner, chain, logs
):
    vault = deployed.system.vault
    expiry = chain.pending_timestamp + 2 * 3600
    vault.listSeries(2000 * WAD, 500 * WAD, expiry, True, sender=owner)  # the stack's manager is its deployer
    sid = vault.seriesCount()
    buy(deployed, trader, amount=WAD, series_id=sid)
    chain.pending_timestamp = expiry + 30
    deployed.price_feed.pushAnswer(2100 * 10**8, sender=owner)
    deployed.vol_feed.pushAnswer(80 * 10**6, sender=owner)
    k = make_keeper(deployed, keeper, chain.provider.uri, logs)
    result = k.tick()
    assert result.sent is not None
    k.wait_pending(30)
    assert [d["duty"] for d in k.duties_done] == ["settle"]
    series = vault.series(sid)
    assert series.settled and series.payoffPerOption == 100 * WAD
