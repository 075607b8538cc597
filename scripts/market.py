"""Move a local market by hand: the oracle and the Uniswap pool to a price, time forward, the volatility feed.

For the stacks of `ape run deploy stack` on a local chain (anvil: chain ids 31337, 1337), so that expiry,
settlement, redemption and rebalancing can be tried from the wallet and keeper commands. Refused elsewhere.
"""

from datetime import UTC, datetime
from decimal import Decimal

import click
from ape.cli import network_option

from deltavault.cli import Command, DecimalRange, Duration, deployment_option, load_deployment
from deltavault.registry import is_dev_chain

PRICE = DecimalRange(Decimal(0), Decimal(10**12), min_open=True)
VOL = DecimalRange(Decimal("0.05"), Decimal(5))


def _local(deployment_file):
    from ape import chain

    if not is_dev_chain(chain.chain_id):
        raise click.ClickException(f"`market` moves local chains only; chain {chain.chain_id} is not one")
    return load_deployment(deployment_file, chain.chain_id)


def _owner(d):
    """The stack's deployer, which owns the test feeds: one of the chain's test accounts."""
    from ape import accounts

    for account in accounts.test_accounts:
        if account.address == d["deployer"]:
            return account
    raise click.ClickException(
        f"the feeds' owner {d['deployer']} is not one of this node's test accounts: run on the chain the stack "
        "was deployed to with `ape run deploy stack --account TEST::0`"
    )


def _feed(address):
    from ape import project

    return project.TestAggregator.at(address)  # the stack's feeds are TestAggregators (local chains)


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@click.group(short_help="Move a local market: price, time, volatility")
def cli():
    """Move the oracle, the Uniswap V3 pool and time on a local chain holding a stack.

    \b
    Example:
      ape run market price 2100 --network ethereum:local:node
      ape run market warp 7d --network ethereum:local:node
    """


@cli.command(cls=Command, short_help="Set the oracle and the pool to a price")
@network_option()
@deployment_option()
@click.argument("price", type=PRICE)
@click.option(
    "--oracle-only", is_flag=True, help="leave the pool where it is (e.g. to try PoolOracleDeviation)"
)
def price(network, deployment_file, price, oracle_only):
    """Push PRICE (quote per base) to the price feed and trade the pool to it. The stack's deployer (a test
    account, the feeds' owner) sends both and is funded with the swap's input (test tokens minted, ETH wrapped).

    \b
    Example:
      ape run market price 2100 --network ethereum:local:node
    """
    from ape import project

    from deltavault.local import uniswap
    from deltavault.local.artifacts import load_container

    d = _local(deployment_file)
    account = _owner(d)
    feed = _feed(d["priceFeed"])
    if not oracle_only:
        base, quote = project.TestERC20.at(d["baseToken"]), project.TestERC20.at(d["quoteToken"])
        weth = load_container("WETH9").at(d["baseToken"])
        uni = uniswap.UniswapV3(
            factory=load_container("UniswapV3Factory").at(d["uniswapFactory"]),
            router=load_container("SwapRouter02").at(d["swapRouter"]),
            router_v1=None,
            position_manager=load_container("NonfungiblePositionManager").at(d["positionManager"]),
            weth=weth,
        )
        pool = uniswap.Pool.from_contract(uniswap._pool_container().at(d["pool"]), base, quote)
        swap = uniswap.swap_to_price(uni, pool, price, account)
        click.echo(f"pool {d['pool']}: {swap.price_before:,.2f} -> {swap.price_after:,.2f}")
    feed.pushAnswer(int(price * 10 ** feed.decimals()), sender=account)
    round_data = feed.latestRoundData()
    click.echo(
        f"price feed {feed.address}: {price} (round {round_data.roundId}, {_when(round_data.updatedAt)})"
    )


@cli.command(cls=Command, short_help="Move time forward (and refresh the feeds)")
@network_option()
@deployment_option()
@click.argument("duration", type=Duration())
@click.option("--no-refresh", is_flag=True, help="leave the feeds as they are (their answers then go stale)")
def warp(network, deployment_file, duration, no_refresh):
    """Mine a block DURATION later (7d, 12h, 30m or seconds). The price and volatility feeds then answer again
    with their last values, as live feeds would, so reads do not stop on OracleStale; the new price round is the
    one settlement uses for series that expired in between.

    \b
    Example:
      ape run market warp 7d --network ethereum:local:node
    """
    from ape import chain

    d = _local(deployment_file)
    account = _owner(d)
    target = chain.blocks.head.timestamp + duration
    # Raw anvil/hardhat calls: Ape's node provider does not implement time travel.
    chain.provider.make_request("evm_setNextBlockTimestamp", [target])
    chain.provider.make_request("evm_mine", [])
    click.echo(f"time: {_when(chain.blocks.head.timestamp)} (block {chain.blocks.head.number})")
    if no_refresh:
        return
    for key in ("priceFeed", "volFeed"):
        if d.get(key):
            feed = _feed(d[key])
            answer = feed.latestRoundData().answer
            feed.pushAnswer(answer, sender=account)
            click.echo(f"{key} {feed.address}: {Decimal(answer).scaleb(-feed.decimals())} again")


@cli.command(cls=Command, short_help="Set the implied-volatility feed")
@network_option()
@deployment_option()
@click.argument("vol", type=VOL)
def vol(network, deployment_file, vol):
    """Push VOL (0.8 or 80%) to the stack's implied-volatility feed.

    \b
    Example:
      ape run market vol 60% --network ethereum:local:node
    """
    d = _local(deployment_file)
    account = _owner(d)
    if not d.get("volFeed"):
        raise click.ClickException(
            "this deployment has no volatility feed (the manager sets it: setImpliedVol)"
        )
    feed = _feed(d["volFeed"])
    feed.pushAnswer(int(vol * 10 ** feed.decimals()), sender=account)
    click.echo(f"volatility feed {feed.address}: {vol}")
