"""Keep DeltaVault hedges in band: `ape run keeper run` (loop or --once) and `ape run keeper status` (table).

The decision and the loop live in `deltavault.keeper` (shared with bots/keeper.py and `make demo`). Log lines
are JSON on stdout; SIGINT/SIGTERM stop the loop after the current step.
"""

import json
import threading
from datetime import UTC, datetime

import click
from ape.cli import account_option, network_option

from deltavault.cli import (
    Command,
    GasPrice,
    confirm_broadcast,
    fmt,
    json_option,
    load_deployment,
    unlock,
    yes_option,
)


def _deployments(files: tuple[str, ...], chain_id: int) -> list[dict]:
    return [load_deployment(f, chain_id) for f in files] if files else [load_deployment(None, chain_id)]


def _deployment_option():
    return click.option("--deployment", "deployment_files", multiple=True, type=click.Path(dir_okay=False),
                        help="deployment file(s); default deployments/<chain id>.json")  # fmt: skip


@click.group(short_help="Rebalance DeltaVault hedges when due")
def cli():
    """Watch DeltaHedgers and call `rebalance()` when the vault's rule says it is due and the bounty covers the
    gas.

    \b
    Example:
      ape run keeper status --network ethereum:local:node
      ape run keeper run --network ethereum:sepolia:node --account keeper --max-gas-price 30gwei
    """


@cli.command(cls=Command, short_help="Run the keeper loop (or one step with --once)")
@network_option()
@account_option()
@_deployment_option()
@click.option("--once", is_flag=True, help="one step: read, rebalance if due, wait for the receipt, exit")
@click.option("--max-gas-price", type=GasPrice(), default=None,
              help="gas-price ceiling with its unit, e.g. 30gwei or 0.5gwei (a bare integer is wei)")  # fmt: skip
@click.option("--priority-fee", type=GasPrice(), default=None,
              help="priority fee, e.g. 1gwei (default: the node's suggestion)")  # fmt: skip
@click.option(
    "--allow-unprofitable", is_flag=True, help="rebalance even when the bounty does not cover the gas"
)
@click.option("--poll-interval", type=click.FloatRange(min=0.05), default=2.0, show_default=True,
              help="seconds between block checks")  # fmt: skip
@click.option("--quiet", is_flag=True, help="log only actions and errors, not every block's status")
@yes_option()
def run(network, account, deployment_files, once, max_gas_price, priority_fee, allow_unprofitable,
        poll_interval, quiet, yes):  # fmt: skip
    """Every new block: one batched read of every hedger's status, the decision (due, under the gas ceiling,
    bounty >= gas at base fee + priority fee), and at most one rebalance in flight, tracked by hash and nonce
    across RPC outages (transient RPC errors back off and retry). Logs are JSON lines.

    \b
    Example:
      ape run keeper run --network ethereum:local:node --account TEST::2 --once
      ape run keeper run --network ethereum:sepolia:node --account keeper --max-gas-price 30gwei --quiet
    """
    from ape import chain

    from deltavault.keeper import Keeper, KeeperConfig, install_signal_handlers

    deployments = _deployments(deployment_files, chain.chain_id)
    config = KeeperConfig(
        max_gas_price=max_gas_price,
        priority_fee=priority_fee,
        require_profit=not allow_unprofitable,
        poll_interval=poll_interval,
        log_every_block=not quiet,
    )
    plan = [f"call rebalance() on {d['hedger']} whenever it is due" for d in deployments]
    confirm_broadcast(chain.chain_id, plan, yes=yes, sender=account.address)
    unlock(account)
    keeper = Keeper.from_deployments(deployments, account, config=config)
    stop = threading.Event()
    install_signal_handlers(stop)
    keeper.run(once=once, stop=stop)


@cli.command(cls=Command, short_help="Print every hedger's rebalance status (--json for a machine)")
@network_option()
@_deployment_option()
@click.option(
    "--max-gas-price", type=GasPrice(), default=None, help="gas-price ceiling for the decision column"
)
@click.option("--priority-fee", type=GasPrice(), default=None,
              help="priority fee for the decision column (default: the node's suggestion)")  # fmt: skip
@json_option("the table")
def status(network, deployment_files, max_gas_price, priority_fee, as_json):
    """One batched read (VaultLens) and the decision the keeper would take now; nothing is sent.

    \b
    Example:
      ape run keeper status --network ethereum:local:node
      ape run keeper status --network ethereum:local:node --json | jq .hedgers[0].decision
    """
    from ape import chain

    from deltavault.keeper import KeeperConfig, dry_tick

    deployments = _deployments(deployment_files, chain.chain_id)
    config = KeeperConfig(max_gas_price=max_gas_price, priority_fee=priority_fee, log_every_block=False)
    result = dry_tick(chain.provider.web3, deployments, config)
    when = datetime.fromtimestamp(result.timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if as_json:
        rows = []
        for d, view in zip(deployments, result.views, strict=True):
            s = view.status
            rows.append({
                "vault": d["vault"], "hedger": view.hedger, "ok": view.ok, "error": view.error,
                "due": s.due if s else None, "rule": s.rule.name.lower() if s else None,
                "delta": str(fmt(s.delta, 18, 18)) if s else None,
                "target": str(fmt(s.target, 18, 18)) if s else None,
                "band": str(fmt(s.band, 18, 18)) if s else None,
                "trade": str(fmt(s.trade, 18, 18)) if s else None,
                "nextAllowed": s.next_allowed if s else None,
                "expectedBounty": str(fmt(view.expected_bounty, view.quote_decimals, view.quote_decimals)),
                "gasCost": str(fmt(view.gas_cost, view.quote_decimals, view.quote_decimals)),
                "act": view.decision.act if view.decision else False,
                "decision": view.decision.reason if view.decision else None,
                "blocked": view.blocked.name.lower() if s else None,
                "collateralIn": str(fmt(s.collateral_in, view.quote_decimals, view.quote_decimals)) if s else None,
                "short": view.short.as_log(view.quote_decimals) if view.short else None,
            })  # fmt: skip
        payload = {"block": result.block, "timestamp": result.timestamp, "time": when,
                   "baseFeeWei": result.basefee, "gasPriceWei": result.gas_price, "hedgers": rows}  # fmt: skip
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"block {result.block}  {when}  base fee {result.basefee / 1e9:.3f} gwei  "
               f"gas price {result.gas_price / 1e9:.3f} gwei")  # fmt: skip
    header = f"{'vault':<44} {'due':<5} {'rule':<10} {'delta':>10} {'target':>8} {'band':>8} {'trade':>10} "
    header += f"{'next allowed':<20} {'bounty':>9} {'gas':>9}  decision"
    click.echo(header)
    for d, view in zip(deployments, result.views, strict=True):
        if not view.ok:
            click.echo(f"{d['vault']:<44} status reverted: {view.error}")
            continue
        s, q = view.status, view.quote_decimals
        allowed = datetime.fromtimestamp(s.next_allowed, UTC).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(
            f"{d['vault']:<44} {str(s.due):<5} {s.rule.name.lower():<10} {fmt(s.delta, 18):>10} "
            f"{fmt(s.target, 18, 2):>8} {fmt(s.band, 18):>8} {fmt(s.trade, 18):>10} {allowed:<20} "
            f"{fmt(view.expected_bounty, q, 4):>9} {fmt(view.gas_cost, q, 4):>9}  {view.decision.reason}"
        )
        if view.short is not None:
            click.echo("  " + _short_line(view))


def _short_line(view) -> str:
    """The short hedge in one line: base owed, collateral, LTV against the policy's bound, liquidation price,
    the venue's status and what blocks the short leg (if anything)."""
    from deltavault.keeper import BLOCKED_MESSAGES

    p, q = view.short, view.quote_decimals
    ltv = "n/a" if p.ltv is None else f"{p.ltv / 1e18:.4f}"
    liquidation = "-" if p.liquidation_price is None else f"{fmt(p.liquidation_price, 18, 2)}"
    health = "-" if p.health_factor is None else f"{p.health_factor / 1e18:.3f}"
    line = (f"short: owed {fmt(p.base_owed, 18, 6)} base, collateral {fmt(p.collateral, q, 2)}, ltv {ltv} "
            f"(lltv {p.lltv / 1e18:.2f}), health {health}, liquidation price {liquidation}, "
            f"venue {p.venue_status}")  # fmt: skip
    blocked = view.blocked
    if blocked:
        line += f"; blocked: {blocked.name.lower()} ({BLOCKED_MESSAGES[blocked]})"
    return line
