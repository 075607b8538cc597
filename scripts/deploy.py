"""Deploy DeltaVault and record it in deployments/<chain id>.json.

    ape run deploy stack --network ethereum:local:foundry --account TEST::0
    ape run deploy vault --network ethereum:sepolia:node --account deployer [--config deployments/networks/x.json]

`stack` deploys a complete market on whatever network is connected (tokens, Uniswap V3 with liquidity, feeds,
vault system, series); `vault` deploys only the vault system against the existing addresses of a public network
(`deployments/networks/<network>.json`). On a live network both print the plan and ask first (`--yes` skips).
`--venue pool` (the default) hedges directly on the Uniswap V3 pool; `--venue router` through the network's
SwapRouter02 or original SwapRouter (`swapRouter`, `routerHasDeadline`). `--short-leg` adds the short leg: on a
local stack a Morpho Blue of its own; with `vault`, the network file's Morpho Blue and IRM (`morpho`, `morphoIrm`).
"""

from decimal import Decimal

import click
from ape.cli import account_option, network_option

from deltavault.cli import Command, DecimalRange, confirm_broadcast, unlock, yes_option
from deltavault.deploy import DEFAULT_VENUE, VENUES, ShortLegConfig, ShortLegError
from deltavault.policy import HedgePolicy
from deltavault.registry import (
    DEPLOYMENTS_DIR,
    NETWORKS_DIR,
    RegistryError,
    find_network_file,
    read_network_config,
    write_deployment,
)


def _out_option():
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False),
        default=str(DEPLOYMENTS_DIR),
        show_default=True,
        help="directory of the deployment file",
    )


# DeltaVault.MIN_VOL / MAX_VOL: the vault refuses to price outside these (every read would revert).
VOL = DecimalRange(Decimal("0.05"), Decimal(5))
PRICE = DecimalRange(Decimal(0), Decimal(10**12), min_open=True)
LTV = DecimalRange(Decimal(0), Decimal(1), min_open=True)
OWED = DecimalRange(Decimal(0), Decimal(10**12), min_open=True)


def _venue_option():
    return click.option(
        "--venue",
        type=click.Choice(VENUES),
        default=DEFAULT_VENUE,
        show_default=True,
        help="where the hedge swaps: directly on the Uniswap V3 pool, or through the router",
    )


@click.group(short_help="Deploy DeltaVault (stack or vault) and record the addresses")
def cli():
    """Deploy a whole local market (`stack`) or the vault system on an existing network (`vault`), and write
    the addresses to deployments/<chain id>.json.

    \b
    Example:
      ape run deploy stack --network ethereum:local:node --account TEST::0
      ape run deploy vault --network ethereum:sepolia:node --account deployer
    """


@cli.command(cls=Command, short_help="Deploy a whole market: tokens, Uniswap, feeds, vault")
@network_option()
@account_option()
@click.option("--price", type=PRICE, default=Decimal(2000), show_default=True, help="initial ETH price, USD")
@click.option("--vol", type=VOL, default=Decimal("0.8"), show_default=True,
              help="implied volatility, 0.05-5 (0.8 or 80% = 80 %)")  # fmt: skip
@click.option("--liquidity", type=click.IntRange(min=1), default=10_000_000, show_default=True,
              help="pool liquidity, USD value")  # fmt: skip
@click.option("--fee", type=click.Choice(["500", "3000", "10000"]), default="3000", show_default=True)
@click.option("--no-series", is_flag=True, help="do not list the default series")
@click.option("--short-leg", is_flag=True,
              help="also deploy Morpho Blue, its IRM, oracle and market (1,000 WETH supplied) and set the venue")  # fmt: skip
@_venue_option()
@_out_option()
@yes_option()
def stack(network, account, price, vol, liquidity, fee, no_series, short_leg, venue, out_dir, yes):
    """WETH9, USDC-like token, Uniswap V3 from npm artifacts with a liquid pool, price and volatility feeds
    (TestAggregator), the vault system with the default policies, a VaultLens, and six listed series.

    \b
    Example:
      ape run deploy stack --network ethereum:local:node --account TEST::0
      ape run deploy stack --network ethereum:local:node --account TEST::0 --price 2500 --vol 60%
    """
    from ape import chain

    from deltavault.local.stack import DEFAULT_SERIES, ShortLegSpec, deploy_stack

    plan = [
        "deploy WETH9, TestERC20 USDC (6 decimals), UniswapV3Factory, NonfungiblePositionManager, SwapRouter02,",
        f"  SwapRouter, QuoterV2; create the WETH/USDC {int(fee) / 10_000:.2f} % pool at {price}",
        f"  and mint ~{liquidity:,} USD of liquidity over three ranges (wraps ETH for the WETH side)",
        f"deploy the ETH/USD and volatility feeds (TestAggregator) answering {price} and {vol}",
        f"deploy GreeksEngine, DeltaVault, {_ADAPTERS[venue]}, DeltaHedger, VaultLens; set the hedger",
        "list no series" if no_series else f"list {len(DEFAULT_SERIES)} series",
    ]
    if short_leg:
        plan.append("deploy Morpho Blue, LinearIrm, ChainlinkMorphoOracle, the WETH/USDC market (LLTV 0.86),")
        plan.append("  supply 1,000 WETH; deploy MorphoBlueVenue, set it on the vault and the short policy")
    confirm_broadcast(chain.chain_id, plan, yes=yes, sender=account.address)
    unlock(account)
    result = deploy_stack(
        account,
        price=price,
        vol=vol,
        liquidity=liquidity,
        fee=int(fee),
        series=() if no_series else DEFAULT_SERIES,
        hedge_policy=HedgePolicy.for_quote_decimals(6),
        network=network.choice,
        venue=venue,
        short_leg=ShortLegSpec() if short_leg else None,
    )
    path = write_deployment(result.record, out_dir)
    _report(result.record, path)


@cli.command(cls=Command, short_help="Deploy the vault system on an existing network")
@network_option()
@account_option()
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help=f"network file (default: {NETWORKS_DIR.name}/<network>.json under deployments/)",
)
@click.option("--vol", type=VOL, default=Decimal("0.8"), show_default=True,
              help="initial manual volatility, 0.05-5")  # fmt: skip
@click.option("--list-series", is_flag=True, help="also list the default series around the oracle price")
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), default=None,
              help="rebalancing policy JSON (ape run lab tune; default: the package's default policy)")  # fmt: skip
@click.option("--short-leg", is_flag=True,
              help="also the short leg on the network file's Morpho Blue (morpho, morphoIrm): market, venue, policy")  # fmt: skip
@click.option("--lltv", type=LTV, default=Decimal("0.86"), show_default=True,
              help="liquidation LTV of the market (one Morpho has enabled)")  # fmt: skip
@click.option("--target-ltv", type=LTV, default=Decimal("0.5"), show_default=True,
              help="loan-to-value the hedger posts collateral for")  # fmt: skip
@click.option("--max-ltv", type=LTV, default=Decimal("0.6"), show_default=True,
              help="loan-to-value above which the health rule acts")  # fmt: skip
@click.option("--max-owed", type=OWED, default=Decimal(500), show_default=True,
              help="most base the short may owe, whole tokens")  # fmt: skip
@click.option("--morpho-oracle", default=None, metavar="ADDRESS",
              help="reuse this ChainlinkMorphoOracle (and its market) instead of deploying one")  # fmt: skip
@_venue_option()
@_out_option()
@yes_option()
def vault(network, account, config_file, vol, list_series, policy_file, short_leg, lltv, target_ltv, max_ltv,
          max_owed, morpho_oracle, venue, out_dir, yes):  # fmt: skip
    """Deploy GreeksEngine, DeltaVault, the swap adapter of `--venue` (UniswapV3PoolAdapter or UniswapV3Adapter),
    DeltaHedger and VaultLens against the tokens, pool, feeds (and router) named in the network file. With
    `--short-leg`, also the ChainlinkMorphoOracle, the Morpho Blue market (created unless it exists), the
    MorphoBlueVenue, and the vault's borrow venue and short policy; Morpho must have enabled the IRM and the LLTV.

    \b
    Example:
      ape run deploy vault --network ethereum:sepolia:node --account deployer --list-series
      ape run deploy vault --network ethereum:sepolia:https://rpc.example --account deployer --yes
      ape run deploy vault --network ethereum:mainnet:node --account deployer --short-leg --lltv 0.86
    """
    from ape import chain

    from deltavault.deploy import check_short_leg, deploy_short_leg_on_network, short_leg_plan
    from deltavault.lab.errors import LabError
    from deltavault.lab.frontier import deployable_policy
    from deltavault.local.lending import LendingError
    from deltavault.local.stack import deploy_vault_on_network, vault_plan

    try:
        hedge_policy = deployable_policy(policy_file) if policy_file else HedgePolicy.for_quote_decimals(6)
    except LabError as err:
        raise click.ClickException(str(err)) from None
    try:
        path = config_file or find_network_file(
            ecosystem=network.ecosystem.name, network=network.name, chain_id=chain.chain_id
        )
        net = read_network_config(path, chain_id=chain.chain_id, venue=venue)
    except RegistryError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"network file: {path}")
    plan = vault_plan(net, venue)
    short = None
    if short_leg:
        try:
            config = ShortLegConfig(lltv, target_ltv, max_ltv, max_owed, oracle=morpho_oracle)
            morpho, irm = check_short_leg(net, config, name=str(path))
        except ShortLegError as err:
            raise click.ClickException(str(err)) from None
        short = (config, morpho, irm)
        plan += short_leg_plan(net, config)
    elif morpho_oracle:
        raise click.ClickException("--morpho-oracle is an option of the short leg: add --short-leg")
    confirm_broadcast(chain.chain_id, plan, yes=yes, sender=account.address)
    unlock(account)
    try:
        _system, _lens, record = deploy_vault_on_network(
            account,
            net,
            vol=vol,
            hedge_policy=hedge_policy,
            network=network.choice,
            list_default_series=list_series,
            venue=venue,
        )
    except RegistryError as err:
        raise click.ClickException(str(err)) from None
    if short is not None:
        config, morpho, irm = short
        try:
            record.update(deploy_short_leg_on_network(account, _system, net, config, morpho=morpho, irm=irm))
        except (ShortLegError, LendingError) as err:
            out = write_deployment(record, out_dir)
            raise click.ClickException(
                f"the vault is deployed ({out}) but its short leg is not: {err}"
            ) from None
    out = write_deployment(record, out_dir)
    _report(record, out)


_ADAPTERS = {"pool": "UniswapV3PoolAdapter", "router": "UniswapV3Adapter"}


def _report(record: dict, path) -> None:
    width = max(len(k) for k in record)
    for key in sorted(record):
        if key != "series":
            click.echo(f"{key:<{width}}  {record[key]}")
    for row in record.get("series", []):
        kind = "call" if row["isCall"] else "put"
        click.echo(
            f"series {row['id']}: {kind} strike {row['strike']} cap {row['cap']} expiry {row['expiry']}"
        )
    click.echo(f"wrote {path}")
