"""The keeper loop (deltavault.keeper.Keeper) against a real vault, pool and hedger on anvil."""

import threading
import time

import pytest
from web3 import Web3

from deltavault.keeper import REBALANCED_TOPIC, Keeper, KeeperConfig, ape_signer, lens_abi
from tests.utils.rpc_proxy import RpcProxy

WAD = 10**18
GWEI = 10**9


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
        config=KeeperConfig(**{"poll_interval": 0.05, "backoff_initial": 0.2, "backoff_max": 0.5, **config}),
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
