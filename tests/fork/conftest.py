"""Fork suite: `ape test tests/fork --network ethereum:mainnet-fork:foundry` (`make test-fork`).

Before Ape connects, `pytest_configure` picks the upstream chain that ape-foundry's `anvil --fork-url` forks:

- default (offline): an anvil this run starts on a free port with chain id 1, seeded with a mainnet-like market
  (`upstream.seed_upstream`, built by `deltavault.local.stack.deploy_market`), addresses written to
  `.build/fork/mainnet-upstream.json`; stopped in `pytest_unconfigure` (and by the kernel if this process
  dies: PR_SET_PDEATHSIG).
- `ETHEREUM_RPC_URL` set: that node, with the market of `deployments/networks/mainnet.json`
  (`DELTAVAULT_FORK_MARKET` may name another market file).

The upstream URI reaches Ape through `DELTAVAULT_FORK_UPSTREAM`, which `ape-config.yaml` substitutes into
`node: ethereum: mainnet: uri:` (Ape reads the config file after this hook).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fork import upstream

UPSTREAM_ENV = "DELTAVAULT_FORK_UPSTREAM"
MARKET_ENV = "DELTAVAULT_FORK_MARKET"
HOW_TO_RUN = "run with `make test-fork` (ape test tests/fork --network ethereum:mainnet-fork:foundry)"
HOW_TO_RUN_REAL = "set ETHEREUM_RPC_URL to run against mainnet: `ETHEREUM_RPC_URL=https://... make test-fork`"


@dataclass
class ForkRun:
    """What this session forks. `mode` is "local" (an upstream this run started), "rpc" (a real node) or
    None (not a fork run: every fork test is skipped with `skip_reason`)."""

    mode: str | None = None
    ecosystem: str = "ethereum"
    uri: str | None = None
    market_file: Path | None = None
    skip_reason: str = HOW_TO_RUN
    node: upstream.UpstreamNode | None = None
    market: dict[str, Any] = field(default_factory=dict)


RUN = ForkRun()


def pytest_configure(config):
    config.addinivalue_line("markers", "upstream_check: runs after every other fork test")
    config.addinivalue_line("markers", "real_chain: runs only against a real chain (ETHEREUM_RPC_URL)")
    config.addinivalue_line(
        "markers", "local_upstream: needs the local upstream (a feed this suite can push)"
    )
    choice = config.getoption("network", default=None) or ""
    if "-fork" not in choice:
        return
    RUN.ecosystem = choice.split(":")[0] or "ethereum"
    rpc_url = upstream.env_upstream(RUN.ecosystem)
    if RUN.ecosystem != "ethereum":
        RUN.skip_reason = f"{RUN.ecosystem} forks need the ape-{RUN.ecosystem} plugin, not installed here"
        return
    if rpc_url:
        RUN.mode, RUN.uri = "rpc", rpc_url
        os.environ[UPSTREAM_ENV] = RUN.uri
        RUN.market_file = Path(os.environ.get(MARKET_ENV) or upstream.network_file("mainnet"))
        RUN.market = upstream.read_market(RUN.market_file)
        if missing := upstream.missing_fields(RUN.market):
            RUN.mode, RUN.skip_reason = None, f"{RUN.market_file} leaves {', '.join(missing)} null"
    else:
        RUN.node = upstream.start_anvil()
        RUN.mode, RUN.uri = "local", RUN.node.uri
        os.environ[UPSTREAM_ENV] = RUN.uri  # before seeding: that first use of Ape reads the config
        try:
            RUN.market = upstream.seed_local_upstream(RUN.node.uri)
        except BaseException:
            RUN.node.stop()
            raise
        RUN.market_file = upstream.LOCAL_MARKET_FILE
        upstream.write_market(RUN.market_file, RUN.market)


def pytest_unconfigure(config):
    if RUN.node is not None:
        RUN.node.stop()
        RUN.node = None


def pytest_collection_modifyitems(config, items):
    fork_items = [i for i in items if Path(i.fspath).is_relative_to(Path(__file__).parent)]
    if RUN.mode is None:
        for item in fork_items:
            item.add_marker(pytest.mark.skip(reason=RUN.skip_reason))
    elif RUN.mode != "local":
        reason = (
            "needs a price feed this suite can push (the local upstream); a real chain runs the reduced set"
        )
        for item in fork_items:
            if item.get_closest_marker("local_upstream"):
                item.add_marker(pytest.mark.skip(reason=reason))
    if RUN.mode != "rpc":
        for item in fork_items:
            if item.get_closest_marker("real_chain"):
                item.add_marker(pytest.mark.skip(reason=HOW_TO_RUN_REAL))
    # The check that the upstream was left untouched goes last.
    items.sort(key=lambda i: i.get_closest_marker("upstream_check") is not None)


# ---------------------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fork_run():
    return RUN


@pytest.fixture(scope="session")
def market(fork_run, accounts, chain):
    from tests.fork.utils import Market

    assert chain.chain_id == fork_run.market["chainId"]
    # One second per block, whatever the wall clock does: option values decay with time, so amounts that
    # tests compare across blocks stay the same on a slow machine.
    chain.provider.make_request("anvil_setBlockTimestampInterval", [1])
    return Market.load(fork_run.market, local=fork_run.mode == "local")


@pytest.fixture(autouse=True)
def next_base_fee_follows_head(fork_run, chain):
    """Anvil's `evm_revert` (Ape's isolation between tests) restores the state but not the base fee it will
    charge in the next block: after a test of heavy swaps or a gas spike, the next test's transactions,
    priced by Ape from the head block, would fall short. Re-align the next base fee with the head block."""
    if fork_run.mode is not None:
        fee = chain.blocks.head.base_fee or 0
        chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(fee)])
    yield


@pytest.fixture(scope="session")
def second_depositor(accounts):
    return accounts[7]


@pytest.fixture(scope="module")
def system_block(chain):
    """The first block of the module's vault system (for event queries)."""
    return chain.blocks.head.number + 1


@pytest.fixture(scope="module")
def system(
    system_block, market, owner, manager, guardian, keeper, depositor, second_depositor, trader, attacker
):
    """A vault system (and the VaultLens the keeper reads through) deployed on the fork over the upstream's
    USDC, WETH, pool, router and feed."""
    from tests.fork.utils import deploy_system

    if market.local:
        market.push_price(market.oracle_price())  # a fresh round: the upstream was seeded a while ago
    return deploy_system(market, owner, manager, guardian)


@pytest.fixture(scope="module")
def book(market, system, manager, depositor, second_depositor, trader, chain):
    """Deposits from two depositors (quote taken from a whale) and options sold to a trader: calls struck at
    the money with a cap of one strike (a call spread) and out-of-the-money puts, 30 days to expiry."""
    from tests.fork.utils import Book

    return Book.open(market, system, manager, [(depositor, 1_000_000), (second_depositor, 500_000)], trader)
