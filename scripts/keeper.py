"""Keep DeltaVault hedges in band: `ape run keeper run` (loop or --once) and `ape run keeper status` (table).

    ape run keeper run --network ethereum:sepolia:node --account keeper [--deployment deployments/11155111.json]
                       [--once] [--max-gas-price 30gwei]
    ape run keeper status --network ethereum:local:foundry

The decision and the loop live in `deltavault.keeper` (shared with bots/keeper.py and `make demo`). Log lines
are JSON on stdout; SIGINT/SIGTERM stop the loop after the current step.
"""

import threading

import click
from ape.cli import ConnectedProviderCommand, account_option, network_option

from deltavault.cli import confirm_broadcast, fmt, load_deployment, unlock, yes_option


def _gas_price(value: str | None) -> int | None:
    """'30gwei', '30 gwei', '1e9' or a plain integer of wei."""
    if value is None:
        return None
    text = value.strip().lower().replace(" ", "")
    for unit, scale in (("gwei", 10**9), ("wei", 1)):
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * scale)
    return int(float(text))


def _deployments(files: tuple[str, ...], chain_id: int) -> list[dict]:
    return [load_deployment(f, chain_id) for f in files] if files else [load_deployment(None, chain_id)]


@click.group(short_help="Rebalance DeltaVault hedges when due")
def cli():
    pass


@cli.command(cls=ConnectedProviderCommand, short_help="Run the keeper loop (or one step with --once)")
@network_option()
@account_option()
@click.option("--deployment", "deployment_files", multiple=True, type=click.Path(dir_okay=False),
              help="deployment file(s); default deployments/<chain id>.json")  # fmt: skip
@click.option("--once", is_flag=True, help="one step: read, rebalance if due, wait for the receipt, exit")
@click.option("--max-gas-price", default=None, help="gas-price ceiling, e.g. 30gwei (default: none)")
@click.option(
    "--priority-fee", default=None, help="priority fee, e.g. 1gwei (default: the node's suggestion)"
)
@click.option(
    "--allow-unprofitable", is_flag=True, help="rebalance even when the bounty does not cover the gas"
)
@click.option(
    "--poll-interval", type=float, default=2.0, show_default=True, help="seconds between block checks"
)
@click.option("--quiet", is_flag=True, help="log only actions and errors, not every block's status")
@yes_option()
def run(network, account, deployment_files, once, max_gas_price, priority_fee, allow_unprofitable,
        poll_interval, quiet, yes):  # fmt: skip
    """Every new block: one batched read of every hedger's status, the decision, and at most one rebalance in
    flight (tracked by hash and nonce across RPC outages)."""
    from ape import chain

    from deltavault.keeper import Keeper, KeeperConfig, install_signal_handlers

    deployments = _deployments(deployment_files, chain.chain_id)
    config = KeeperConfig(
        max_gas_price=_gas_price(max_gas_price),
        priority_fee=_gas_price(priority_fee),
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


@cli.command(cls=ConnectedProviderCommand, short_help="Print every hedger's rebalance status")
@network_option()
@click.option("--deployment", "deployment_files", multiple=True, type=click.Path(dir_okay=False),
              help="deployment file(s); default deployments/<chain id>.json")  # fmt: skip
@click.option("--max-gas-price", default=None, help="gas-price ceiling used for the decision column")
def status(network, deployment_files, max_gas_price):
    """One batched read (VaultLens) and the decision the keeper would take now."""
    from ape import chain
    from eth_utils import to_checksum_address

    from deltavault.keeper import Keeper, KeeperConfig, lens_abi

    deployments = _deployments(deployment_files, chain.chain_id)
    keeper = Keeper(
        web3=chain.provider.web3,
        lens=deployments[0]["lens"],
        lens_abi=lens_abi(),
        hedgers=[d["hedger"] for d in deployments],
        sender=to_checksum_address("0x" + "00" * 20),
        sign=lambda tx: (_ for _ in ()).throw(RuntimeError("status does not sign")),
        chain_id=chain.chain_id,
        config=KeeperConfig(max_gas_price=_gas_price(max_gas_price), log_every_block=False),
        log=lambda record: None,
    )
    # A dry tick: decisions without sending (no pending transaction, and `act` rows are only printed).
    keeper._send = lambda hedger, ctx, replace=None: None  # type: ignore[method-assign]
    result = keeper.tick()
    click.echo(f"block {result.block}  time {result.timestamp}  base fee {result.basefee / 1e9:.3f} gwei")
    header = f"{'vault':<44} {'due':<5} {'rule':<10} {'delta':>10} {'target':>8} {'band':>8} {'trade':>10} "
    header += f"{'next allowed':>12} {'bounty':>9} {'gas':>9}  decision"
    click.echo(header)
    for d, view in zip(deployments, result.views, strict=True):
        if not view.ok:
            click.echo(f"{d['vault']:<44} status reverted: {view.error}")
            continue
        s, q = view.status, view.quote_decimals
        click.echo(
            f"{d['vault']:<44} {str(s.due):<5} {s.rule.name.lower():<10} {fmt(s.delta, 18):>10} "
            f"{fmt(s.target, 18, 2):>8} {fmt(s.band, 18):>8} {fmt(s.trade, 18):>10} {s.next_allowed:>12} "
            f"{fmt(view.expected_bounty, q, 2):>9} {fmt(view.gas_cost, q, 2):>9}  {view.decision.reason}"
        )
