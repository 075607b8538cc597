"""The vault's owner behind a timelock: install it, see what is queued, propose, apply and cancel changes.

    ape run governance install --delay 2d --guardian 0x... --network ethereum:local:node --account TEST::0
    ape run governance status --network ethereum:local:node
    ape run governance propose vault-policy --set entry_fee_bps=100 --network ethereum:local:node --account TEST::0
    ape run governance execute 0x<id> --network ethereum:local:node --account TEST::5
    ape run governance cancel 0x<id> --network ethereum:local:node --account TEST::0

`install` deploys a `PolicyTimelock`, gives it the vault's owner role and renounces the account's own, so every
later change of the vault policy, oracle configuration, hedger policy, hedger or roles goes through it. A change
that only tightens protection applies at once; one that loosens a field waits the timelock's notice, during
which the guardian (or the admin) can cancel it; anyone applies it once due. The deployment file records the
timelock (`timelock`), and `ape run vault status` shows its queue.
"""

import json
from decimal import Decimal

import click
from ape.cli import account_option, network_option

from deltavault.cli import (
    AccountRef,
    Command,
    DecimalRange,
    Duration,
    PolicyAssignment,
    TokenAmount,
    confirm_broadcast,
    deployment_option,
    json_option,
    load_deployment,
    unlock,
    yes_option,
)
from deltavault.errors import ContractError
from deltavault.policy import HedgePolicy, VaultPolicy

# PolicyTimelock.MIN_DELAY / MAX_DELAY.
MIN_DELAY, MAX_DELAY = 86_400, 7 * 86_400


def _chain_id() -> int:
    from ape import chain

    return chain.chain_id


def _timelock(d: dict):
    from deltavault.governance import Timelock

    if not d.get("timelock"):
        raise click.ClickException(
            "the deployment has no timelock: install one with `ape run governance install --delay 2d`"
        )
    return Timelock.at(d["timelock"])


def _when(t) -> str:
    return t.strftime("%Y-%m-%d %H:%M UTC")


def _days(seconds: int) -> str:
    return f"{seconds / 86_400:g} d"


def _send(description: str, action, **kwargs):
    try:
        result = action(**kwargs)
    except ContractError as err:
        raise click.ClickException(f"{description} reverted: {err.decoded.message}") from None
    return result


@click.group(short_help="The vault's owner behind a timelock: install, status, propose, execute, cancel")
def cli():
    """Put the vault's owner role behind a PolicyTimelock and drive it: loosening changes wait a fixed notice
    that depositors can see (and the guardian can cancel), tightening ones apply at once.

    \b
    Example:
      ape run governance install --delay 2d --network ethereum:local:node --account TEST::0
      ape run governance status --network ethereum:local:node
    """


@cli.command(cls=Command, short_help="Deploy a timelock and hand it the vault's owner role")
@network_option()
@account_option()
@deployment_option()
@click.option("--delay", type=Duration(MIN_DELAY, MAX_DELAY), required=True,
              help="notice of a loosening change, 1d to 7d")  # fmt: skip
@click.option("--guardian", type=AccountRef(), default=None,
              help="who can cancel a queued change (default: the deployment's guardian, else the account)")  # fmt: skip
@yes_option()
def install(network, account, deployment_file, delay, guardian, yes):
    """Deploy a PolicyTimelock for the deployment's vault with the account as its admin, grant it the owner role
    and renounce the account's own owner role; record it in the deployment file. The account must be an owner.

    \b
    Example:
      ape run governance install --delay 2d --guardian 0xabc... --network ethereum:local:node --account TEST::0
    """
    from ape import project

    from deltavault.governance import install as install_timelock
    from deltavault.registry import deployment_path, write_deployment_file
    from deltavault.roles import Role

    d = load_deployment(deployment_file, _chain_id())
    if d.get("timelock"):
        raise click.ClickException(f"the deployment already has a timelock at {d['timelock']}")
    vault = project.DeltaVault.at(d["vault"])
    if not vault.hasRole(Role.OWNER.value, account):
        raise click.ClickException(f"{account.address} is not an owner of the vault {vault.address}")
    guardian = guardian or d.get("guardian") or account.address
    plan = [
        f"deploy PolicyTimelock(vault {vault.address}, admin {account.address}, guardian {guardian}, "
        f"notice {_days(delay)})",
        "grant it the vault's owner role",
        f"renounce the owner role of {account.address} (irreversible: changes then go through the timelock)",
    ]
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    lock = install_timelock(vault, admin=account, guardian=guardian, delay=delay)
    d["timelock"] = lock.address
    path = write_deployment_file(d, deployment_file or deployment_path(d["chainId"]))
    click.echo(
        f"timelock {lock.address}: admin {lock.admin}, guardian {lock.guardian}, notice {_days(lock.delay)}"
    )
    click.echo(f"wrote {path}")


@cli.command(cls=Command, short_help="The timelock, its parties and every queued change")
@network_option()
@deployment_option()
@json_option("the table")
def status(network, deployment_file, as_json):
    """The timelock's admin, guardian and notice, and every queued change with what it changes, when it can be
    applied and until when. Reads only.

    \b
    Example:
      ape run governance status --network ethereum:local:node --json
    """
    from ape import chain

    from deltavault.sdk import _time

    lock = _timelock(load_deployment(deployment_file, _chain_id()))
    now = _time(chain.blocks.head.timestamp)
    queue = lock.queue()
    if as_json:
        click.echo(json.dumps({
            "timelock": lock.address, "vault": lock.vault_address, "admin": lock.admin, "guardian": lock.guardian,
            "delay": lock.delay, "ownsVault": lock.holds_owner_role(),
            "queue": [{"id": c.id, "kind": c.kind.label, "readyAt": c.ready_at.isoformat(),
                       "expiresAt": c.expires_at.isoformat(), "state": c.state(now), "summary": c.summary}
                      for c in queue],
        }, indent=2))  # fmt: skip
        return
    click.echo(f"timelock {lock.address} for vault {lock.vault_address}"
               + ("" if lock.holds_owner_role() else "  (NOT an owner of the vault: nothing can be applied)"))  # fmt: skip
    click.echo(f"  admin {lock.admin}   guardian {lock.guardian}   notice {_days(lock.delay)}")
    if not queue:
        click.echo("  no change queued")
    for c in queue:
        click.echo(f"  {c.id}  {c.kind.label:<13} {c.state(now):<8} ready {_when(c.ready_at)}, "
                   f"expires {_when(c.expires_at)}: {c.summary}")  # fmt: skip


@cli.group(short_help="Propose a change of the vault policy or the hedger policy")
def propose():
    """Propose a policy with some fields changed (`--set name=value`, in the contract's units, repeatable). It
    applies at once when it only tightens protection, otherwise it is queued for the timelock's notice.

    \b
    Example:
      ape run governance propose vault-policy --set entry_fee_bps=100 --account TEST::0
      ape run governance propose hedger-policy --set band=300000000000000000 --account TEST::0
      ape run governance propose short-policy --max-base-owed 100 --account TEST::0
      ape run governance propose borrow-venue 0x... --account TEST::0
    """


def _propose(network, account, deployment_file, sets, yes, *, hedger: bool):
    from deltavault.sdk import Hedger, Vault

    d = load_deployment(deployment_file, _chain_id())
    lock = _timelock(d)
    if account.address != lock.admin:
        raise click.ClickException(
            f"only the timelock's admin {lock.admin} proposes; {account.address} is not it"
        )
    if hedger:
        current = Hedger.at(d["hedger"]).policy()
        kind = "hedger policy"
    else:
        current = Vault.at(d["vault"]).policy()
        kind = "vault policy"
    if not isinstance(current, HedgePolicy | VaultPolicy):
        raise click.ClickException(f"the deployed {kind} has fields this package does not know: update it")
    changes = dict(sets)
    proposed = current.__class__(**{**current.__dict__, **changes})
    plan = [f"propose {kind}: " + ", ".join(f"{k} {getattr(current, k)} -> {v}" for k, v in changes.items())]
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    if hedger:
        result = _send(
            plan[0], lock.propose_hedger_policy, hedger=d["hedger"], policy=proposed, sender=account
        )
    else:
        result = _send(plan[0], lock.propose_vault_policy, policy=proposed, sender=account)
    if result.applied:
        click.echo(f"applied at once (tightens only): {result.id}")
    else:
        click.echo(f"queued {result.id}: {result.loosened} loosens; anyone can apply it from {_when(result.ready_at)}"
                   " (`ape run governance execute ID`)")  # fmt: skip


@propose.command(
    "vault-policy", cls=Command, short_help="Fees, spreads, marks, limits, cut-off, request delay"
)
@network_option()
@account_option()
@deployment_option()
@click.option("--set", "sets", type=PolicyAssignment(VaultPolicy), multiple=True, required=True,
              help="a field and its new value, e.g. entry_fee_bps=100")  # fmt: skip
@yes_option()
def vault_policy(network, account, deployment_file, sets, yes):
    """Propose the vault policy with the given fields changed (names as in `deltavault.policy.VaultPolicy`)."""
    _propose(network, account, deployment_file, sets, yes, hedger=False)


@propose.command("hedger-policy", cls=Command, short_help="Rules, bands, caps, costs and bounty of the hedge")
@network_option()
@account_option()
@deployment_option()
@click.option("--set", "sets", type=PolicyAssignment(HedgePolicy), multiple=True, required=True,
              help="a field and its new value, e.g. band=300000000000000000")  # fmt: skip
@yes_option()
def hedger_policy(network, account, deployment_file, sets, yes):
    """Propose the hedger policy with the given fields changed (names as in `deltavault.policy.HedgePolicy`)."""
    _propose(network, account, deployment_file, sets, yes, hedger=True)


def _admin_timelock(account, deployment_file):
    d = load_deployment(deployment_file, _chain_id())
    lock = _timelock(d)
    if account.address != lock.admin:
        raise click.ClickException(
            f"only the timelock's admin {lock.admin} proposes; {account.address} is not it"
        )
    return d, lock


def _report(result) -> None:
    if result.applied:
        click.echo(f"applied at once (tightens only): {result.id}")
    else:
        click.echo(f"queued {result.id}: {result.loosened} loosens; anyone can apply it from {_when(result.ready_at)}"
                   " (`ape run governance execute ID`)")  # fmt: skip


LTV = DecimalRange(Decimal(0), Decimal(1), min_open=True)


@propose.command(
    "short-policy", cls=Command, short_help="Loan-to-values and cap on base owed of the short leg"
)
@network_option()
@account_option()
@deployment_option()
@click.option(
    "--target-ltv", type=LTV, default=None, help="loan-to-value the short is opened at, e.g. 0.5 or 50%"
)
@click.option("--max-ltv", type=LTV, default=None, help="loan-to-value above which the health rule acts")
@click.option("--max-base-owed", type=TokenAmount(allow_zero=True), default=None,
              help="largest base owed, in base tokens (0 turns the short leg off)")  # fmt: skip
@yes_option()
def short_policy(network, account, deployment_file, target_ltv, max_ltv, max_base_owed, yes):
    """Propose the hedger's short policy with the given fields changed (the others stay). Lower values tighten
    and apply at once; any higher value (the short nearer liquidation, or more base owed) waits the notice.

    
    Example:
      ape run governance propose short-policy --max-ltv 0.55 --max-base-owed 100 --account TEST::0
    """
    from dataclasses import replace

    from deltavault.sdk import Hedger

    d, lock = _admin_timelock(account, deployment_file)
    changes = {k: v for k, v in
               {"target_ltv": target_ltv, "max_ltv": max_ltv, "max_base_owed": max_base_owed}.items()
               if v is not None}  # fmt: skip
    if not changes:
        raise click.ClickException("nothing to propose: give --target-ltv, --max-ltv or --max-base-owed")
    hedger = Hedger.at(d["hedger"])
    current = hedger.short_limits()
    proposed = replace(current, **changes)
    if proposed.target_ltv > proposed.max_ltv:
        raise click.ClickException(
            f"target LTV {proposed.target_ltv} is above the max LTV {proposed.max_ltv}: the hedger refuses it"
        )
    plan = [
        "propose short policy: " + ", ".join(f"{k} {getattr(current, k)} -> {v}" for k, v in changes.items())
    ]
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    _report(_send(plan[0], lock.propose_short_policy, hedger=hedger.address, limits=proposed, sender=account))


@propose.command(
    "borrow-venue", cls=Command, short_help="A new lending market for the short leg (always queued)"
)
@network_option()
@account_option()
@deployment_option()
@click.argument("venue", type=AccountRef())
@yes_option()
def borrow_venue(network, account, deployment_file, venue, yes):
    """Propose VENUE (a borrow venue adapter for this vault; the zero address turns the short leg off) as the
    vault's borrow venue. Always queued for the timelock's notice.

    
    Example:
      ape run governance propose borrow-venue 0xabc... --account TEST::0
    """
    from ape import chain

    d, lock = _admin_timelock(account, deployment_file)
    if int(venue, 16) != 0 and not chain.provider.get_code(venue):
        raise click.ClickException(f"no contract at {venue}: a borrow venue is a deployed adapter")
    plan = [f"propose borrow venue {venue}" + (" (short leg off)" if int(venue, 16) == 0 else "")]
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    _report(_send(plan[0], lock.propose_borrow_venue, venue=venue, sender=account))


def _change_id(ctx, param, value: str) -> str:
    text = value.strip().lower()
    if not text.startswith("0x") or len(text) != 66 or any(ch not in "0123456789abcdef" for ch in text[2:]):
        raise click.BadParameter(
            f"{value!r} is not a change id (0x and 64 hex digits, see `governance status`)"
        )
    return text


@cli.command(cls=Command, short_help="Apply a queued change once it is due (anyone)")
@network_option()
@account_option()
@deployment_option()
@click.argument("change_id", callback=_change_id)
@yes_option()
def execute(network, account, deployment_file, change_id, yes):
    """Apply the queued change CHANGE_ID (see `governance status`) once its notice has passed.

    \b
    Example:
      ape run governance execute 0x3f...9a --network ethereum:local:node --account TEST::5
    """
    from ape import chain

    from deltavault.sdk import _time

    lock = _timelock(load_deployment(deployment_file, _chain_id()))
    queued = {c.id: c for c in lock.queue()}
    if change_id not in queued:
        raise click.ClickException(f"{change_id} is not queued (applied, cancelled or never proposed)")
    change, now = queued[change_id], _time(chain.blocks.head.timestamp)
    if change.state(now) != "ready":
        raise click.ClickException(
            f"{change_id} is {change.state(now)}: it can be applied from {_when(change.ready_at)} until "
            f"{_when(change.expires_at)}"
        )
    plan = [f"apply {change.kind.label}: {change.summary}"]
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    receipt = _send(plan[0], lock.execute, change_id=change_id, sender=account)
    click.echo(f"applied {change_id}: tx {receipt.txn_hash}")


@cli.command(cls=Command, short_help="Cancel a queued change (the guardian or the admin)")
@network_option()
@account_option()
@deployment_option()
@click.argument("change_id", callback=_change_id)
@yes_option()
def cancel(network, account, deployment_file, change_id, yes):
    """Cancel the queued change CHANGE_ID. Only the timelock's guardian or admin may.

    \b
    Example:
      ape run governance cancel 0x3f...9a --network ethereum:local:node --account TEST::0
    """
    lock = _timelock(load_deployment(deployment_file, _chain_id()))
    if account.address not in (lock.guardian, lock.admin):
        raise click.ClickException(f"only the guardian {lock.guardian} or the admin {lock.admin} can cancel")
    queued = {c.id: c for c in lock.queue()}
    if change_id not in queued:
        raise click.ClickException(f"{change_id} is not queued (applied, cancelled or never proposed)")
    plan = [f"cancel {queued[change_id].kind.label}: {queued[change_id].summary}"]
    confirm_broadcast(_chain_id(), plan, yes=yes, sender=account.address)
    unlock(account)
    receipt = _send(plan[0], lock.cancel, change_id=change_id, sender=account)
    click.echo(f"cancelled {change_id}: tx {receipt.txn_hash}")
