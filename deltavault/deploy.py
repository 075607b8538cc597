"""Deployment of a DeltaVault system (vault, option token, greeks engine, swap adapter, rebalancing engine)."""

from dataclasses import dataclass
from typing import Any

from deltavault.policy import WAD, HedgePolicy, OracleConfig, VaultPolicy


@dataclass
class VaultSystem:
    vault: Any
    option_token: Any
    engine: Any
    adapter: Any
    hedger: Any

    def addresses(self) -> dict[str, str]:
        return {
            "vault": self.vault.address,
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
    router: Any,
    router_has_deadline: bool = False,
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

    `pool` and `router` are the Uniswap V3 pool of (base, quote) and the router deployed on the chain
    (SwapRouter02 unless `router_has_deadline`, for the original SwapRouter).
    """
    from ape import project

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
    adapter = deployer.deploy(project.UniswapV3Adapter, pool, router, router_has_deadline, base, **tx_kwargs)
    policy = hedge_policy or HedgePolicy.for_quote_decimals(quote.decimals())
    hedger = deployer.deploy(project.DeltaHedger, vault, adapter, policy.as_tuple(), **tx_kwargs)
    vault.setHedger(hedger, sender=deployer, **tx_kwargs)
    option_token = project.OptionToken.at(vault.optionToken())
    return VaultSystem(vault=vault, option_token=option_token, engine=engine, adapter=adapter, hedger=hedger)


__all__ = ["WAD", "VaultSystem", "deploy_vault_system"]
