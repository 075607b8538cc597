"""The vault's owner role behind a `PolicyTimelock`: install it, read its queue, propose, apply and cancel.

    from deltavault.governance import Timelock

    lock = Timelock.at(record["timelock"])
    for change in lock.queue():
        print(change.kind, change.state(now), change.ready_at, change.summary)
    result = lock.propose_vault_policy(vault.policy().with_(entry_fee_bps=100), sender=admin)

A change that only tightens protection applies at once; one that loosens any field is queued for the
timelock's fixed notice (`delay`), can be cancelled by the guardian or the admin meanwhile, and is applied by
anyone once due, within `GRACE_PERIOD` (then it expires). The contract decides which is which
(`PolicyTimelock.*Rules()`); this module only reads and sends. Bound from the packaged ABI like `Vault`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from enum import IntEnum
from functools import cached_property
from typing import Any

from deltavault import abi as packaged
from deltavault.policy import HedgePolicy, OracleConfig, VaultPolicy
from deltavault.roles import Role
from deltavault.sdk import DeploymentError, ShortLimits, _bind, _Bound, _time

ZERO_ADDRESS = "0x" + "00" * 20


class ChangeKind(IntEnum):
    """`IPolicyTimelock.ChangeKind`."""

    VAULT_POLICY = 0
    ORACLE_CONFIG = 1
    HEDGER_POLICY = 2
    HEDGER = 3
    ROLE = 4
    SHORT_POLICY = 5
    BORROW_VENUE = 6

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


@dataclass(frozen=True)
class QueuedChange:
    """A change waiting in the timelock: what it is, when it can be applied and until when."""

    id: str
    kind: ChangeKind
    ready_at: datetime
    expires_at: datetime
    summary: str

    def state(self, now: datetime) -> str:
        """`waiting` (before `ready_at`), `ready` (anyone may apply it) or `expired` (it can only be cancelled)."""
        if now < self.ready_at:
            return "waiting"
        return "ready" if now <= self.expires_at else "expired"


@dataclass(frozen=True)
class Proposal:
    """What a proposal did: applied at once (it only tightened) or queued until `ready_at`."""

    id: str
    applied: bool
    ready_at: datetime | None
    loosened: str | None


def _input_types(function: str) -> list[str]:
    """The ABI types of `PolicyTimelock.function`'s inputs, tuples spelled out (for decoding queued data)."""

    def spell(item: dict[str, Any]) -> str:
        if item["type"].startswith("tuple"):
            return "(" + ",".join(spell(c) for c in item["components"]) + ")" + item["type"][len("tuple") :]
        return item["type"]

    (abi,) = [a for a in packaged.load("PolicyTimelock") if a.get("name") == function]
    return [spell(i) for i in abi["inputs"]]


_DATA_TYPES = {
    ChangeKind.VAULT_POLICY: _input_types("proposeVaultPolicy"),
    ChangeKind.ORACLE_CONFIG: _input_types("proposeOracleConfig"),
    ChangeKind.HEDGER_POLICY: _input_types("proposeHedgerPolicy"),
    ChangeKind.HEDGER: _input_types("proposeHedger"),
    ChangeKind.ROLE: _input_types("proposeRole"),
    ChangeKind.SHORT_POLICY: _input_types("proposeShortPolicy"),
    ChangeKind.BORROW_VENUE: _input_types("proposeBorrowVenue"),
}
WAD = 10**18
_SHORT_FIELDS = ("target_ltv", "max_ltv", "max_base_owed")


def short_policy_tuple(limits: ShortLimits) -> tuple[int, int, int]:
    """`IDeltaHedger.ShortPolicy` (WAD) from the SDK's human `ShortLimits` (fractions, base tokens)."""
    values = (limits.target_ltv, limits.max_ltv, limits.max_base_owed)
    units = tuple(Decimal(v) * WAD for v in values)
    for name, u in zip(_SHORT_FIELDS, units, strict=True):
        if u != u.to_integral_value() or u < 0:
            raise ValueError(f"{name} {u / WAD} is not a non-negative amount with at most 18 decimals")
    return tuple(int(u) for u in units)  # type: ignore[return-value]


def _short_diff(current: ShortLimits | None, proposed: tuple) -> str:
    new = [Decimal(int(v)) / WAD for v in proposed]
    if current is None:
        return ", ".join(f"{n} {v.normalize():f}" for n, v in zip(_SHORT_FIELDS, new, strict=True))
    old = [current.target_ltv, current.max_ltv, current.max_base_owed]
    changed = [
        f"{n} {a.normalize():f} -> {b.normalize():f}"
        for n, a, b in zip(_SHORT_FIELDS, old, new, strict=True)
        if a != b
    ]
    return ", ".join(changed) or "no field changes"


def _plain(value: Any) -> Any:
    """A field value in a form that compares across the dataclass and the decoded tuple (flags and enums as
    ints, addresses lower-case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    return str(value).lower()


def _field_diff(current: Any, proposed: tuple) -> str:
    """`name old -> new` for every field of `current` (a policy dataclass, or a dict of a struct the package does
    not know) that `proposed` (the struct's tuple) changes."""
    if isinstance(current, dict):
        names, old = list(current), list(current.values())
    else:
        names = [f.name for f in fields(current)]
        old = [getattr(current, name) for name in names]
    if len(names) != len(proposed):
        return f"{len(proposed)} fields (the vault's struct has {len(names)})"
    changed = [
        f"{name} {_plain(a)} -> {_plain(b)}"
        for name, a, b in zip(names, old, proposed, strict=True)
        if _plain(a) != _plain(b)
    ]
    return ", ".join(changed) or "no field changes"


def _role_name(role: bytes) -> str:
    for r in Role:
        if r.value == bytes(role):
            return r.name.lower()
    return "0x" + bytes(role).hex()


def describe(kind: ChangeKind, data: bytes, current: dict[ChangeKind, Any]) -> str:
    """One line for a queued change: the fields it changes against `current` (the policies in force, by kind;
    a hedger policy against the policy of the hedger named in the change)."""
    from eth_abi import decode as abi_decode

    values = abi_decode(_DATA_TYPES[kind], bytes(data))
    if kind == ChangeKind.VAULT_POLICY:
        return _field_diff(current[kind], values[0])
    if kind == ChangeKind.ORACLE_CONFIG:
        return _field_diff(current[kind], values[0])
    if kind == ChangeKind.HEDGER_POLICY:
        hedger, policy = values
        now = current.get(kind, {}).get(hedger.lower())
        what = _field_diff(now, policy) if now is not None else "a policy for a hedger the vault does not use"
        return f"hedger {hedger}: {what}"
    if kind == ChangeKind.HEDGER:
        return f"hedger -> {values[0]}"
    if kind == ChangeKind.SHORT_POLICY:
        hedger, policy = values
        now = current.get(kind, {}).get(hedger.lower())
        return f"short policy of hedger {hedger}: {_short_diff(now, policy)}"
    if kind == ChangeKind.BORROW_VENUE:
        venue = values[0]
        return "borrow venue -> none (short leg off)" if int(venue, 16) == 0 else f"borrow venue -> {venue}"
    role, account, grant = values
    return f"{'grant' if grant else 'revoke'} {_role_name(role)} {'to' if grant else 'from'} {account}"


class Timelock(_Bound):
    """A `PolicyTimelock`: its parties and notice, its queue, and the admin's, guardian's and anyone's actions."""

    def __init__(self, contract: Any):
        self.contract = contract

    @classmethod
    def at(cls, address: str) -> Timelock:
        return cls(_bind("PolicyTimelock", address))

    @cached_property
    def vault_address(self) -> str:
        return self.contract.vault()

    @cached_property
    def admin(self) -> str:
        return self.contract.admin()

    @cached_property
    def guardian(self) -> str:
        return self.contract.guardian()

    @cached_property
    def delay(self) -> int:
        """The notice of a loosening change, seconds."""
        return int(self.contract.delay())

    @cached_property
    def grace_period(self) -> int:
        return int(self.contract.GRACE_PERIOD())

    def holds_owner_role(self) -> bool:
        """Whether the timelock is an owner of its vault (the role it needs to apply anything)."""
        vault = _bind("DeltaVault", self.vault_address)
        return bool(vault.hasRole(Role.OWNER.value, self.address))

    def _current(self) -> dict[ChangeKind, Any]:
        from deltavault.sdk import Hedger, Vault

        vault = Vault.at(self.vault_address)
        hedger = vault.contract.hedger()
        current: dict[ChangeKind, Any] = {
            ChangeKind.VAULT_POLICY: vault.policy(),
            ChangeKind.ORACLE_CONFIG: vault.oracle_config(),
        }
        if hedger != ZERO_ADDRESS:
            current[ChangeKind.HEDGER_POLICY] = {hedger.lower(): Hedger.at(hedger).policy()}
            current[ChangeKind.SHORT_POLICY] = {hedger.lower(): Hedger.at(hedger).short_limits()}
        return current

    def queue(self) -> list[QueuedChange]:
        """Every change queued and neither applied nor cancelled, soonest first, described against the policies
        in force now."""
        current = self._current()
        changes = []
        for raw_id in self.contract.pendingIds():
            c = self.contract.queued(raw_id)
            kind = ChangeKind(int(c.kind))
            ready = int(c.readyAt)
            changes.append(
                QueuedChange(
                    "0x" + bytes(raw_id).hex(),
                    kind,
                    _time(ready),
                    _time(ready + self.grace_period),
                    describe(kind, c.data, current),
                )
            )
        return sorted(changes, key=lambda c: c.ready_at)

    def _proposal(self, receipt: Any) -> Proposal:
        for log in receipt.decode_logs():
            if log.event_name == "ChangeApplied":
                return Proposal("0x" + bytes(log.id).hex(), True, None, None)
            if log.event_name == "ChangeQueued":
                field = bytes(log.field).rstrip(b"\0").decode(errors="replace")
                return Proposal("0x" + bytes(log.id).hex(), False, _time(int(log.readyAt)), field)
        raise DeploymentError(
            f"the proposal in {receipt.txn_hash} emitted neither ChangeApplied nor ChangeQueued"
        )

    def propose_vault_policy(self, policy: VaultPolicy, *, sender: Any, **tx: Any) -> Proposal:
        return self._proposal(self._transact("proposeVaultPolicy", policy.as_tuple(), sender=sender, **tx))

    def propose_oracle_config(self, config: OracleConfig, *, sender: Any, **tx: Any) -> Proposal:
        return self._proposal(self._transact("proposeOracleConfig", config.as_tuple(), sender=sender, **tx))

    def propose_hedger_policy(self, hedger: str, policy: HedgePolicy, *, sender: Any, **tx: Any) -> Proposal:
        receipt = self._transact("proposeHedgerPolicy", hedger, policy.as_tuple(), sender=sender, **tx)
        return self._proposal(receipt)

    def propose_short_policy(self, hedger: str, limits: ShortLimits, *, sender: Any, **tx: Any) -> Proposal:
        """The hedger's short policy: applied at once when no field rises, queued otherwise."""
        policy = short_policy_tuple(limits)
        return self._proposal(self._transact("proposeShortPolicy", hedger, policy, sender=sender, **tx))

    def propose_borrow_venue(self, venue: str, *, sender: Any, **tx: Any) -> Proposal:
        """A new borrow venue (ZERO_ADDRESS: the short leg off): always queued."""
        return self._proposal(self._transact("proposeBorrowVenue", venue, sender=sender, **tx))

    def execute(self, change_id: str, *, sender: Any, **tx: Any) -> Any:
        return self._transact("execute", change_id, sender=sender, **tx)

    def cancel(self, change_id: str, *, sender: Any, **tx: Any) -> Any:
        return self._transact("cancel", change_id, sender=sender, **tx)


def install(vault: Any, *, admin: Any, guardian: str, delay: int, **tx: Any) -> Timelock:
    """Deploys a `PolicyTimelock` for `vault` (an Ape contract of the compiled project), grants it the owner role
    and renounces `admin`'s own owner role, so that every policy change goes through the timelock from now on.
    `admin` (an Ape account holding the owner role) proposes; `guardian` cancels; `delay` is the notice, seconds.
    """
    from ape import project

    if not vault.hasRole(Role.OWNER.value, admin):
        raise DeploymentError(f"{admin.address} is not an owner of the vault {vault.address}")
    lock = admin.deploy(project.PolicyTimelock, vault, admin, guardian, delay, **tx)
    vault.grantRole(Role.OWNER.value, lock, sender=admin, **tx)
    vault.renounceRole(Role.OWNER.value, admin, sender=admin, **tx)
    return Timelock.at(lock.address)
