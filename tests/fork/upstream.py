"""The fork suite's upstream chain: a local anvil "mainnet" (chain id 1) seeded with a market, or a real node.

`tests/fork/conftest.py` calls these before Ape connects: it starts an upstream anvil (`start_anvil`), seeds it
through Ape's `node` provider (`seed_upstream`, with the market deployment of `ape run deploy stack`:
`deltavault.local.stack.deploy_market`), writes the addresses in the per-network format (`write_market`), and points
the `node` provider of `ethereum:mainnet` at it; `ethereum:mainnet-fork:foundry` then forks it. With
`ETHEREUM_RPC_URL` set, the upstream is that node and the market is `deployments/networks/mainnet.json`.

Market file: the per-network format of `deployments/networks/<network>.json` (chainId, baseToken, quoteToken,
swapRouter, routerHasDeadline, pool, poolFee, priceFeed, priceMaxAge, sequencerFeed, sequencerGracePeriod) plus
what a fork needs: `feedOwner` (who may push answers; null on a real chain), `whales` (quote holders to
impersonate) and, for the local upstream only, `upstreamState` (what the suite must leave untouched). The short
leg's keys: `morpho`, `morphoIrm` (and, where a market exists, `morphoOracle`, `morphoMarketId`, `morphoLltv`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NETWORKS_DIR = ROOT / "deployments" / "networks"
LOCAL_MARKET_FILE = ROOT / ".build" / "fork" / "mainnet-upstream.json"

# Anvil's (and Ape's test) mnemonic. The upstream deployer, liquidity provider and USDC whale is account 20 of
# it: outside Ape's 10 test accounts, so on the fork it is reached only by impersonation, like a real whale.
MNEMONIC = "test test test test test test test test test test test junk"
WHALE_INDEX = 20
CHAIN_ID = 1
PRICE = 2000
POOL_FEE = 500  # the 0.05 % tier, like mainnet's USDC/WETH pool
POOL_VALUE = 200_000_000  # quote value of the pool's liquidity (mainnet's 0.05 % USDC/WETH pool: a few 100 M)
WHALE_QUOTE = 1_000_000_000  # USDC the whale holds beside its liquidity positions
MORPHO_SUPPLY = (
    5_000  # WETH the whale supplies to the upstream's Morpho Blue market (the short leg's lenders)
)
MORPHO_LLTV = "0.86"
# Morpho Blue on Ethereum mainnet (docs.morpho.org/developers/contracts/addresses; npm @morpho-org/morpho-ts).
MAINNET_MORPHO = "0xBBBBBbbBBb9cC5e90e3b3Af64bdAF62C37EEFFCb"
MAINNET_ADAPTIVE_CURVE_IRM = "0x870aC11D48B15DB9a138Cf899d20F13F79Ba00BC"

MARKET_KEYS = (
    "chainId",
    "baseToken",
    "quoteToken",
    "swapRouter",
    "routerHasDeadline",
    "pool",
    "poolFee",
    "priceFeed",
)


# ---------------------------------------------------------------------------------------------------------
# The upstream process
# ---------------------------------------------------------------------------------------------------------


@dataclass
class UpstreamNode:
    """An anvil process this test run started (and must stop)."""

    process: subprocess.Popen
    port: int

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM when the test process dies, even by SIGKILL (no orphaned anvil)."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_anvil(port: int | None = None, *, chain_id: int = CHAIN_ID, timeout: float = 20) -> UpstreamNode:
    """Start `anvil --chain-id 1` on `port` (a free one by default) with `MNEMONIC`'s first 21 accounts."""
    anvil = shutil.which("anvil")
    if anvil is None:
        raise RuntimeError("anvil not found on PATH (put node_modules/.bin on PATH, as the Makefile does)")
    port = port or free_port()
    if port_in_use(port):
        raise RuntimeError(f"port {port} is taken: stop what listens there or choose another upstream port")
    cmd = [
        anvil,
        "--port",
        str(port),
        "--chain-id",
        str(chain_id),
        "--mnemonic",
        MNEMONIC,
        "--accounts",
        str(WHALE_INDEX + 1),
        "--balance",
        "100000000",
        "--hardfork",
        "cancun",
        "--silent",
    ]
    process = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_die_with_parent
    )
    node = UpstreamNode(process, port)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"upstream anvil exited with {process.returncode}: {err}")
        try:
            if rpc(node.uri, "eth_chainId") == hex(chain_id):
                return node
        except OSError:
            time.sleep(0.1)
    node.stop()
    raise RuntimeError(f"upstream anvil did not answer on {node.uri} within {timeout} s")


def rpc(uri: str, method: str, params: list | None = None) -> Any:
    """One JSON-RPC request straight to a node (not through Ape, which talks to the fork)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    request = urllib.request.Request(uri, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        reply = json.loads(response.read())
    if "error" in reply:
        raise RuntimeError(f"{method}: {reply['error']}")
    return reply["result"]


def eth_call(uri: str, to: str, data: str, block: str = "latest") -> bytes:
    return bytes.fromhex(rpc(uri, "eth_call", [{"to": to, "data": data}, block])[2:])


# ---------------------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------------------


def whale_account() -> Any:
    """The upstream deployer/liquidity provider/whale as an Ape signer (account `WHALE_INDEX` of MNEMONIC)."""
    from ape import accounts
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    key = Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{WHALE_INDEX}")
    return accounts.init_test_account(WHALE_INDEX, key.address, key.key.hex())


def seed_upstream(deployer: Any, *, price: int = PRICE, fee: int = POOL_FEE) -> dict[str, Any]:
    """Deploy a mainnet-like market with `deployer` on the connected chain; return it in the market format.

    The market is the one `ape run deploy stack` deploys (`deltavault.local.stack.deploy_market`: WETH9, a 6-decimal
    USD token, Uniswap V3 with factory, SwapRouter, SwapRouter02 and position manager, a WETH/USDC pool at
    `price` holding a deep (+-10 %), a wider (0.5x..2x) and a full range, a Chainlink-compatible ETH / USD feed
    answering `price`, and a volatility feed), here in the 0.05 % fee tier with `POOL_VALUE` of liquidity:
    deep enough that a hedge trade after a 30 % crash stays within 1 % slippage. Mainnet-like on top: the
    original SwapRouter (with a deadline) is the market's router, and the deployer holds `WHALE_QUOTE` USDC.
    The short leg's lending market lives upstream too, as on mainnet: the real Morpho Blue (`deploy stack
    --short-leg`'s `deltavault.local.lending.deploy_lending_market`: LinearIrm, the ChainlinkMorphoOracle over the
    feed, LLTV 0.86) with `MORPHO_SUPPLY` WETH supplied by the whale; a vault on the fork only adds its venue.
    """
    from deltavault.local.lending import deploy_lending_market
    from deltavault.local.stack import deploy_market

    market = deploy_market(deployer, price=price, fee=fee, liquidity=POOL_VALUE)
    stack = market.local
    stack.quote.mint(deployer, WHALE_QUOTE * 10 ** stack.quote.decimals(), sender=deployer)
    lending = deploy_lending_market(
        deployer,
        base=stack.base,
        quote=stack.quote,
        price_feed=market.price_feed,
        price_max_age=3600,
        lltv=MORPHO_LLTV,
        lenders=[(deployer, MORPHO_SUPPLY * 10 ** stack.base.decimals())],
    )
    return {
        "chainId": CHAIN_ID,
        "baseToken": stack.base.address,
        "quoteToken": stack.quote.address,
        "swapRouter": stack.uni.router_v1.address,  # the original SwapRouter, as on mainnet
        "routerHasDeadline": True,
        "uniswapFactory": stack.uni.factory.address,
        "positionManager": stack.uni.position_manager.address,
        "pool": stack.pool.address,
        "poolFee": fee,
        "priceFeed": market.price_feed.address,
        "priceMaxAge": 3600,
        "sequencerFeed": None,
        "sequencerGracePeriod": 0,
        "feedOwner": deployer.address,
        "whales": [deployer.address],
        "liquidity": [
            {"lower": str(r.lower), "upper": str(r.upper), "quoteValue": str(r.quote_value)}
            for r in market.ranges
        ],
        **{k: v for k, v in lending.record().items() if k != "borrowVenue"},
    }


def seed_local_upstream(uri: str) -> dict[str, Any]:
    """Connect Ape to the upstream anvil at `uri` (as a local node: it mines on demand), seed it, disconnect.

    Returns the market with `upstreamState`: the block and the state the fork suite must leave untouched.
    """
    from ape import networks

    # Ape's local network signs for chain id 1337 unless the node provider is told otherwise.
    settings = {"uri": uri, "ethereum": {"local": {"uri": uri, "chain_id": CHAIN_ID}}}
    with networks.parse_network_choice("ethereum:local:node", provider_settings=settings):
        market = seed_upstream(whale_account())
    market["upstreamState"] = upstream_state(uri, market)
    return market


def _selector(signature: str) -> str:
    from eth_utils import keccak

    return "0x" + keccak(text=signature)[:4].hex()


def upstream_state(uri: str, market: dict[str, Any]) -> dict[str, Any]:
    """What the fork suite must never change upstream: block number, pool slot0, the whale's quote balance,
    the pool's token balances, the feed's latest round (read by raw JSON-RPC from the upstream node)."""
    whale = market["whales"][0]
    balance_of = _selector("balanceOf(address)")

    def balance(token: str, holder: str) -> int:
        return int.from_bytes(eth_call(uri, token, balance_of + holder[2:].lower().rjust(64, "0")), "big")

    slot0 = eth_call(uri, market["pool"], _selector("slot0()"))
    latest_round = eth_call(uri, market["priceFeed"], _selector("latestRoundData()"))
    lending = {}
    if market.get(
        "morpho"
    ):  # Morpho's market(id): supply assets/shares, borrow assets/shares, lastUpdate, fee
        words = eth_call(uri, market["morpho"], _selector("market(bytes32)") + market["morphoMarketId"][2:])
        lending = {"morphoMarket": [int.from_bytes(words[i : i + 32], "big") for i in range(0, 192, 32)]}
    return {
        "blockNumber": int(rpc(uri, "eth_blockNumber"), 16),
        "poolSqrtPriceX96": int.from_bytes(slot0[:32], "big"),
        "poolTick": int.from_bytes(slot0[32:64], "big", signed=True),
        "whaleQuote": balance(market["quoteToken"], whale),
        "poolQuote": balance(market["quoteToken"], market["pool"]),
        "poolBase": balance(market["baseToken"], market["pool"]),
        "feedRoundId": int.from_bytes(latest_round[:32], "big"),
        "feedAnswer": int.from_bytes(latest_round[32:64], "big", signed=True),
        **lending,
    }


# ---------------------------------------------------------------------------------------------------------
# Market files
# ---------------------------------------------------------------------------------------------------------


def write_market(path: Path, market: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(market, indent=2) + "\n")


def read_market(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def missing_fields(market: dict[str, Any]) -> list[str]:
    """Market keys a fork run needs that the file leaves null."""
    return [k for k in MARKET_KEYS if market.get(k) is None] + ([] if market.get("whales") else ["whales"])


def network_file(network: str) -> Path:
    return NETWORKS_DIR / f"{network}.json"


def env_upstream(ecosystem: str) -> str | None:
    """The real-chain RPC URL for `ecosystem` (`ETHEREUM_RPC_URL`, `ARBITRUM_RPC_URL`), if set."""
    return os.environ.get(f"{ecosystem.upper()}_RPC_URL") or None
