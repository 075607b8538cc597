"""The deployment registry: `deployments/<chain id>.json`, one file per chain, written by `ape run deploy`.

Every key is stable; scripts, the keeper, the bot and wallets read these files instead of pasted addresses.
Addresses are checksummed strings; `null` means "not deployed / not used" (e.g. `volFeed` when the vault prices
at a manually set volatility).

Per-network inputs for `ape run deploy vault` (existing tokens, router, pool, feeds of a public network) live in
`deployments/networks/<network>.json` and use the same key names (see `NETWORK_KEYS`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENTS_DIR = ROOT / "deployments"
NETWORKS_DIR = DEPLOYMENTS_DIR / "networks"

# Chain ids of local development chains (anvil, hardhat, ganache): nothing there needs a confirmation.
DEV_CHAIN_IDS = frozenset({31337, 1337})

# key -> meaning. The README's "Deployment files" section documents the same keys.
DEPLOYMENT_KEYS: dict[str, str] = {
    "chainId": "chain id the contracts live on (int)",
    "network": "Ape network choice used for the deployment, e.g. ethereum:sepolia:node",
    "deployer": "account that deployed and owns the vault (OWNER, and MANAGER/GUARDIAN unless set)",
    "block": "block number of the first deployment transaction (int), where indexers start",
    "vault": "DeltaVault (ERC-4626 shares, option trading, settlement)",
    "hedger": "DeltaHedger of the vault (rebalance, rebalanceStatus, checkUpkeep/performUpkeep)",
    "requestQueue": "RequestQueue of the vault (deposit and redeem requests, fulfilled at verified oracle rounds)",
    "optionToken": "OptionToken (ERC-1155, one id per series)",
    "greeksEngine": "GreeksEngine used by the vault",
    "swapAdapter": "swap adapter the hedger trades through (UniswapV3PoolAdapter or UniswapV3Adapter, see swapVenue)",
    "swapVenue": "pool: UniswapV3PoolAdapter swaps on the pool directly; router: UniswapV3Adapter through swapRouter",
    "lens": "VaultLens: batched keeper reads (status of many hedgers in one call)",
    "quoteToken": "quote asset (USDC-like) the vault holds and options pay in",
    "baseToken": "base asset (WETH-like) the vault hedges with",
    "swapRouter": "Uniswap SwapRouter02 (or the original SwapRouter when routerHasDeadline); null when none",
    "routerHasDeadline": "true when swapRouter is the original SwapRouter (exactInputSingle with deadline)",
    "pool": "Uniswap V3 base/quote pool the hedge trades on",
    "poolFee": "fee tier of the pool, hundredths of a bip (3000 = 0.3 %)",
    "uniswapFactory": "Uniswap V3 factory (null when unknown)",
    "positionManager": "Uniswap V3 NonfungiblePositionManager (null when unknown)",
    "priceFeed": "Chainlink-compatible base/quote price feed (AggregatorV3)",
    "volFeed": "implied-volatility feed, or null when the vault uses the manager's manual volatility",
    "sequencerFeed": "L2 sequencer-uptime feed, or null on L1",
    "series": "option series listed at deployment: [{id, strike, cap, expiry, isCall}]",
    "morpho": "Morpho Blue singleton of the short leg's lending market (absent without a short leg)",
    "morphoIrm": "interest-rate model of the lending market (LinearIrm on local stacks)",
    "morphoOracle": "ChainlinkMorphoOracle of the lending market (over priceFeed)",
    "morphoMarketId": "Morpho market id (bytes32 hex) of loan token baseToken and collateral token quoteToken",
    "morphoLltv": "liquidation LTV of the lending market (WAD, int)",
    "borrowVenue": "MorphoBlueVenue the vault borrows its short hedge from (vault.borrowVenue())",
    "timelock": "PolicyTimelock holding the vault's owner role (`ape run governance install`), when installed",
}
REQUIRED_DEPLOYMENT_KEYS: tuple[str, ...] = (
    "chainId",
    "deployer",
    "block",
    "vault",
    "hedger",
    "optionToken",
    "greeksEngine",
    "swapAdapter",
    "quoteToken",
    "baseToken",
    "swapRouter",
    "pool",
    "priceFeed",
    "volFeed",
)

# Keys of deployments/networks/<network>.json (inputs of `deploy vault`).
NETWORK_KEYS: dict[str, str] = {
    "chainId": "the network's chain id; the deploy command refuses another chain",
    "baseToken": "base asset (e.g. WETH9)",
    "quoteToken": "quote asset (e.g. USDC)",
    "swapRouter": "Uniswap SwapRouter02, needed only by the router venue (`deploy vault --venue router`)",
    "routerHasDeadline": "true for the original SwapRouter",
    "uniswapFactory": "Uniswap V3 factory, used to find the pool when `pool` is null",
    "pool": "the base/quote pool, or null to look it up on the factory with `poolFee`",
    "poolFee": "fee tier of the pool",
    "priceFeed": "Chainlink base/quote price feed",
    "priceMaxAge": "largest accepted age of a price answer, seconds (heartbeat plus a margin)",
    "volFeed": "implied-volatility feed, or null for the manual volatility",
    "volMaxAge": "largest accepted age of a volatility answer, seconds",
    "sequencerFeed": "L2 sequencer-uptime feed, or null on L1",
    "sequencerGracePeriod": "seconds after the sequencer comes back during which prices are refused",
    "morpho": "Morpho Blue singleton, for `deploy vault --short-leg` (null where Morpho is not deployed)",
    "morphoIrm": "interest-rate model of the short leg's market (AdaptiveCurveIrm), enabled on `morpho`",
    "morphoOracleFactory": "MorphoChainlinkOracleV2Factory of the network (recorded; the vault uses its own oracle)",
}
REQUIRED_NETWORK_KEYS: tuple[str, ...] = ("chainId", "baseToken", "quoteToken", "priceFeed")


class RegistryError(Exception):
    """A deployment or network file is missing, malformed, or lacks a needed address."""


def deployment_path(chain_id: int, directory: Path | str = DEPLOYMENTS_DIR) -> Path:
    return Path(directory) / f"{int(chain_id)}.json"


def write_deployment(data: dict[str, Any], directory: Path | str = DEPLOYMENTS_DIR) -> Path:
    """Validate and write `data` to `<directory>/<chainId>.json` (keys sorted, stable); returns the path."""
    return write_deployment_file(data, deployment_path(data["chainId"], directory))


def write_deployment_file(data: dict[str, Any], path: Path | str) -> Path:
    """Validate and write `data` to the file `path` (keys sorted, stable); returns the path."""
    missing = [key for key in REQUIRED_DEPLOYMENT_KEYS if key not in data]
    if missing:
        raise RegistryError(f"deployment lacks keys: {', '.join(missing)}")
    unknown = sorted(set(data) - set(DEPLOYMENT_KEYS))
    if unknown:
        raise RegistryError(
            f"unknown deployment keys (document them in DEPLOYMENT_KEYS): {', '.join(unknown)}"
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return path


def read_deployment(source: Path | str | int | None = None, *, chain_id: int | None = None) -> dict[str, Any]:
    """Read a deployment: from a file path, or from `deployments/<chain id>.json` for an int / `chain_id`.

    With `chain_id` given as well, a file recorded for another chain is refused.
    """
    if source is None:
        if chain_id is None:
            raise RegistryError("give a deployment file or a chain id")
        source = chain_id
    path = deployment_path(source) if isinstance(source, int) else Path(source)
    if not path.is_file():
        raise RegistryError(f"no deployment file {path} (deploy with `ape run deploy stack|vault` first)")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise RegistryError(f"{path} is not valid JSON: {err}") from None
    missing = [key for key in REQUIRED_DEPLOYMENT_KEYS if key not in data]
    if missing:
        raise RegistryError(f"{path} lacks keys: {', '.join(missing)}")
    if chain_id is not None and int(data["chainId"]) != int(chain_id):
        raise RegistryError(f"{path} is for chain {data['chainId']}, but the connected chain is {chain_id}")
    return data


def network_file_name(ecosystem: str, network: str) -> str:
    """`sepolia` for ethereum:sepolia, `arbitrum-sepolia` for arbitrum:sepolia (forks map to their parent)."""
    network = network.removesuffix("-fork")
    return network if ecosystem == "ethereum" else f"{ecosystem}-{network}"


def find_network_file(
    *, ecosystem: str, network: str, chain_id: int, directory: Path | str = NETWORKS_DIR
) -> Path:
    """The per-network input file: by name (`network_file_name`), else the one whose chainId matches."""
    directory = Path(directory)
    by_name = directory / f"{network_file_name(ecosystem, network)}.json"
    if by_name.is_file():
        return by_name
    for path in sorted(directory.glob("*.json")):
        try:
            if int(json.loads(path.read_text()).get("chainId", -1)) == int(chain_id):
                return path
        except (json.JSONDecodeError, ValueError, TypeError):
            continue
    raise RegistryError(
        f"no network file for {ecosystem}:{network} (chain {chain_id}) in {directory}; "
        f"write {by_name.name} with the keys {', '.join(REQUIRED_NETWORK_KEYS)} or pass --config FILE"
    )


def read_network_config(
    path: Path | str, *, chain_id: int | None = None, venue: str = "pool"
) -> dict[str, Any]:
    """Read a per-network input file and check that the addresses `venue` needs are there (null = unknown)."""
    path = Path(path)
    if not path.is_file():
        raise RegistryError(f"network file {path} not found")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise RegistryError(f"{path} is not valid JSON: {err}") from None
    missing = [key for key in REQUIRED_NETWORK_KEYS if data.get(key) in (None, "")]
    if data.get("pool") in (None, "") and data.get("uniswapFactory") in (None, ""):
        missing.append("pool (or uniswapFactory + poolFee to look it up)")
    if venue == "router" and data.get("swapRouter") in (None, ""):
        missing.append("swapRouter (the router venue trades through it)")
    if int(data.get("sequencerGracePeriod") or 0) > 0 and data.get("sequencerFeed") in (None, ""):
        missing.append("sequencerFeed (an L2 needs its sequencer-uptime feed)")
    if missing:
        raise RegistryError(
            f"{path.name}: the address of {', '.join(missing)} is unknown (null); "
            "fill it in from the protocol's official deployment list before deploying"
        )
    if chain_id is not None and int(data["chainId"]) != int(chain_id):
        raise RegistryError(
            f"{path.name} is for chain {data['chainId']}, but the connected chain is {chain_id}"
        )
    return data


def is_dev_chain(chain_id: int) -> bool:
    """True for local development chains, where scripts broadcast without asking."""
    return int(chain_id) in DEV_CHAIN_IDS
