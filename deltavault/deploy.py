"""Deployment of a DeltaVault system (vault, option token, greeks engine, swap adapter, rebalancing engine), and
of its short leg on a live network's Morpho Blue (`check_short_leg`, then `deploy_short_leg_on_network`)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from deltavault.policy import WAD, HedgePolicy, OracleConfig, VaultPolicy

# Where the hedge trades: "pool" (UniswapV3PoolAdapter, directly on the pool; the default, fewer hops and no
# router needed) or "router" (UniswapV3Adapter, through SwapRouter02 or the original SwapRouter).
VENUES: tuple[str, ...] = ("pool", "router")
DEFAULT_VENUE = "pool"


@dataclass
class VaultSystem:
    vault: Any
    option_token: Any
    engine: Any
    adapter: Any
    hedger: Any
    venue: str = DEFAULT_VENUE

    def addresses(self) -> dict[str, str]:
        return {
            "vault": self.vault.address,
            "requestQueue": self.vault.requestQueue(),
            "optionToken": self.option_token.address,
            "greeksEngine": self.engine.address,
            "swapAdapter": self.adapter.address,
            "hedger": self.hedger.address,
        }


def deploy_vault_system(
    deployer: Any,
    *,
    quote: Any,
    base: Any,
    price_feed: Any,
    pool: Any,
    router: Any = None,
    router_has_deadline: bool = False,
    venue: str = DEFAULT_VENUE,
    vault_policy: VaultPolicy | None = None,
    hedge_policy: HedgePolicy | None = None,
    oracle: OracleConfig | None = None,
    initial_vol: int = 8 * 10**17,
    manager: Any = None,
    guardian: Any = None,
    engine: Any = None,
    name: str = "DeltaVault",
    symbol: str = "dv",
    **tx_kwargs: Any,
) -> VaultSystem:
    """Deploys (or reuses `engine`) and wires a complete vault system; the deployer becomes the owner.

    `pool` is the Uniswap V3 pool of (base, quote). With `venue="pool"` (the default) the hedge swaps on it
    directly; with `venue="router"` it goes through `router`, the router deployed on the chain (SwapRouter02
    unless `router_has_deadline`, for the original SwapRouter).
    """
    from ape import project

    if venue not in VENUES:
        raise ValueError(f"venue must be one of {', '.join(VENUES)}, not {venue!r}")
    if venue == "router" and not router:
        raise ValueError("venue 'router' needs the router's address")
    engine = engine or deployer.deploy(project.GreeksEngine, **tx_kwargs)
    oracle = oracle or OracleConfig(price_feed=price_feed.address)
    extension = deployer.deploy(project.DeltaVaultExtension, quote, base, engine, **tx_kwargs)
    vault = deployer.deploy(
        project.DeltaVault,
        quote,
        base,
        extension,
        name,
        symbol,
        oracle.as_tuple(),
        (vault_policy or VaultPolicy()).as_tuple(),
        initial_vol,
        deployer,
        manager or deployer,
        guardian or deployer,
        **tx_kwargs,
    )
    adapter = deploy_adapter(
        deployer,
        venue=venue,
        pool=pool,
        base=base,
        router=router,
        router_has_deadline=router_has_deadline,
        **tx_kwargs,
    )
    policy = hedge_policy or HedgePolicy.for_quote_decimals(quote.decimals())
    hedger = deployer.deploy(project.DeltaHedger, vault, adapter, policy.as_tuple(), **tx_kwargs)
    vault.setHedger(hedger, sender=deployer, **tx_kwargs)
    option_token = project.OptionToken.at(vault.optionToken())
    return VaultSystem(
        vault=vault, option_token=option_token, engine=engine, adapter=adapter, hedger=hedger, venue=venue
    )


def deploy_adapter(
    deployer: Any,
    *,
    venue: str,
    pool: Any,
    base: Any,
    router: Any = None,
    router_has_deadline: bool = False,
    **tx_kwargs: Any,
) -> Any:
    """The swap adapter of `venue` on `pool`: UniswapV3PoolAdapter ("pool") or UniswapV3Adapter ("router")."""
    from ape import project

    if venue == "pool":
        return deployer.deploy(project.UniswapV3PoolAdapter, pool, base, **tx_kwargs)
    if venue == "router":
        return deployer.deploy(project.UniswapV3Adapter, pool, router, router_has_deadline, base, **tx_kwargs)
    raise ValueError(f"venue must be one of {', '.join(VENUES)}, not {venue!r}")


# ---------------------------------------------------------------------------------------------------------
# The short leg on a live network: the network file's Morpho Blue and IRM (AdaptiveCurveIrm on mainnet and
# Arbitrum), a market lending the base against the quote priced by the vault's ChainlinkMorphoOracle, the vault's
# MorphoBlueVenue on it, and the hedger's short policy. Nothing is enabled on Morpho (only its owner can): the IRM
# and the LLTV must already be.
# ---------------------------------------------------------------------------------------------------------


class ShortLegError(Exception):
    """The short leg cannot be deployed on this network as asked (one-line message naming the problem)."""


@dataclass(frozen=True)
class ShortLegConfig:
    """The market's liquidation loan-to-value and the hedger's short policy (fractions; `max_owed` in whole base
    tokens). `oracle`: an existing ChainlinkMorphoOracle over the network's price feed to reuse (with it, an
    existing market of the same parameters is reused too); None deploys a new one."""

    lltv: Decimal = Decimal("0.86")
    target_ltv: Decimal = Decimal("0.5")
    max_ltv: Decimal = Decimal("0.6")
    max_owed: Decimal = Decimal(500)
    oracle: str | None = None

    def __post_init__(self) -> None:
        if not 0 < self.target_ltv <= self.max_ltv < self.lltv < 1:
            raise ShortLegError(
                f"loan-to-values must satisfy 0 < target ({self.target_ltv}) <= max ({self.max_ltv}) "
                f"< lltv ({self.lltv}) < 1"
            )
        if self.max_owed <= 0:
            raise ShortLegError(f"max owed must be a positive number of base tokens, got {self.max_owed}")

    @property
    def lltv_wad(self) -> int:
        return int(self.lltv * WAD)

    def policy(self) -> tuple[int, int, int]:
        """`IDeltaHedger.ShortPolicy`: (targetLtv, maxLtv, maxBaseOwed), WAD."""
        return (int(self.target_ltv * WAD), int(self.max_ltv * WAD), int(self.max_owed * WAD))


def _code(address: str) -> bytes:
    from ape import chain

    return bytes(chain.provider.get_code(address) or b"")


def check_short_leg(
    net: dict[str, Any], config: ShortLegConfig, *, name: str = "network file"
) -> tuple[Any, str]:
    """Read-only checks before anything is sent: the network file names a Morpho Blue (`morpho`) and an IRM
    (`morphoIrm`) with code on the connected chain, Morpho has enabled that IRM and `config.lltv`, and a reused
    oracle is a ChainlinkMorphoOracle over the network's price feed. Returns (Morpho contract, IRM address)."""
    from ape import chain
    from eth_utils import is_address, to_checksum_address

    from deltavault.local.lending import morpho_container

    found = {}
    for key, what in (("morpho", "Morpho Blue"), ("morphoIrm", "Morpho interest-rate model")):
        address = net.get(key)
        if not address:
            raise ShortLegError(f"{name}: no {what} address (`{key}` is null) for chain {chain.chain_id}")
        if not is_address(address):
            raise ShortLegError(f"{name}: `{key}` is not an address: {address!r}")
        address = to_checksum_address(address)
        if not _code(address):
            raise ShortLegError(f"{name}: no contract at {key} {address} on chain {chain.chain_id}")
        found[key] = address
    morpho = morpho_container().at(found["morpho"], fetch_from_explorer=False)
    irm = found["morphoIrm"]
    try:
        irm_enabled = morpho.isIrmEnabled(irm)
        lltv_enabled = morpho.isLltvEnabled(config.lltv_wad)
    except Exception:  # noqa: BLE001 (any failure of these two views means it is not Morpho Blue)
        raise ShortLegError(f"{name}: the contract at morpho {found['morpho']} is not Morpho Blue") from None
    if not irm_enabled:
        raise ShortLegError(f"Morpho {morpho.address} has not enabled the IRM {irm} (only its owner can)")
    if not lltv_enabled:
        raise ShortLegError(
            f"Morpho {morpho.address} has not enabled the LLTV {config.lltv} (only its owner can; "
            "choose an enabled one with --lltv, e.g. 0.86)"
        )
    if config.oracle:
        _check_oracle(config.oracle, net)
    return morpho, irm


def _check_oracle(address: str, net: dict[str, Any]) -> None:
    from ape import project
    from eth_utils import is_address

    if not is_address(address):
        raise ShortLegError(f"--morpho-oracle is not an address: {address!r}")
    if not _code(address):
        raise ShortLegError(f"no contract at the Morpho oracle {address} to reuse")
    try:
        feed = project.ChainlinkMorphoOracle.at(address, fetch_from_explorer=False).feed()
    except Exception:  # noqa: BLE001
        raise ShortLegError(f"{address} is not a ChainlinkMorphoOracle (it has no feed())") from None
    if feed.lower() != str(net["priceFeed"]).lower():
        raise ShortLegError(
            f"the oracle {address} reads the feed {feed}, not the network's {net['priceFeed']}"
        )


def short_leg_plan(net: dict[str, Any], config: ShortLegConfig) -> list[str]:
    """Human-readable lines of what `deploy_short_leg_on_network` will send."""
    oracle = (
        f"reuse ChainlinkMorphoOracle {config.oracle}" if config.oracle else "deploy ChainlinkMorphoOracle"
    )
    return [
        f"{oracle} over {net['priceFeed']}; on Morpho {net.get('morpho')} with IRM {net.get('morphoIrm')},",
        f"  create (or reuse) the market lending baseToken against quoteToken at LLTV {config.lltv}",
        "deploy MorphoBlueVenue; call DeltaVault.setBorrowVenue(venue) and DeltaHedger.setShortPolicy("
        f"target LTV {config.target_ltv}, max LTV {config.max_ltv}, max owed {config.max_owed} base)",
    ]


def deploy_short_leg_on_network(
    deployer: Any,
    system: VaultSystem,
    net: dict[str, Any],
    config: ShortLegConfig,
    *,
    morpho: Any,
    irm: str,
) -> dict[str, Any]:
    """The short leg of `system` on `net`'s Morpho (checked by `check_short_leg`): the oracle (deployed unless
    reused), the market created unless it exists, the venue, `setBorrowVenue` and `setShortPolicy`. Returns the
    deployment-record keys (`deltavault.local.lending.DEPLOYMENT_KEYS`)."""
    from ape import project

    from deltavault.local import lending

    base, quote = net["baseToken"], net["quoteToken"]
    if config.oracle:
        oracle = project.ChainlinkMorphoOracle.at(config.oracle, fetch_from_explorer=False)
    else:
        oracle = lending.deploy_oracle(
            deployer,
            net["priceFeed"],
            base,
            quote,
            max_age=int(net.get("priceMaxAge") or 3600),
            sequencer_feed=net.get("sequencerFeed"),
            sequencer_grace_period=int(net.get("sequencerGracePeriod") or 0),
        )
    params = lending.create_market(
        deployer, morpho, base=base, quote=quote, oracle=oracle, irm=irm, lltv=config.lltv
    )
    market = lending.LendingMarket(morpho=morpho, irm=irm, oracle=oracle, params=params)
    venue = lending.deploy_venue(deployer, market, system.vault)
    system.vault.setBorrowVenue(venue, sender=deployer)
    system.hedger.setShortPolicy(config.policy(), sender=deployer)
    return market.record(venue)


__all__ = [
    "DEFAULT_VENUE",
    "VENUES",
    "WAD",
    "ShortLegConfig",
    "ShortLegError",
    "VaultSystem",
    "check_short_leg",
    "deploy_adapter",
    "deploy_short_leg_on_network",
    "deploy_vault_system",
    "short_leg_plan",
]
