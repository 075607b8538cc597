"""Deployment of a DeltaVault system (vault, option token, greeks engine, swap adapter, rebalancing engine)."""

from dataclasses import dataclass
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
    vault = deployer.deploy(
        project.DeltaVault,
        quote,
        base,
        engine,
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


__all__ = ["DEFAULT_VENUE", "VENUES", "WAD", "VaultSystem", "deploy_adapter", "deploy_vault_system"]
