"""Use a DeltaVault from any Ape account: deposit, withdraw, buy, sell, settle, redeem, status.

    ape run vault deposit --amount 1000 --approve --account alice --network ethereum:sepolia:node
    ape run vault buy --series 2 --options 2.5 --slippage-bps 100 --approve --account alice
    ape run vault status --account alice

Amounts are human units: `--amount` in the quote token (USDC), `--options` in options on one whole base token.
Checks run before anything is signed (balance, allowance, pause, expiry, slippage bounds from `quoteBuy` /
`quoteSell`); on a live network the command prints what it will send and asks (`--yes` skips).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import click
from ape.cli import ConnectedProviderCommand, account_option, network_option

from deltavault.cli import (
    confirm_broadcast,
    deployment_option,
    fmt,
    load_deployment,
    to_units,
    unlock,
    yes_option,
)
from deltavault.contracts import ERC4626_REDEEM, OPTION_REDEEM, method

WAD = 10**18
BPS = 10_000


@dataclass
class Ctx:
    vault: Any
    quote: Any
    option_token: Any
    feed: Any
    hedger: Any
    q: int  # quote decimals
    symbol: str
    chain_id: int
    now: int


def _ctx(deployment_file) -> Ctx:
    from ape import chain, project

    d = load_deployment(deployment_file, chain.chain_id)
    quote = project.TestERC20.at(d["quoteToken"])
    return Ctx(
        vault=project.DeltaVault.at(d["vault"]),
        quote=quote,
        option_token=project.OptionToken.at(d["optionToken"]),
        feed=project.TestAggregator.at(d["priceFeed"]),
        hedger=project.DeltaHedger.at(d["hedger"]),
        q=quote.decimals(),
        symbol=quote.symbol(),
        chain_id=chain.chain_id,
        now=chain.blocks.head.timestamp,
    )


def _send(description: str, fn, *args, sender):
    from ape.exceptions import ContractLogicError

    try:
        receipt = fn(*args, sender=sender)
    except ContractLogicError as err:
        raise click.ClickException(f"{description} reverted: {err}") from None
    click.echo(f"{description}: tx {receipt.txn_hash} (block {receipt.block_number}, gas {receipt.gas_used})")
    return receipt


def _series(c: Ctx, series_id: int):
    from ape.exceptions import ContractLogicError

    try:
        s = c.vault.series(series_id)
    except ContractLogicError:
        s = None
    if s is None or s.expiry == 0:
        raise click.ClickException(f"series {series_id} is not listed (see `ape run vault status`)")
    return s


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _check_not_paused(c: Ctx, what: str) -> None:
    if c.vault.paused():
        raise click.ClickException(
            f"the vault is paused: {what} is disabled (withdrawals, sales back to the vault, settlement and "
            "redemptions keep working)"
        )


def _ensure_quote(c: Ctx, account, amount: int, approve: bool, plan: list[str]) -> bool:
    """Checks balance and allowance for `amount` quote units; returns True when an approval must be sent."""
    balance = c.quote.balanceOf(account)
    if balance < amount:
        raise click.ClickException(
            f"insufficient {c.symbol} balance: {fmt(balance, c.q, 2)} held, {fmt(amount, c.q, 2)} needed"
        )
    allowance = c.quote.allowance(account, c.vault)
    if allowance >= amount:
        return False
    if not approve:
        raise click.ClickException(
            f"{c.symbol} allowance for the vault is {fmt(allowance, c.q, 2)}, {fmt(amount, c.q, 2)} needed: "
            "rerun with --approve (approves exactly the amount needed)"
        )
    plan.append(f"approve {fmt(amount, c.q, 2)} {c.symbol} to the vault {c.vault.address}")
    return True


def _approve(c: Ctx, account, amount: int) -> None:
    _send(f"approve {fmt(amount, c.q, 2)} {c.symbol}", c.quote.approve, c.vault, amount, sender=account)


def _common(f):
    for option in (yes_option(), deployment_option(), account_option(), network_option()):
        f = option(f)
    return f


@click.group(short_help="Use a DeltaVault from your account")
def cli():
    pass


@cli.command(cls=ConnectedProviderCommand, short_help="Deposit quote tokens for vault shares")
@_common
@click.option("--amount", required=True, help="quote tokens to deposit, e.g. 1000")
@click.option("--approve", is_flag=True, help="approve the vault for the amount if needed")
def deposit(network, account, deployment_file, yes, amount, approve):
    c = _ctx(deployment_file)
    assets = to_units(amount, c.q, "--amount")
    _check_not_paused(c, "depositing")
    plan: list[str] = []
    needs_approval = _ensure_quote(c, account, assets, approve, plan)
    shares = c.vault.previewDeposit(assets)
    plan.append(f"deposit {fmt(assets, c.q, 2)} {c.symbol} for ~{fmt(shares, c.vault.decimals())} shares")
    confirm_broadcast(c.chain_id, plan, yes=yes, sender=account.address)
    unlock(account)
    if needs_approval:
        _approve(c, account, assets)
    _send(f"deposit {fmt(assets, c.q, 2)} {c.symbol}", c.vault.deposit, assets, account, sender=account)
    click.echo(f"shares held: {fmt(c.vault.balanceOf(account), c.vault.decimals())}")


@cli.command(cls=ConnectedProviderCommand, short_help="Withdraw quote tokens (by amount, shares, or all)")
@_common
@click.option("--amount", default=None, help="quote tokens to receive")
@click.option("--shares", default=None, help="shares to redeem")
@click.option("--all", "everything", is_flag=True, help="redeem every share the vault lets you redeem now")
def withdraw(network, account, deployment_file, yes, amount, shares, everything):
    c = _ctx(deployment_file)
    if sum(x is not None and x is not False for x in (amount, shares, everything or None)) != 1:
        raise click.UsageError("give exactly one of --amount, --shares, --all")
    share_decimals = c.vault.decimals()
    if amount is not None:
        assets = to_units(amount, c.q, "--amount")
        most = c.vault.maxWithdraw(account)
        if assets > most:
            raise click.ClickException(
                f"at most {fmt(most, c.q, 2)} {c.symbol} can be withdrawn now (free assets and your shares)"
            )
        plan = [f"withdraw {fmt(assets, c.q, 2)} {c.symbol}"]
        call = (c.vault.withdraw, assets, account, account)
    else:
        redeemable = c.vault.maxRedeem(account)
        count = redeemable if everything else to_units(shares, share_decimals, "--shares")
        if count == 0 or count > redeemable:
            raise click.ClickException(
                f"at most {fmt(redeemable, share_decimals)} shares can be redeemed now"
            )
        plan = [
            f"redeem {fmt(count, share_decimals)} shares for ~{fmt(c.vault.previewRedeem(count), c.q, 2)} {c.symbol}"
        ]
        call = (method(c.vault, ERC4626_REDEEM), count, account, account)
    confirm_broadcast(c.chain_id, plan, yes=yes, sender=account.address)
    unlock(account)
    _send(plan[0], *call, sender=account)


@cli.command(cls=ConnectedProviderCommand, short_help="Buy options of a series")
@_common
@click.option("--series", "series_id", type=int, required=True, help="series id")
@click.option("--options", required=True, help="options to buy (on one whole base token each), e.g. 2.5")
@click.option("--max-premium", default=None, help="most quote tokens to pay (default: quote + slippage)")
@click.option("--slippage-bps", type=int, default=50, show_default=True, help="bound over the current quote")
@click.option("--approve", is_flag=True, help="approve the vault for the premium bound if needed")
@click.option("--receiver", default=None, help="address receiving the options (default: the account)")
def buy(
    network, account, deployment_file, yes, series_id, options, max_premium, slippage_bps, approve, receiver
):
    c = _ctx(deployment_file)
    s = _series(c, series_id)
    if s.expiry <= c.now:
        raise click.ClickException(
            f"series {series_id} expired at {_when(s.expiry)}: it can no longer be bought"
        )
    _check_not_paused(c, "buying options")
    amount = to_units(options, 18, "--options")
    premium = c.vault.quoteBuy(series_id, amount)
    bound = (
        to_units(max_premium, c.q, "--max-premium")
        if max_premium
        else -(-premium * (BPS + slippage_bps) // BPS)
    )
    if bound < premium:
        raise click.ClickException(
            f"premium now {fmt(premium, c.q, 2)} {c.symbol} is above --max-premium {fmt(bound, c.q, 2)}"
        )
    plan: list[str] = []
    needs_approval = _ensure_quote(c, account, bound, approve, plan)
    plan.append(f"buy {options} options of series {series_id} for ~{fmt(premium, c.q, 2)} {c.symbol} "
                f"(at most {fmt(bound, c.q, 2)})")  # fmt: skip
    confirm_broadcast(c.chain_id, plan, yes=yes, sender=account.address)
    unlock(account)
    if needs_approval:
        _approve(c, account, bound)
    _send(plan[-1], c.vault.buyOption, series_id, amount, bound, receiver or account, sender=account)


@cli.command(cls=ConnectedProviderCommand, short_help="Sell options back to the vault")
@_common
@click.option("--series", "series_id", type=int, required=True)
@click.option("--options", required=True, help="options to sell, e.g. 1.5")
@click.option("--min-premium", default=None, help="least quote tokens to receive (default: quote - slippage)")
@click.option("--slippage-bps", type=int, default=50, show_default=True)
def sell(network, account, deployment_file, yes, series_id, options, min_premium, slippage_bps):
    c = _ctx(deployment_file)
    s = _series(c, series_id)
    if s.expiry <= c.now:
        raise click.ClickException(
            f"series {series_id} expired at {_when(s.expiry)}: settle and redeem instead"
        )
    amount = to_units(options, 18, "--options")
    held = c.option_token.balanceOf(account, series_id)
    if held < amount:
        raise click.ClickException(f"insufficient options: {fmt(held, 18)} of series {series_id} held")
    premium = c.vault.quoteSell(series_id, amount)
    bound = (
        to_units(min_premium, c.q, "--min-premium") if min_premium else premium * (BPS - slippage_bps) // BPS
    )
    if bound > premium:
        raise click.ClickException(
            f"premium now {fmt(premium, c.q, 2)} is below --min-premium {fmt(bound, c.q, 2)}"
        )
    plan = [f"sell {options} options of series {series_id} for ~{fmt(premium, c.q, 2)} {c.symbol} "
            f"(at least {fmt(bound, c.q, 2)})"]  # fmt: skip
    confirm_broadcast(c.chain_id, plan, yes=yes, sender=account.address)
    unlock(account)
    _send(plan[0], c.vault.sellOption, series_id, amount, bound, account, sender=account)


@cli.command(cls=ConnectedProviderCommand, short_help="Mint test quote tokens (local stacks only)")
@_common
@click.option("--amount", required=True, help="quote tokens to mint, e.g. 10000")
def faucet(network, account, deployment_file, yes, amount):
    """The stack's USD token is a TestERC20 with an open `mint`; real tokens (e.g. Sepolia USDC) are refused."""
    c = _ctx(deployment_file)
    units = to_units(amount, c.q, "--amount")
    try:
        c.quote.mint.estimate_gas_cost(account, units, sender=account)
    except Exception:
        raise click.ClickException(
            f"{c.symbol} at {c.quote.address} has no open mint: use the token's own faucet"
        ) from None
    confirm_broadcast(
        c.chain_id, [f"mint {amount} {c.symbol} to {account.address}"], yes=yes, sender=account.address
    )
    unlock(account)
    _send(f"mint {amount} {c.symbol}", c.quote.mint, account, units, sender=account)


def settlement_round(feed, expiry: int) -> int:
    """The first round of `feed` updated at or after `expiry` (walking back from the latest round)."""
    latest = feed.latestRoundData()
    if latest.updatedAt < expiry:
        raise click.ClickException(
            f"the price feed has no round at or after expiry ({_when(expiry)}); latest is {_when(latest.updatedAt)}"
        )
    round_id = latest.roundId
    while True:
        try:
            previous = feed.getRoundData(round_id - 1)
        except Exception:  # no earlier round (or another phase)
            return round_id
        if previous.updatedAt < expiry:
            return round_id
        round_id -= 1


@cli.command(cls=ConnectedProviderCommand, short_help="Record the settlement price of an expired series")
@_common
@click.option("--series", "series_id", type=int, required=True)
@click.option(
    "--round", "round_id", type=int, default=None, help="feed round (default: first at/after expiry)"
)
def settle(network, account, deployment_file, yes, series_id, round_id):
    c = _ctx(deployment_file)
    s = _series(c, series_id)
    if s.settled:
        raise click.ClickException(f"series {series_id} is already settled")
    if s.expiry > c.now:
        raise click.ClickException(
            f"series {series_id} expires at {_when(s.expiry)}: it cannot be settled yet"
        )
    round_id = round_id or settlement_round(c.feed, s.expiry)
    plan = [f"settle series {series_id} with price-feed round {round_id}"]
    confirm_broadcast(c.chain_id, plan, yes=yes, sender=account.address)
    unlock(account)
    _send(plan[0], c.vault.settle, series_id, round_id, sender=account)
    s = c.vault.series(series_id)
    click.echo(f"payoff per option: {fmt(s.payoffPerOption, 18)} {c.symbol}")


@cli.command(cls=ConnectedProviderCommand, short_help="Redeem settled options for their payoff")
@_common
@click.option("--series", "series_id", type=int, required=True)
@click.option("--options", default=None, help="options to redeem (default: all held)")
def redeem(network, account, deployment_file, yes, series_id, options):
    c = _ctx(deployment_file)
    s = _series(c, series_id)
    if not s.settled:
        hint = (
            "settle it first (`ape run vault settle`)"
            if s.expiry <= c.now
            else f"it expires {_when(s.expiry)}"
        )
        raise click.ClickException(f"series {series_id} is not settled: {hint}")
    held = c.option_token.balanceOf(account, series_id)
    amount = held if options is None else to_units(options, 18, "--options")
    if amount == 0 or amount > held:
        raise click.ClickException(f"insufficient options: {fmt(held, 18)} of series {series_id} held")
    payout = amount * s.payoffPerOption // WAD // 10 ** (18 - c.q)
    plan = [f"redeem {fmt(amount, 18)} options of series {series_id} for ~{fmt(payout, c.q, 2)} {c.symbol}"]
    confirm_broadcast(c.chain_id, plan, yes=yes, sender=account.address)
    unlock(account)
    _send(plan[0], method(c.vault, OPTION_REDEEM), series_id, amount, account, sender=account)


@cli.command(cls=ConnectedProviderCommand, short_help="Show the vault, its series and your positions")
@network_option()
@deployment_option()
@click.option("--account", "address", default=None, help="address (or Ape alias) whose positions to show")
def status(network, deployment_file, address):
    from ape import accounts

    c = _ctx(deployment_file)
    v = c.vault
    share_decimals = v.decimals()

    def safe(read, show):
        """Oracle-dependent reads fail while a feed is stale; show why instead of stopping."""
        try:
            return show(read())
        except Exception as err:
            return f"n/a ({str(err).splitlines()[0][:80]})"

    click.echo(f"vault {v.address}  {'PAUSED' if v.paused() else 'active'}")
    nav = safe(v.totalAssets, lambda x: fmt(x, c.q, 2))
    click.echo(f"  NAV {nav} {c.symbol}   shares {fmt(v.totalSupply(), share_decimals)}")
    click.echo(f"  free {fmt(v.freeAssets(), c.q, 2)}   reserved {fmt(v.reservedAssets(), c.q, 2)}")
    click.echo(
        f"  spot {safe(v.spotPrice, lambda x: fmt(x, 18, 2))}   implied vol {safe(v.impliedVol, lambda x: fmt(x, 18))}"
    )
    click.echo(
        "  greeks "
        + safe(
            v.portfolioGreeks,
            lambda g: f"delta {fmt(g[0], 18)}  gamma {g[1] / 1e18:.6g}  vega {fmt(g[2], 18, 2)}",
        )
    )
    click.echo("  hedge " + safe(c.hedger.rebalanceStatus, lambda st: f"due {st.due}  band {fmt(st.band, 18)}  "
                                 f"target {fmt(st.target, 18)}  trade {fmt(st.trade, 18)}"))  # fmt: skip
    owner = None
    if address:
        owner = address if address.startswith("0x") else accounts.load(address).address
    click.echo(f"{'id':>3} {'type':<5} {'strike':>10} {'cap':>8} {'expiry':<21} {'outstanding':>12} "
               f"{'buy 1':>10} {'state':<10}" + (" held" if owner else ""))  # fmt: skip
    for sid in range(1, 1_000):  # series ids start at 1 and increase by one
        try:
            s = v.series(sid)
        except Exception:
            break
        if s.expiry == 0:
            break
        state = "settled" if s.settled else ("expired" if s.expiry <= c.now else "live")
        price = (
            safe(lambda sid=sid: v.quoteBuy(sid, WAD), lambda x: fmt(x, c.q, 2)) if state == "live" else "-"
        )
        line = (f"{sid:>3} {'call' if s.isCall else 'put':<5} {fmt(s.strike, 18, 0):>10} {fmt(s.cap, 18, 0):>8} "
                f"{_when(s.expiry):<21} {fmt(s.outstanding, 18):>12} {price:>10} {state:<10}")  # fmt: skip
        if owner:
            line += f" {fmt(c.option_token.balanceOf(owner, sid), 18)}"
        click.echo(line)
    if owner:
        shares = v.balanceOf(owner)
        click.echo(f"account {owner}: {fmt(c.quote.balanceOf(owner), c.q, 2)} {c.symbol}, "
                   f"{fmt(shares, share_decimals)} shares (~{safe(lambda: v.previewRedeem(shares), lambda x: fmt(x, c.q, 2))} {c.symbol})")  # fmt: skip


__all__ = ["cli", "settlement_round", "Decimal"]
