"""Use a DeltaVault from any Ape account: deposit, withdraw, buy, sell, settle, redeem, status, faucet, set-policy.

Thin click commands over `deltavault.Vault`. Amounts are human units: `--amount` in the quote token (USDC),
`--options` in options on one whole base token. Checks run before anything is signed (balance, allowance, pause,
expiry, slippage bounds from `quoteBuy` / `quoteSell`); on a live network the command prints what it will send
and asks (`--yes` skips). Bad input and failures end in one line (`Error: ...`).
"""

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import click
from ape.cli import account_option, network_option

from deltavault.cli import (
    AMOUNT,
    BPS,
    SERIES_ID,
    AccountRef,
    Command,
    TokenAmount,
    confirm_broadcast,
    deployment_option,
    json_option,
    load_deployment,
    unlock,
    yes_option,
)
from deltavault.errors import ContractError

BPS_DENOMINATOR = 10_000


def _vault(deployment_file):
    from ape import chain

    from deltavault import Vault

    d = load_deployment(deployment_file, chain.chain_id)
    return Vault.at(d["vault"]), d


def _chain_id() -> int:
    from ape import chain

    return chain.chain_id


def _money(x: Decimal | None, places: int = 2) -> str:
    return "n/a" if x is None else f"{x:,.{places}f}"


def _when(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M UTC")


def _send(description: str, action, **kwargs) -> Any:
    try:
        receipt = action(**kwargs)
    except ContractError as err:
        raise click.ClickException(f"{description} reverted: {err.decoded.message}") from None
    fee = Decimal(receipt.gas_used * getattr(receipt, "gas_price", 0)).scaleb(-18)
    click.echo(f"{description}: tx {receipt.txn_hash} (block {receipt.block_number}, gas {receipt.gas_used:,}, "
               f"fee {fee:.6f} ETH)")  # fmt: skip
    return receipt


def _series(v, series_id: int):
    try:
        return v.series(series_id)
    except (ValueError, ContractError):
        raise click.ClickException(f"series {series_id} is not listed (see `ape run vault status`)") from None


def _check_not_paused(v, what: str) -> None:
    if v.contract.paused():
        raise click.ClickException(
            f"the vault is paused: {what} is disabled (withdrawals, sales back to the vault, settlement and "
            "redemptions keep working)"
        )


def _ensure_quote(v, account, amount: Decimal, approve: bool, plan: list[str]) -> bool:
    """Checks balance and allowance for `amount` quote tokens; returns True when an approval must be sent."""
    q = v.quote
    balance = q.human(v.quote_contract.balanceOf(account))
    if balance < amount:
        raise click.ClickException(
            f"insufficient {q.symbol} balance: {_money(balance)} held, {_money(amount)} needed"
        )
    allowance = q.human(v.quote_contract.allowance(account, v.address))
    if allowance >= amount:
        return False
    if not approve:
        raise click.ClickException(
            f"{q.symbol} allowance for the vault is {_money(allowance)}, {_money(amount)} needed: "
            "rerun with --approve (approves exactly the amount needed)"
        )
    plan.append(f"approve {_money(amount)} {q.symbol} to the vault {v.address}")
    return True


def _common(f):
    for option in (yes_option(), deployment_option(), account_option(), network_option()):
        f = option(f)
    return f


@click.group(short_help="Use a DeltaVault from your account")
def cli():
    """Deposit into a DeltaVault, trade its options, settle and redeem them, from any Ape account.

    \b
    Example:
      ape run vault status --network ethereum:local:node --account TEST::1
      ape run vault deposit --amount 1000 --approve --account alice --network ethereum:sepolia:node
    """


@cli.command(cls=Command, short_help="Deposit quote tokens for vault shares (now, or as a request)")
@_common
@click.option("--amount", type=AMOUNT, required=True, help="quote tokens to deposit, e.g. 1000")
@click.option(
    "--approve", is_flag=True, help="approve the vault (or its request queue) for the amount if needed"
)
@click.option(
    "--request", is_flag=True, help="ask through the request queue: no jump band, shares at the due round"
)
def deposit(network, account, deployment_file, yes, amount, approve, request):
    """Deposit `--amount` quote tokens. Without `--request`, at once, priced over the vault's jump band (shown
    before signing); with `--request`, into the request queue: the shares are minted at the first price round
    after the request delay (`ape run vault fulfil`, or any keeper), with no band, only the entry fee.

    \b
    Example:
      ape run vault deposit --amount 1000 --approve --account TEST::1 --network ethereum:local:node
      ape run vault deposit --amount 1000 --approve --request --account TEST::1 --network ethereum:local:node
    """
    v, _ = _vault(deployment_file)
    assets = v.quote.units(amount)
    _check_not_paused(v, "depositing")
    if request:
        _request_deposit(v, account, amount, approve, yes)
        return
    plan: list[str] = []
    nav, band = v.contract.markedNav()
    if nav:
        plan.append(f"the synchronous path is priced over a jump band of {band * 10_000 / nav:,.1f} bps of NAV "
                    "(a request through the queue pays none: --request)")  # fmt: skip
    needs_approval = _ensure_quote(v, account, amount, approve, plan)
    shares = Decimal(v.contract.previewDeposit(assets)).scaleb(-v.share_decimals)
    plan.append(f"deposit {_money(amount)} {v.quote.symbol} for ~{shares:,.4f} shares")
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    if needs_approval:
        _send(f"approve {_money(amount)} {v.quote.symbol}", v.approve, amount=amount, sender=account)
    _send(f"deposit {_money(amount)} {v.quote.symbol}", v.deposit, amount=amount, sender=account)
    click.echo(f"shares held: {v.position(account, ()).shares:,.4f}")


@cli.command(cls=Command, short_help="Withdraw quote tokens (by amount, shares, or all; now or as a request)")
@_common
@click.option("--amount", type=AMOUNT, default=None, help="quote tokens to receive")
@click.option("--shares", type=AMOUNT, default=None, help="shares to redeem")
@click.option("--all", "everything", is_flag=True, help="redeem every share the vault lets you redeem now")
@click.option("--request", is_flag=True, help="ask through the request queue (with --shares or --all)")
def withdraw(network, account, deployment_file, yes, amount, shares, everything, request):
    """Withdraw by quote amount, by shares, or everything the vault's free assets allow now.

    \b
    Example:
      ape run vault withdraw --amount 500 --account TEST::1 --network ethereum:local:node
      ape run vault withdraw --all --account TEST::1 --network ethereum:local:node
    """
    if sum(x is not None and x is not False for x in (amount, shares, everything or None)) != 1:
        raise click.UsageError("give exactly one of --amount, --shares, --all")
    v, _ = _vault(deployment_file)
    if request:
        if amount is not None:
            raise click.UsageError("a redeem request is for shares: use --shares or --all with --request")
        held = int(v.contract.balanceOf(account))
        count = held if everything else int(shares.scaleb(v.share_decimals))
        if count == 0 or count > held:
            raise click.ClickException(f"you hold {Decimal(held).scaleb(-v.share_decimals):,.4f} shares")
        text = f"request to redeem {Decimal(count).scaleb(-v.share_decimals):,.4f} shares"
        due = int(v.contract.policy().requestDelay)
        confirm_broadcast(_chain_id(), [f"{text} (due {due} s after the request, paid at its price round)"],
                          yes=yes, sender=account.address)  # fmt: skip
        unlock(account)
        _send(text, v.request_redeem, shares=count, sender=account)
        return
    sym = v.quote.symbol
    if amount is not None:
        most = v.quote.human(v.contract.maxWithdraw(account))
        if amount > most:
            raise click.ClickException(
                f"at most {_money(most)} {sym} can be withdrawn now (free assets and your shares)"
            )
        plan = [f"withdraw {_money(amount)} {sym}"]
        action, kwargs = v.withdraw, {"amount": amount}
    else:
        redeemable = int(v.contract.maxRedeem(account))
        count = redeemable if everything else int(shares.scaleb(v.share_decimals))
        if count == 0 or count > redeemable:
            most = Decimal(redeemable).scaleb(-v.share_decimals)
            raise click.ClickException(f"at most {most:,.4f} shares can be redeemed now")
        value = v.quote.human(v.contract.previewRedeem(count))
        plan = [f"redeem {Decimal(count).scaleb(-v.share_decimals):,.4f} shares for ~{_money(value)} {sym}"]
        action, kwargs = v.redeem_shares, {"shares": count}
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    _send(plan[0], action, sender=account, **kwargs)


def _request_deposit(v, account, amount: Decimal, approve: bool, yes: bool) -> None:
    q, queue = v.quote, v.request_queue
    balance = q.human(v.quote_contract.balanceOf(account))
    if balance < amount:
        raise click.ClickException(
            f"insufficient {q.symbol} balance: {_money(balance)} held, {_money(amount)} needed"
        )
    plan = []
    needs_approval = q.human(v.quote_contract.allowance(account, queue.address)) < amount
    if needs_approval and not approve:
        raise click.ClickException(f"the request queue {queue.address} needs an allowance of {_money(amount)} "
                                   f"{q.symbol}: rerun with --approve")  # fmt: skip
    if needs_approval:
        plan.append(f"approve {_money(amount)} {q.symbol} to the request queue {queue.address}")
    delay = int(v.contract.policy().requestDelay)
    plan.append(f"request a deposit of {_money(amount)} {q.symbol}: due {delay} s from now, shares minted at the "
                "first price round after that (no band; entry fee)")  # fmt: skip
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    if needs_approval:

        def approve_queue(sender):
            return v.quote_contract.approve(queue.address, q.units(amount), sender=sender)

        _send(f"approve {_money(amount)} {q.symbol}", approve_queue, sender=account)
    _send(f"request deposit {_money(amount)} {q.symbol}", v.request_deposit, amount=amount, sender=account)
    for r in v.pending_requests(account):
        click.echo(f"pending {r.kind} {r.amount:,.4f} due {_when(r.due_at)}")


@cli.command(cls=Command, short_help="Fulfil a due deposit or redeem request (yours by default; anyone may)")
@_common
@click.option("--controller", type=AccountRef(), default=None, help="whose request (default: the account)")
@click.option("--redeem", "is_redeem", is_flag=True, help="the redeem request (default: the deposit request)")
def fulfil(network, account, deployment_file, yes, controller, is_redeem):
    """Fulfil a due request at the first price round after its due time (the queue verifies the round).

    \b
    Example:
      ape run vault fulfil --account TEST::1 --network ethereum:local:node
      ape run vault fulfil --redeem --controller 0xabc... --account TEST::2 --network ethereum:local:node
    """
    v, _ = _vault(deployment_file)
    who = controller or account.address
    kind = "redeem" if is_redeem else "deposit"
    confirm_broadcast(_chain_id(), [f"fulfil the {kind} request of {who}"], yes=yes, sender=account.address)
    unlock(account)
    try:
        receipt = v.fulfil(who, not is_redeem, sender=account)
    except ContractError as err:
        raise click.ClickException(f"fulfil {kind} of {who}: {err.decoded.message}") from None
    click.echo(f"fulfilled the {kind} request of {who}: tx {receipt.txn_hash} (block {receipt.block_number})")


def _live_series(v, series_id: int, what: str):
    s = _series(v, series_id)
    if s.expiry <= v._now():
        hint = "it can no longer be bought" if what == "buy" else "settle and redeem instead"
        raise click.ClickException(f"series {series_id} expired at {_when(s.expiry)}: {hint}")
    return s


# Reverts of the simulated buy that only say the approval is not sent yet (a token whose allowance the preview
# cannot override); the buy itself still checks them after the approval.
_ALLOWANCE_ERRORS = {"ERC20InsufficientAllowance"}


def _preview_buy(v, account, series_id: int, options: Decimal, bound: Decimal, receiver) -> None:
    """Simulate the buy before anything is signed: a revert the transaction would hit (the short leg's
    `HedgeCapacityExceeded`, a limit, the solvency check) ends the command in one line, with nothing sent."""
    try:
        v.preview_buy(series_id, options, bound, sender=account, receiver=receiver)
    except ContractError as err:
        if err.decoded.name in _ALLOWANCE_ERRORS:
            return
        raise click.ClickException(
            f"buy {options} options of series {series_id} would revert: {err.decoded.message}"
        ) from None


@cli.command(cls=Command, short_help="Buy options of a series")
@_common
@click.option("--series", "series_id", type=SERIES_ID, required=True, help="series id (see status)")
@click.option("--options", type=AMOUNT, required=True, help="options to buy (on one whole base token each)")
@click.option(
    "--max-premium", type=AMOUNT, default=None, help="most quote tokens to pay (default: quote + slippage)"
)
@click.option(
    "--slippage-bps", type=BPS, default=50, show_default=True, help="bound over the current quote, 0-10000"
)
@click.option("--approve", is_flag=True, help="approve the vault for the premium bound if needed")
@click.option("--receiver", type=AccountRef(), default=None, help="address receiving the options")
def buy(network, account, deployment_file, yes, series_id, options, max_premium, slippage_bps, approve, receiver):  # fmt: skip
    """Buy `--options` options of a series at the current quote, bounded by --max-premium or --slippage-bps.

    \b
    Example:
      ape run vault buy --series 2 --options 2.5 --slippage-bps 100 --approve --account TEST::1
    """
    v, _ = _vault(deployment_file)
    _live_series(v, series_id, "buy")
    _check_not_paused(v, "buying options")
    premium = v.quote_buy(series_id, options).premium
    q = v.quote
    bound = (
        max_premium
        if max_premium is not None
        else q.human(-(-q.units(premium) * (BPS_DENOMINATOR + slippage_bps) // BPS_DENOMINATOR))
    )
    if bound < premium:
        raise click.ClickException(
            f"premium now {_money(premium)} {q.symbol} is above --max-premium {_money(bound)}"
        )
    plan: list[str] = []
    needs_approval = _ensure_quote(v, account, bound, approve, plan)
    _preview_buy(v, account, series_id, options, bound, receiver)
    plan.append(f"buy {options} options of series {series_id} for ~{_money(premium)} {q.symbol} "
                f"(at most {_money(bound)})")  # fmt: skip
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    if needs_approval:
        _send(f"approve {_money(bound)} {q.symbol}", v.approve, amount=bound, sender=account)
    _send(plan[-1], v.buy, series_id=series_id, options=options, max_premium=bound, sender=account,
          receiver=receiver)  # fmt: skip


@cli.command(cls=Command, short_help="Sell options back to the vault")
@_common
@click.option("--series", "series_id", type=SERIES_ID, required=True, help="series id (see status)")
@click.option("--options", type=AMOUNT, required=True, help="options to sell, e.g. 1.5")
@click.option("--min-premium", type=TokenAmount(allow_zero=True), default=None,
              help="least quote tokens to receive (default: quote - slippage)")  # fmt: skip
@click.option(
    "--slippage-bps", type=BPS, default=50, show_default=True, help="bound under the quote, 0-10000"
)
def sell(network, account, deployment_file, yes, series_id, options, min_premium, slippage_bps):
    """Sell `--options` options back to the vault, receiving at least --min-premium (or quote - slippage).

    \b
    Example:
      ape run vault sell --series 2 --options 1 --min-premium 150 --account TEST::1
    """
    v, _ = _vault(deployment_file)
    _live_series(v, series_id, "sell")
    held = Decimal(int(v.option_token.balanceOf(account, series_id))).scaleb(-18)
    if held < options:
        raise click.ClickException(f"insufficient options: {held:,.4f} of series {series_id} held")
    premium = v.quote_sell(series_id, options).premium
    q = v.quote
    bound = (
        min_premium
        if min_premium is not None
        else q.human(q.units(premium) * (BPS_DENOMINATOR - slippage_bps) // BPS_DENOMINATOR)
    )
    if bound > premium:
        raise click.ClickException(f"premium now {_money(premium)} is below --min-premium {_money(bound)}")
    plan = [f"sell {options} options of series {series_id} for ~{_money(premium)} {q.symbol} "
            f"(at least {_money(bound)})"]  # fmt: skip
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    _send(plan[0], v.sell, series_id=series_id, options=options, min_premium=bound, sender=account)


@cli.command(cls=Command, short_help="Mint test quote tokens (local stacks only)")
@_common
@click.option("--amount", type=AMOUNT, required=True, help="quote tokens to mint, e.g. 10000")
def faucet(network, account, deployment_file, yes, amount):
    """The stack's USD token is a TestERC20 with an open `mint`; real tokens (e.g. Sepolia USDC) are refused.

    \b
    Example:
      ape run vault faucet --amount 10000 --account TEST::1 --network ethereum:local:node
    """
    from ape import Contract

    v, _ = _vault(deployment_file)
    units = v.quote.units(amount)
    mint_abi = {"type": "function", "name": "mint", "stateMutability": "nonpayable", "outputs": [],
                "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}]}  # fmt: skip
    token = Contract(v.quote.address, abi=[mint_abi])
    try:
        token.mint.estimate_gas_cost(account, units, sender=account)
    except Exception:
        raise click.ClickException(
            f"{v.quote.symbol} at {v.quote.address} has no open mint: use the token's own faucet"
        ) from None
    confirm_broadcast(_chain_id(), [f"mint {amount} {v.quote.symbol} to {account.address}"],
                      yes=yes, sender=account.address)  # fmt: skip
    unlock(account)
    receipt = token.mint(account, units, sender=account)
    click.echo(f"mint {amount} {v.quote.symbol}: tx {receipt.txn_hash} (block {receipt.block_number})")


@cli.command(cls=Command, short_help="Record the settlement price of an expired series")
@_common
@click.option("--series", "series_id", type=SERIES_ID, required=True, help="series id (see status)")
@click.option("--round", "round_id", type=click.IntRange(min=1), default=None,
              help="feed round (default: first at/after expiry)")  # fmt: skip
def settle(network, account, deployment_file, yes, series_id, round_id):
    """Settle an expired series with the first price-feed round at or after its expiry.

    \b
    Example:
      ape run vault settle --series 6 --account TEST::1 --network ethereum:local:node
    """
    v, _ = _vault(deployment_file)
    s = _series(v, series_id)
    if s.settled:
        raise click.ClickException(f"series {series_id} is already settled")
    if s.expiry > v._now():
        raise click.ClickException(
            f"series {series_id} expires at {_when(s.expiry)}: it cannot be settled yet"
        )
    try:
        round_id = round_id or v.settlement_round(series_id)
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    plan = [f"settle series {series_id} with price-feed round {round_id}"]
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    _send(plan[0], v.settle, series_id=series_id, round_id=round_id, sender=account)
    click.echo(f"payoff per option: {v.series(series_id).payoff_per_option:,.4f} {v.quote.symbol}")


@cli.command(
    "set-policy", cls=Command, short_help="Set the hedger's rebalancing policy from a policy JSON (owner)"
)
@_common
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False), required=True,
              help="policy JSON, as `ape run lab tune` writes it")  # fmt: skip
def set_policy(network, account, deployment_file, yes, policy_file):
    """Set the DeltaHedger's policy (the vault's owner only) from a policy file checked against the contract's
    bounds before anything is signed.

    \b
    Example:
      ape run vault set-policy --policy reports/policy.json --account TEST::0 --network ethereum:local:node
    """
    from deltavault.lab.errors import LabError
    from deltavault.lab.frontier import deployable_policy

    try:
        policy = deployable_policy(policy_file)
    except LabError as err:
        raise click.ClickException(str(err)) from None
    v, _ = _vault(deployment_file)
    hedger = v.hedger()
    plan = [f"set the policy of hedger {hedger.contract.address} from {policy_file}"]
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    _send(plan[0], hedger.set_policy, policy=policy, sender=account)


@cli.command(cls=Command, short_help="Redeem settled options for their payoff")
@_common
@click.option("--series", "series_id", type=SERIES_ID, required=True, help="series id (see status)")
@click.option("--options", type=AMOUNT, default=None, help="options to redeem (default: all held)")
def redeem(network, account, deployment_file, yes, series_id, options):
    """Redeem settled options of a series for their payoff (all held unless --options).

    \b
    Example:
      ape run vault redeem --series 6 --account TEST::1 --network ethereum:local:node
    """
    v, _ = _vault(deployment_file)
    s = _series(v, series_id)
    if not s.settled:
        hint = (
            "settle it first (`ape run vault settle`)"
            if s.expiry <= v._now()
            else f"it expires {_when(s.expiry)}"
        )
        raise click.ClickException(f"series {series_id} is not settled: {hint}")
    held = Decimal(int(v.option_token.balanceOf(account, series_id))).scaleb(-18)
    amount = held if options is None else options
    if amount == 0 or amount > held:
        raise click.ClickException(f"insufficient options: {held:,.4f} of series {series_id} held")
    plan = [f"redeem {amount:,.4f} options of series {series_id} for ~{_money(v.payout(series_id, amount))} "
            f"{v.quote.symbol}"]  # fmt: skip
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    _send(plan[0], v.redeem_options, series_id=series_id, options=amount, sender=account)


def _governance(d: dict, now: datetime) -> dict | None:
    """The timelock holding the vault's owner role and its queue, when the deployment records one."""
    if not d.get("timelock"):
        return None
    from deltavault.governance import Timelock

    lock = Timelock.at(d["timelock"])
    return {
        "timelock": lock.address,
        "delay": lock.delay,
        "queue": [
            {"id": c.id, "kind": c.kind.label, "state": c.state(now), "readyAt": c.ready_at.isoformat(),
             "summary": c.summary}
            for c in lock.queue()
        ],
    }  # fmt: skip


def _status_json(status, series, position, quotes) -> dict:
    def d(x):
        return None if x is None else str(x)

    out = {
        "vault": status.address, "block": status.block, "time": status.time.isoformat(),
        "paused": status.paused, "quoteSymbol": status.quote_symbol, "nav": d(status.nav),
        "totalShares": d(status.total_shares), "freeAssets": d(status.free_assets),
        "reservedAssets": d(status.reserved_assets), "spot": d(status.spot), "impliedVol": d(status.implied_vol),
        "greeks": None if status.greeks is None else {k: d(getattr(status.greeks, k)) for k in ("delta", "gamma", "vega")},
        "hedge": None if status.hedge is None else {
            "due": status.hedge.due, "rule": status.hedge.rule.name.lower(), "delta": d(status.hedge.delta),
            "target": d(status.hedge.target), "band": d(status.hedge.band), "trade": d(status.hedge.trade),
            "nextAllowed": status.hedge.next_allowed.isoformat()},
        "short": None if status.short is None else {
            "baseHeld": d(status.short.base_held), "baseOwed": d(status.short.base_owed),
            "collateral": d(status.short.collateral), "ltv": d(status.short.ltv),
            "healthFactor": d(status.short.health_factor), "liquidationPrice": d(status.short.liquidation_price),
            "venue": status.short.venue, "venueStatus": status.short.venue_status},
        "errors": status.errors,
        "series": [{"id": s.id, "type": s.kind, "strike": d(s.strike), "cap": d(s.cap),
                    "expiry": s.expiry.isoformat(), "outstanding": d(s.outstanding), "state": s.state(status.time),
                    "settled": s.settled, "payoffPerOption": d(s.payoff_per_option),
                    "buyOne": d(quotes.get(s.id))} for s in series],
    }  # fmt: skip
    if position is not None:
        out["account"] = {
            "address": position.owner, "quoteBalance": d(position.quote_balance), "shares": d(position.shares),
            "shareValue": d(position.share_value), "maxWithdraw": d(position.max_withdraw),
            "options": {str(k): d(v) for k, v in position.options.items()},
        }  # fmt: skip
    return out


@cli.command(cls=Command, short_help="Show the vault, its series and your positions (--json for a machine)")
@network_option()
@deployment_option()
@click.option("--account", "owner", type=AccountRef(), default=None,
              help="address, Ape alias or TEST::n whose positions to show")  # fmt: skip
@json_option("the tables")
def status(network, deployment_file, owner, as_json):
    """The vault (NAV, free and reserved assets, spot, volatility, greeks, hedge), every series with its price
    for one option, and an account's holdings. Reads only; nothing is signed.

    \b
    Example:
      ape run vault status --network ethereum:local:node --account TEST::1
      ape run vault status --network ethereum:local:node --json
    """
    v, d = _vault(deployment_file)
    st = v.status()
    governance = _governance(d, st.time)
    series = v.all_series()
    quotes = {}
    for s in series:
        if s.state(st.time) == "live":
            try:
                quotes[s.id] = v.quote_buy(s.id, 1).premium
            except ContractError:
                quotes[s.id] = None
    position = v.position(owner, tuple(s.id for s in series)) if owner else None
    if as_json:
        click.echo(
            json.dumps({**_status_json(st, series, position, quotes), "governance": governance}, indent=2)
        )
        return
    sym = st.quote_symbol
    click.echo(
        f"vault {st.address}  {'PAUSED' if st.paused else 'active'}  block {st.block}  {_when(st.time)}"
    )
    click.echo(f"  NAV {_money(st.nav)} {sym}   shares {st.total_shares:,.4f}")
    click.echo(f"  free {_money(st.free_assets)}   reserved {_money(st.reserved_assets)}")
    click.echo(f"  spot {_money(st.spot)}   implied vol {_money(st.implied_vol, 4)}")
    if st.greeks:
        g = st.greeks
        click.echo(f"  greeks delta {g.delta:,.4f}  gamma {g.gamma:.6g}  vega {g.vega:,.2f}")
    if st.hedge:
        h = st.hedge
        click.echo(f"  hedge due {h.due}  band {h.band:,.4f}  target {h.target:,.4f}  trade {h.trade:,.4f}")
    if st.short:
        s = st.short
        health = "-" if s.health_factor is None else f"{s.health_factor:,.3f}"
        liquidation = "-" if s.liquidation_price is None else _money(s.liquidation_price)
        click.echo(f"  base held {s.base_held:,.4f}  owed {s.base_owed:,.4f}  collateral {_money(s.collateral)}  "
                   f"ltv {s.ltv:.3f}  health {health}  liquidation price {liquidation}  "
                   f"venue {s.venue_status}")  # fmt: skip
    for key, why in st.errors.items():
        click.echo(f"  {key} unavailable: {why}")
    if governance:
        click.echo(f"  owner: timelock {governance['timelock']} (notice {governance['delay'] / 86_400:g} d), "
                   f"{len(governance['queue'])} change(s) queued")  # fmt: skip
        for c in governance["queue"]:
            click.echo(
                f"    {c['kind']} {c['state']} from {c['readyAt'][:16].replace('T', ' ')} UTC: {c['summary']}"
            )
    click.echo(f"{'id':>3} {'type':<5} {'strike':>10} {'cap':>8} {'expiry':<21} {'outstanding':>12} "
               f"{'buy 1':>10} {'state':<10}" + (" held" if position else ""))  # fmt: skip
    for s in series:
        state = s.state(st.time)
        price = _money(quotes.get(s.id)) if state == "live" else "-"
        line = (f"{s.id:>3} {s.kind:<5} {s.strike:>10,.0f} {s.cap:>8,.0f} {_when(s.expiry):<21} "
                f"{s.outstanding:>12,.4f} {price:>10} {state:<10}")  # fmt: skip
        if position:
            line += f" {position.options.get(s.id, Decimal(0)):,.4f}"
        click.echo(line)
    if position:
        click.echo(f"account {position.owner}: {_money(position.quote_balance)} {sym}, {position.shares:,.4f} "
                   f"shares (~{_money(position.share_value)} {sym}; withdrawable now {_money(position.max_withdraw)})")  # fmt: skip
        for r in v.pending_requests(position.owner):
            click.echo(f"  pending {r.kind} request {r.amount:,.4f} "
                       f"{sym if r.kind == 'deposit' else 'shares'}, due {_when(r.due_at)}")  # fmt: skip
