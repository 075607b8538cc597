"""Complete deployments recorded in the registry: a whole local market (`deploy_stack`) or a vault system on
an existing public network (`deploy_vault_on_network`). Used by `ape run deploy`, `make demo` and the tests.

`deploy_stack` is `deploy_market` (tokens, Uniswap V3 with a liquid pool, the price and volatility feeds) plus
the vault system, a VaultLens and the listed series; the fork suite seeds its upstream chain with `deploy_market`.

The stack prices options from an implied-volatility feed (a second TestAggregator answering 0.80 as 80000000 with
8 decimals), so a keeper or an operator updates volatility like the price; a vault deployed with `deploy vault`
on a network without a volatility feed (`volFeed: null`) uses the manager's manual volatility instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from deltavault.deploy import DEFAULT_VENUE, VaultSystem, deploy_vault_system
from deltavault.local import uniswap
from deltavault.policy import WAD, ZERO_ADDRESS, HedgePolicy, OracleConfig, VaultPolicy
from deltavault.registry import RegistryError

FEED_DECIMALS = 8
DAY = 86_400


@dataclass(frozen=True)
class SeriesSpec:
    """A series to list, relative to the spot price: strike = moneyness x spot (rounded to `tick`)."""

    moneyness: Decimal
    days: int
    is_call: bool


DEFAULT_SERIES: tuple[SeriesSpec, ...] = (
    SeriesSpec(Decimal("0.9"), 30, True),
    SeriesSpec(Decimal("1.0"), 30, True),
    SeriesSpec(Decimal("1.1"), 30, True),
    SeriesSpec(Decimal("0.9"), 30, False),
    SeriesSpec(Decimal("1.0"), 30, False),
    SeriesSpec(Decimal("1.0"), 7, True),
)


@dataclass
class Market:
    """What `deploy_market` deployed (Ape contract instances): the Uniswap market and the two feeds."""

    local: uniswap.LocalStack
    price_feed: Any
    vol_feed: Any
    ranges: list[uniswap.LiquidityRange]

    @property
    def quote(self) -> Any:
        return self.local.quote

    @property
    def base(self) -> Any:
        return self.local.base

    @property
    def pool(self) -> uniswap.Pool:
        return self.local.pool

    @property
    def uni(self) -> uniswap.UniswapV3:
        return self.local.uni


@dataclass
class Stack:
    """What `deploy_stack` deployed (Ape contract instances) and its registry record."""

    market: uniswap.LocalStack
    price_feed: Any
    vol_feed: Any
    system: VaultSystem
    lens: Any
    record: dict[str, Any]


def _block_now() -> tuple[int, int]:
    from ape import chain

    head = chain.blocks.head
    return head.number, head.timestamp


def list_series(
    vault: Any,
    manager: Any,
    spot: Decimal | int | float,
    specs=DEFAULT_SERIES,
    *,
    now: int | None = None,
    **tx,
) -> list[dict[str, Any]]:
    """List `specs` around `spot` (human price); calls are capped at one spot of payoff. Returns registry rows."""
    now = now if now is not None else _block_now()[1]
    spot = Decimal(str(spot))
    tick = Decimal(50) if spot >= 500 else Decimal("0.5")
    rows = []
    for spec in specs:
        strike = (spot * spec.moneyness / tick).to_integral_value() * tick
        cap = spot.to_integral_value() if spec.is_call else Decimal(0)
        expiry = (now + spec.days * DAY) // 3600 * 3600
        receipt = vault.listSeries(
            int(strike * WAD), int(cap * WAD), expiry, spec.is_call, sender=manager, **tx
        )
        event = next(iter(receipt.decode_logs(vault.SeriesListed)))
        rows.append(
            {
                "id": int(event.seriesId),
                "strike": str(strike),
                "cap": str(cap),
                "expiry": expiry,
                "isCall": spec.is_call,
            }
        )
    return rows


def deploy_market(
    deployer: Any,
    *,
    price: Decimal | int | float = 2000,
    vol: Decimal | float = 0.8,
    liquidity: int = 10_000_000,
    fee: int = 3000,
    ranges: list[uniswap.LiquidityRange] | None = None,
) -> Market:
    """WETH9, a 6-decimal USD token, Uniswap V3 (factory, SwapRouter, SwapRouter02, position manager) with a
    WETH/USD pool at `price` and fee tier `fee` holding `liquidity` quote units of liquidity over three ranges
    (`uniswap.default_ranges`; or `ranges`), a price feed ("ETH / USD", answering `price`) and a volatility
    feed (answering `vol`), both TestAggregators with 8 decimals that the deployer pushes."""
    from ape import project

    ranges = list(ranges) if ranges is not None else uniswap.default_ranges(price, liquidity)
    local = uniswap.deploy_local_stack(deployer, price=price, fee=fee, ranges=ranges)
    price_feed = deployer.deploy(project.TestAggregator, FEED_DECIMALS, "ETH / USD")
    price_feed.pushAnswer(int(Decimal(str(price)) * 10**FEED_DECIMALS), sender=deployer)
    vol_feed = deployer.deploy(project.TestAggregator, FEED_DECIMALS, "ETH 30-day implied volatility")
    vol_feed.pushAnswer(int(Decimal(str(vol)) * 10**FEED_DECIMALS), sender=deployer)
    return Market(local, price_feed, vol_feed, ranges)


def deploy_stack(
    deployer: Any,
    *,
    price: Decimal | int | float = 2000,
    vol: Decimal | float = 0.8,
    liquidity: int = 10_000_000,
    fee: int = 3000,
    series: tuple[SeriesSpec, ...] = DEFAULT_SERIES,
    vault_policy: VaultPolicy | None = None,
    hedge_policy: HedgePolicy | None = None,
    network: str | None = None,
    venue: str = DEFAULT_VENUE,
    short_leg: ShortLegSpec | None = None,
) -> Stack:
    """The market of `deploy_market`, the vault system with its policies (trading on the pool directly, or
    through SwapRouter02 with `venue="router"`), a VaultLens, and `series` listed. The deployer owns and
    manages it all. With `short_leg`, also the short leg's lending market (`deploy_short_leg`)."""
    from ape import chain, project

    first_block = chain.blocks.head.number + 1
    deployed = deploy_market(deployer, price=price, vol=vol, liquidity=liquidity, fee=fee)
    market, price_feed, vol_feed = deployed.local, deployed.price_feed, deployed.vol_feed
    oracle = OracleConfig(
        price_feed=price_feed.address, price_max_age=3600, vol_feed=vol_feed.address, vol_max_age=DAY
    )
    system = deploy_vault_system(
        deployer,
        quote=market.quote,
        base=market.base,
        price_feed=price_feed,
        pool=market.pool.contract,
        router=market.uni.router,
        venue=venue,
        oracle=oracle,
        vault_policy=vault_policy,
        hedge_policy=hedge_policy,
        initial_vol=int(Decimal(str(vol)) * WAD),
    )
    lens = deployer.deploy(project.VaultLens)
    lending_record = (
        deploy_short_leg(deployer, system, market.base, market.quote, price_feed, short_leg)
        if short_leg
        else {}
    )
    rows = list_series(system.vault, deployer, Decimal(str(price)), series) if series else []
    record = {
        **_system_record(network, deployer, first_block, system, lens),
        "quoteToken": market.quote.address,
        "baseToken": market.base.address,
        "swapRouter": market.uni.router.address,
        "routerHasDeadline": False,
        "pool": market.pool.address,
        "poolFee": fee,
        "uniswapFactory": market.uni.factory.address,
        "positionManager": market.uni.position_manager.address,
        "priceFeed": price_feed.address,
        "volFeed": vol_feed.address,
        "sequencerFeed": None,
        "series": rows,
        **lending_record,
    }
    return Stack(market, price_feed, vol_feed, system, lens, record)


@dataclass(frozen=True)
class ShortLegSpec:
    """The short leg of a local stack: a Morpho Blue market (loan base, collateral quote) seeded with `supply`
    whole base tokens by the deployer, and the hedger's short policy (loan-to-values as fractions, `max_owed`
    in whole base tokens)."""

    supply: int = 1_000
    lltv: Decimal = Decimal("0.86")
    target_ltv: Decimal = Decimal("0.5")
    max_ltv: Decimal = Decimal("0.6")
    max_owed: int = 500


def deploy_short_leg(
    deployer: Any, system: VaultSystem, base: Any, quote: Any, price_feed: Any, spec: ShortLegSpec
) -> dict[str, Any]:
    """Deploys Morpho Blue, a LinearIrm, the oracle over `price_feed` and the market, seeds it, deploys the
    vault's MorphoBlueVenue, sets it on the vault and the short policy on the hedger; returns the record keys."""
    from deltavault.local import lending

    vault = system.vault
    market = lending.deploy_lending_market(
        deployer, base=base, quote=quote, price_feed=price_feed, lltv=spec.lltv,
        lenders=[(deployer, spec.supply * 10 ** base.decimals())],
    )  # fmt: skip
    borrow_venue = lending.deploy_venue(deployer, market, vault)
    vault.setBorrowVenue(borrow_venue, sender=deployer)
    system.hedger.setShortPolicy(
        (int(spec.target_ltv * WAD), int(spec.max_ltv * WAD), spec.max_owed * WAD), sender=deployer
    )
    return market.record(borrow_venue)


def _system_record(network: str, deployer, first_block: int, system: VaultSystem, lens) -> dict[str, Any]:
    """The keys every deployment record starts with: where, by whom, from which block, and the system's contracts."""
    from ape import chain

    return {
        "chainId": chain.chain_id,
        "network": network,
        "deployer": deployer.address,
        "block": first_block,
        **system.addresses(),
        "swapVenue": system.venue,
        "lens": lens.address,
    }


def _require_code(name: str, address: str) -> str:
    from ape import chain

    if not address or address == ZERO_ADDRESS:
        raise RegistryError(f"{name}: no address")
    if not chain.provider.get_code(address):
        raise RegistryError(f"{name}: no contract at {address} on chain {chain.chain_id}")
    return address


def resolve_pool(net: dict[str, Any]) -> str:
    """The pool of the network file, or the factory's pool for (baseToken, quoteToken, poolFee)."""
    if net.get("pool"):
        return _require_code("pool", net["pool"])
    from deltavault.local.artifacts import load_container

    factory = load_container("UniswapV3Factory").at(_require_code("uniswapFactory", net["uniswapFactory"]))
    fee = int(net.get("poolFee") or 3000)
    pool = factory.getPool(net["baseToken"], net["quoteToken"], fee)
    if pool == ZERO_ADDRESS:
        raise RegistryError(
            f"no Uniswap V3 pool for baseToken/quoteToken at fee {fee}; set `pool` or `poolFee`"
        )
    return pool


def vault_plan(net: dict[str, Any], venue: str = DEFAULT_VENUE) -> list[str]:
    """Human-readable lines of what `deploy_vault_on_network` will send."""
    vol = "volFeed " + net["volFeed"] if net.get("volFeed") else "manual volatility (no volFeed)"
    adapter = "UniswapV3PoolAdapter" if venue == "pool" else "UniswapV3Adapter"
    pool = net.get("pool") or "from factory " + str(net.get("uniswapFactory"))
    route = f"pool {pool} (swaps on the pool directly)"
    if venue == "router":
        route = f"router {net['swapRouter']}  pool {pool}"
    return [
        f"deploy GreeksEngine, DeltaVault (+ its OptionToken), {adapter}, DeltaHedger, VaultLens",
        "call DeltaVault.setHedger(hedger)",
        f"quote {net['quoteToken']}  base {net['baseToken']}",
        route,
        f"priceFeed {net['priceFeed']} (max age {net.get('priceMaxAge', 3600)} s), {vol}",
    ]


def deploy_vault_on_network(
    deployer: Any,
    net: dict[str, Any],
    *,
    vol: Decimal | float = 0.8,
    vault_policy: VaultPolicy | None = None,
    hedge_policy: HedgePolicy | None = None,
    network: str | None = None,
    list_default_series: bool = False,
    venue: str = DEFAULT_VENUE,
) -> tuple[VaultSystem, Any, dict[str, Any]]:
    """Deploy the vault system against the existing tokens, pool, feeds (and router, for `venue="router"`) of
    `net` (a network file)."""
    from ape import chain, project

    keys = ("baseToken", "quoteToken", "priceFeed") + (("swapRouter",) if venue == "router" else ())
    for key in keys:
        _require_code(key, net.get(key))
    for key in ("volFeed", "sequencerFeed"):
        if net.get(key):
            _require_code(key, net[key])
    pool_address = resolve_pool(net)
    pool = uniswap._pool_container().at(pool_address)
    quote = project.TestERC20.at(net["quoteToken"])  # only the ERC-20 metadata functions are used
    base = project.TestERC20.at(net["baseToken"])
    uniswap.Pool.from_contract(pool, base, quote)  # checks the pool holds exactly these two tokens
    price_feed = project.TestAggregator.at(net["priceFeed"])
    oracle = OracleConfig(
        price_feed=net["priceFeed"],
        price_max_age=int(net.get("priceMaxAge") or 3600),
        vol_feed=net.get("volFeed") or ZERO_ADDRESS,
        vol_max_age=int(net.get("volMaxAge") or 0),
        sequencer_feed=net.get("sequencerFeed") or ZERO_ADDRESS,
        sequencer_grace_period=int(net.get("sequencerGracePeriod") or 0),
    )
    first_block = chain.blocks.head.number + 1
    system = deploy_vault_system(
        deployer,
        quote=quote,
        base=base,
        price_feed=price_feed,
        pool=pool,
        router=net.get("swapRouter"),
        router_has_deadline=bool(net.get("routerHasDeadline")),
        venue=venue,
        oracle=oracle,
        vault_policy=vault_policy,
        hedge_policy=hedge_policy,
        initial_vol=int(Decimal(str(vol)) * WAD),
    )
    lens = deployer.deploy(project.VaultLens)
    rows = []
    if list_default_series:
        spot = Decimal(system.vault.spotPrice()) / WAD
        rows = list_series(system.vault, deployer, spot)
    record = {
        **_system_record(network, deployer, first_block, system, lens),
        "quoteToken": quote.address,
        "baseToken": base.address,
        "swapRouter": net.get("swapRouter"),
        "routerHasDeadline": bool(net.get("routerHasDeadline")),
        "pool": pool_address,
        "poolFee": int(pool.fee()),
        "uniswapFactory": net.get("uniswapFactory"),
        "positionManager": net.get("positionManager"),
        "priceFeed": net["priceFeed"],
        "volFeed": net.get("volFeed"),
        "sequencerFeed": net.get("sequencerFeed"),
        "series": rows,
    }
    return system, lens, record
