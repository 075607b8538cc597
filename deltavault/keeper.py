"""The keeper: watch DeltaHedgers and call `rebalance()` when the vault says one is due and it is worth it.

Two layers, shared by `ape run keeper`, the Silverback bot (`bots/keeper.py`), `make demo` and the tests:

- `decide(...)`: the pure decision (no chain access): given a hedger's status, the gas price, the gas-price
  ceiling, the expected bounty and the expected gas cost, act or not, and why.
- `Keeper`: the loop around it. Per block it makes one batched read (`VaultLens.statuses`, every hedger and the
  block's base fee in a single `eth_call`), decides for each hedger, simulates (`eth_estimateGas`) before sending,
  and tracks the one transaction it has in flight by hash and nonce. It never has two rebalances in flight, and
  a retry after an outage, a dropped transaction or a fee bump reuses the same nonce, so at most one of them can
  land. Connection errors put it into a back-off loop; after reconnecting it first resolves the pending
  transaction (landed, failed, replaced or dropped) and re-reads the status before sending anything.

Log lines are JSON objects, one per line (`{"event": "...", ...}`), written by the `log` callable.
All chain I/O goes through a web3 instance (HTTP), so a node that disappears and comes back needs no reconnect
call; websockets/IPC are not supported.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from eth_utils import keccak, to_checksum_address

from deltavault.errors import decode, explain, replay_receipt
from deltavault.errors import revert_data as error_data
from deltavault.policy import Blocked, Rule

WAD = 10**18
BPS = 10_000
# DeltaHedger.BOUNTY_GAS_OVERHEAD: gas the hedger adds to its measured section when pricing the bounty.
BOUNTY_GAS_OVERHEAD = 60_000
# Gas of a rebalance transaction outside the hedger's measured section (intrinsic cost, calldata, payment).
TX_GAS_OVERHEAD = 60_000
# Intrinsic gas of a rebalance() transaction (21,000 plus its 4 bytes of calldata), outside the hedger's measured
# section: the bounty is paid on the measured section only.
TX_INTRINSIC_GAS = 21_000 + 4 * 16

REBALANCE_SELECTOR = keccak(text="rebalance()")[:4]
REBALANCED_TOPIC = keccak(text="Rebalanced(address,uint8,int256,int256,uint256,uint256,uint256,uint256)")
# The health rule's collateral action (no trade): `CollateralPosted(caller, assets, ltvBefore, bounty)`.
COLLATERAL_POSTED_TOPIC = keccak(text="CollateralPosted(address,uint256,uint256,uint256)")


# ---------------------------------------------------------------------------------------------------------
# Pure decision
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HedgeStatus:
    """`IDeltaHedger.Status`: deltas, band and trade in WAD of base; `next_allowed` in seconds."""

    due: bool
    rule: Rule
    delta: int
    target: int
    band: int
    trade: int
    next_allowed: int
    collateral_in: int = 0  # quote units the health rule would post (no trade then)
    ltv: int = 0  # the short's loan-to-value, WAD (0 without debt)
    blocked: Blocked = Blocked.NONE

    @classmethod
    def from_tuple(cls, value: Sequence[Any]) -> HedgeStatus:
        due, rule, delta, target, band, trade, next_allowed, *short = value
        collateral_in, ltv, blocked = short or (0, 0, 0)
        return cls(
            bool(due), Rule(int(rule)), int(delta), int(target), int(band), int(trade), int(next_allowed),
            int(collateral_in), int(ltv), Blocked(int(blocked)),
        )  # fmt: skip

    @property
    def deviation(self) -> int:
        """|delta - target|, WAD of base."""
        return abs(self.delta - self.target)


MAX_UINT = 2**256 - 1
VENUE_STATUS = ("active", "no-liquidity", "oracle-unavailable", "paused")  # IBorrowVenue.Status


@dataclass(frozen=True)
class ShortView:
    """`VaultLens.ShortPosition`: the short hedge on the vault's borrow venue. `base_owed`, `ltv`,
    `health_factor`, `liquidation_price` and `lltv` in WAD (base; fractions; quote per base), `collateral` in
    quote units; the health figures are None when the venue could not price them (or there is no debt)."""

    venue: str
    venue_status: str
    base_owed: int
    collateral: int
    ltv: int | None
    health_factor: int | None
    liquidation_price: int | None
    lltv: int

    @classmethod
    def from_tuple(cls, value: Sequence[Any]) -> ShortView | None:
        venue, status, owed, collateral, health_ok, ltv, health_factor, liquidation_price, lltv = value
        if int(venue, 16) == 0:
            return None
        no_debt = int(owed) == 0
        return cls(
            to_checksum_address(venue), VENUE_STATUS[int(status)], int(owed), int(collateral),
            int(ltv) if health_ok else None,
            None if no_debt or not health_ok else int(health_factor),
            None if no_debt or not health_ok else int(liquidation_price),
            int(lltv),
        )  # fmt: skip

    def as_log(self, quote_decimals: int) -> dict[str, Any]:
        """Human units for logs and `keeper status --json` (strings, exact)."""
        from decimal import Decimal

        def wad(x: int | None) -> str | None:
            return None if x is None else str(Decimal(x) / WAD)

        return {
            "venue": self.venue,
            "venue_status": self.venue_status,
            "base_owed": wad(self.base_owed),
            "collateral": str(Decimal(self.collateral).scaleb(-quote_decimals)),
            "ltv": wad(self.ltv),
            "health_factor": wad(self.health_factor),
            "liquidation_price": wad(self.liquidation_price),
            "lltv": wad(self.lltv),
        }


@dataclass(frozen=True)
class Decision:
    """Whether to send a rebalance now; `reason` starts with a stable slug (`due`, `not-due`, `cooldown`,
    `no-trade`, `gas-price-above-ceiling`, `unprofitable`) followed by the numbers behind it."""

    act: bool
    reason: str

    @property
    def slug(self) -> str:
        return self.reason.split(":", 1)[0]


# What each `Blocked` value means for an operator (the `short_blocked` log line and `keeper status`).
BLOCKED_MESSAGES = {
    Blocked.NONE: "the short leg can act",
    Blocked.NO_LIQUIDITY: "the lending market has no liquidity left: the short is not grown until lenders return",
    Blocked.VENUE_ORACLE_UNAVAILABLE: "the lending market's oracle cannot be read: no borrowing or withdrawal",
    Blocked.VENUE_PAUSED: "the lending market is paused: the short is not grown",
    Blocked.SHORT_CAP_REACHED: "base owed is at the short policy's maxBaseOwed: sales are capped there",
    Blocked.HEALTH_UNFIXABLE: "the short's LTV is above maxLtv with no free quote to post or to buy base back",
}


def _wad(x: int) -> str:
    return f"{x / WAD:.4f}"


def decide(
    status: HedgeStatus,
    *,
    gas_price: int,
    max_gas_price: int | None,
    expected_bounty: int,
    gas_cost: int,
    now: int | None = None,
    require_profit: bool = True,
    min_profit: int = 0,
) -> Decision:
    """The keeper's decision for one hedger.

    `gas_price` and `max_gas_price` in wei (None: no ceiling); `expected_bounty`, `gas_cost` and `min_profit` in
    the same unit (the vault's quote units in `Keeper`). With `require_profit`, act only when the bounty covers
    the gas by at least `min_profit`; an operator keeping its own vault in band sets it False.
    """
    if not status.due:
        if status.rule == Rule.NONE:
            return Decision(
                False, f"not-due: |delta-target| {_wad(status.deviation)} <= band {_wad(status.band)}"
            )
        if now is not None and now < status.next_allowed:
            return Decision(
                False, f"cooldown: rule {status.rule.name.lower()} fires, allowed at {status.next_allowed}"
            )
        if status.blocked != Blocked.NONE:
            return Decision(
                False, f"blocked: rule {status.rule.name.lower()} fires, {status.blocked.name.lower()}"
            )
        return Decision(False, f"no-trade: rule {status.rule.name.lower()} fires but no trade is possible")
    if max_gas_price is not None and gas_price > max_gas_price:
        return Decision(False, f"gas-price-above-ceiling: {gas_price} > {max_gas_price} wei")
    if require_profit and expected_bounty - gas_cost < min_profit:
        return Decision(False, f"unprofitable: bounty {expected_bounty} - gas {gas_cost} < {min_profit}")
    if status.collateral_in:
        return Decision(
            True, f"due: rule health ltv {_wad(status.ltv)}, post collateral {status.collateral_in}"
        )
    if status.rule == Rule.HEALTH:
        return Decision(
            True, f"due: rule health ltv {_wad(status.ltv)}, buy base and repay, trade {_wad(status.trade)}"
        )
    return Decision(
        True,
        f"due: rule {status.rule.name.lower()} |delta-target| {_wad(status.deviation)} > band "
        f"{_wad(status.band)}, trade {_wad(status.trade)}",
    )


def expected_bounty(
    *,
    gas: int,
    basefee: int,
    spot: int,
    quote_decimals: int,
    multiplier_bps: int,
    cap: int,
    tx_gas_price: int | None = None,
) -> int:
    """The hedger's bounty (`DeltaHedger._bounty`) for `gas` measured gas at `basefee`, in quote units.

    With `tx_gas_price` (what the transaction pays per gas), the gas is priced at the lower of it and
    `basefee x multiplier`: the hedger pays a keeper at most the gas price it actually paid."""
    price = basefee * multiplier_bps // BPS
    if tx_gas_price is not None:
        price = min(price, tx_gas_price)
    bounty = (gas + BOUNTY_GAS_OVERHEAD) * price * spot // 10 ** (36 - quote_decimals)
    return min(bounty, cap)


def gas_cost_in_quote(*, gas: int, gas_price: int, spot: int, quote_decimals: int) -> int:
    """What `gas` at `gas_price` costs in quote units (the base asset is the gas token), rounded up."""
    return -((-gas * gas_price * spot) // 10 ** (36 - quote_decimals))


# ---------------------------------------------------------------------------------------------------------
# Loop
# ---------------------------------------------------------------------------------------------------------


def _transient_types() -> tuple[type[BaseException], ...]:
    import requests
    from web3.exceptions import (
        BadResponseFormat,
        CannotHandleRequest,
        MultipleFailedRequests,
        ProviderConnectionError,
        RequestTimedOut,
        TimeExhausted,
        TooManyRequests,
    )

    types: tuple[type[BaseException], ...] = (
        requests.RequestException,
        ConnectionError,
        TimeoutError,
        CannotHandleRequest,  # web3's AutoProvider (Ape's node provider) when the node does not answer
        ProviderConnectionError,
        TimeExhausted,
        TooManyRequests,
        RequestTimedOut,
        MultipleFailedRequests,
        BadResponseFormat,  # a proxy or load balancer answering HTML while the node is away
    )
    try:
        from ape.exceptions import ProviderNotConnectedError, RPCTimeoutError

        types += (ProviderNotConnectedError, RPCTimeoutError)
    except ImportError:  # pragma: no cover - Ape is a dependency
        pass
    return types


# JSON-RPC errors a node or a hosted RPC returns while overloaded or syncing: worth a retry, unlike a revert
# or a rejected transaction.
_TRANSIENT_RPC_MESSAGES = (
    "rate limit", "too many requests", "429", "header not found", "timeout", "timed out", "try again",
    "temporarily unavailable", "service unavailable", "502", "503", "504", "connection",
    "request limit", "capacity", "backend", "unknown block",
)  # fmt: skip
_TRANSIENT_RPC_CODES = {-32005, -32603, 429}


def is_transient(err: BaseException) -> bool:
    """True for errors that mean "the RPC is unavailable right now" (the keeper backs off and retries), false for
    answers about the request itself (a revert, a rejected transaction)."""
    from web3.exceptions import ContractLogicError, Web3RPCError

    if isinstance(err, ContractLogicError):
        return False
    if isinstance(err, _transient_types()):
        return True
    if isinstance(err, Web3RPCError):
        rpc = getattr(err, "rpc_response", None) or {}
        error = rpc.get("error") if isinstance(rpc, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        text = str(err).lower()
        if code in _TRANSIENT_RPC_CODES and "revert" not in text:
            return True
        return any(m in text for m in _TRANSIENT_RPC_MESSAGES) and "revert" not in text
    cause = err.__cause__ or err.__context__
    return cause is not None and cause is not err and is_transient(cause)


def json_logger(stream=None) -> Callable[[dict[str, Any]], None]:
    """A `log` callable writing one JSON object per line (with a UTC time stamp) to `stream` (stdout)."""

    def log(record: dict[str, Any]) -> None:
        line = {"ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **record}
        print(json.dumps(line, default=str), file=stream or sys.stdout, flush=True)

    return log


@dataclass
class KeeperConfig:
    """Knobs of the loop. Gas prices in wei; `min_profit` in quote units; times in seconds."""

    max_gas_price: int | None = None
    priority_fee: int | None = None  # None: the node's eth_maxPriorityFeePerGas
    require_profit: bool = True
    min_profit: int = 0
    gas_margin_bps: int = 2_500  # gas limit = estimate * (1 + margin)
    poll_interval: float = 1.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    stuck_blocks: int = 12  # bump the fee of an unmined transaction (same nonce) after this many blocks
    fee_bump_bps: int = 1_250  # nodes require >= 10 % to replace
    failure_cooldown_blocks: int = 3  # after a failed or rejected transaction, wait this many blocks
    receipt_timeout: float = 120.0  # --once: how long to wait for the receipt
    log_every_block: bool = True
    # The keeper's other duties, sent when no rebalance is: settle expired series, fulfil due deposit and
    # redeem requests (neither pays a bounty; the gas-price ceiling applies).
    duties: bool = True


@dataclass
class PendingTx:
    hedger: str
    tx_hash: str
    nonce: int
    sent_block: int
    max_fee: int
    priority_fee: int
    gas_limit: int
    nonce_used_seen: tuple[int, float] | None = None  # (block, monotonic time) the nonce was first seen mined
    data: bytes = REBALANCE_SELECTOR  # the call: `rebalance()`, or a duty's calldata
    duty: str | None = None  # "settle", "fulfilDeposit" or "fulfilRedeem"; None for a rebalance


@dataclass
class Rebalance:
    """A rebalance this keeper landed (from the receipt and the hedger's `Rebalanced` event)."""

    hedger: str
    tx_hash: str
    block: int
    gas_used: int
    effective_gas_price: int
    rule: Rule
    delta_before: int
    delta_after: int
    bounty: int
    collateral_posted: int = 0  # quote units posted by the health rule (then no trade)
    ltv_before: int = 0  # the short's loan-to-value before a health action, WAD


@dataclass
class HedgerView:
    """One hedger as read in one block (lens entry + the decision taken)."""

    hedger: str
    ok: bool
    status: HedgeStatus | None
    spot: int
    quote_decimals: int
    expected_bounty: int = 0
    gas_cost: int = 0
    decision: Decision | None = None
    error: str | None = None
    short: ShortView | None = None  # None without a borrow venue

    @property
    def blocked(self) -> Blocked:
        return self.status.blocked if self.status is not None else Blocked.NONE


@dataclass
class TickResult:
    block: int
    timestamp: int
    basefee: int
    gas_price: int
    views: list[HedgerView] = field(default_factory=list)
    sent: str | None = None  # hash of a transaction sent in this tick


Signer = Callable[[dict[str, Any]], tuple[bytes, str]]


class Keeper:
    """Keeps one or more DeltaHedgers in band from one account. See the module docstring."""

    def __init__(
        self,
        *,
        web3: Any,
        lens: str,
        lens_abi: list[dict],
        hedgers: Iterable[str],
        sender: str,
        sign: Signer,
        chain_id: int,
        config: KeeperConfig | None = None,
        log: Callable[[dict[str, Any]], None] | None = None,
    ):
        self.web3 = web3
        self.lens = web3.eth.contract(address=to_checksum_address(lens), abi=lens_abi)
        self.hedgers = [to_checksum_address(h) for h in hedgers]
        self.sender = to_checksum_address(sender)
        self.sign = sign
        self.chain_id = int(chain_id)
        self.config = config or KeeperConfig()
        self.log = log or json_logger()
        self.pending: PendingTx | None = None
        self.rebalances: list[Rebalance] = []
        self.sent: list[str] = []  # every transaction hash this keeper broadcast (replacements included)
        self.last_block: int | None = None
        self._quiet_until_block = -1
        self._down = False
        self._bounty_params: dict[str, tuple[int, int, int]] = {}
        self._suggested_priority: tuple[int | None, int] | None = None
        self.last_block_seen: int | None = None
        self.dry_run = False  # decide but never send (the `keeper status` command)
        self.duties_done: list[dict[str, Any]] = []  # settlements and fulfilments this keeper landed
        self._duty_state: dict[str, _DutyState] = {}
        self._blocked: dict[str, Blocked] = {}  # the short leg's last `blocked` per hedger (logged on change)

    # ------------------------------------------------------------------ construction from Ape objects

    @classmethod
    def from_deployments(
        cls,
        deployments: Sequence[dict[str, Any]],
        account: Any,
        *,
        web3: Any = None,
        config: KeeperConfig | None = None,
        log: Callable[[dict[str, Any]], None] | None = None,
    ) -> Keeper:
        """A keeper for the hedgers of `deployments` (registry dicts), signing with an Ape account.

        `web3` defaults to the connected Ape provider's; tests pass one pointed elsewhere (e.g. a proxy).
        """
        from ape import chain

        if not deployments:
            raise ValueError("no deployment given")
        lenses = {d.get("lens") for d in deployments}
        if None in lenses:
            raise ValueError(
                "a deployment has no `lens`; redeploy with `ape run deploy` (it deploys VaultLens)"
            )
        web3 = web3 or chain.provider.web3
        return cls(
            web3=web3,
            lens=sorted(lenses)[0],
            lens_abi=lens_abi(),
            hedgers=[d["hedger"] for d in deployments],
            sender=account.address,
            sign=ape_signer(account),
            chain_id=int(deployments[0]["chainId"]),
            config=config,
            log=log,
        )

    # ------------------------------------------------------------------ one block

    def read(self, block: int | str = "latest") -> tuple[dict[str, int], list[HedgerView]]:
        """One batched read: the block context and every hedger's view (without decisions)."""
        context, entries = self.lens.functions.statuses(self.hedgers).call(block_identifier=block)
        ctx = {"block": int(context[0]), "timestamp": int(context[1]), "basefee": int(context[2])}
        views = []
        for hedger, ok, status, spot, quote_decimals, _gas, _mult, _cap, revert_data, short in entries:
            views.append(
                HedgerView(
                    hedger=to_checksum_address(hedger),
                    ok=bool(ok),
                    status=HedgeStatus.from_tuple(status) if ok else None,
                    spot=int(spot),
                    quote_decimals=int(quote_decimals),
                    error=None if ok else "0x" + bytes(revert_data).hex(),
                    short=ShortView.from_tuple(short),
                )
            )
        # Keep the bounty parameters next to the views for the decision.
        self._bounty_params = {to_checksum_address(e[0]): (int(e[5]), int(e[6]), int(e[7])) for e in entries}
        return ctx, views

    def tick(self, block_number: int | None = None) -> TickResult | None:
        """Process the latest block (or `block_number`) once; None when that block was already processed.

        Raises the RPC's connection errors (the caller backs off; see `run`).
        """
        block = int(block_number if block_number is not None else self.web3.eth.block_number)
        if block == self.last_block:
            return None
        if self.pending is not None:
            self._resolve_pending(block)
        ctx, views = self.read(block)
        self.last_block_seen = block
        # The fee a rebalance sent now pays per gas: the base fee plus the priority fee (the node's suggestion
        # unless configured), read only when some hedger is due.
        due = any(v.ok and v.status.due for v in views)
        priority = self._priority_fee() if due else (self.config.priority_fee or 0)
        gas_price = ctx["basefee"] + priority
        if self.config.max_gas_price is not None and due and ctx["basefee"] <= self.config.max_gas_price:
            gas_price = min(gas_price, self.config.max_gas_price)  # the send caps its fee at the ceiling
        result = TickResult(ctx["block"], ctx["timestamp"], ctx["basefee"], gas_price, views)
        for view in views:
            if not view.ok:
                decoded = decode(view.error)
                view.decision = Decision(
                    False, f"status-reverted: {decoded.message if decoded else view.error}"
                )
                self._log_status(result, view)
                continue
            gas, multiplier, cap = self._bounty_params[view.hedger]
            view.expected_bounty = expected_bounty(
                gas=gas,
                basefee=ctx["basefee"],
                spot=view.spot,
                quote_decimals=view.quote_decimals,
                multiplier_bps=multiplier,
                cap=cap,
                tx_gas_price=gas_price,
            )
            view.gas_cost = gas_cost_in_quote(
                gas=gas + TX_GAS_OVERHEAD,
                gas_price=gas_price,
                spot=view.spot,
                quote_decimals=view.quote_decimals,
            )
            view.decision = decide(
                view.status,
                gas_price=gas_price,
                max_gas_price=self.config.max_gas_price,
                expected_bounty=view.expected_bounty,
                gas_cost=view.gas_cost,
                now=ctx["timestamp"],
                require_profit=self.config.require_profit,
                min_profit=self.config.min_profit,
            )
            self._log_status(result, view)
            if not view.decision.act or result.sent is not None:
                continue
            if self.dry_run:
                continue
            if self.pending is not None:
                self.log({"event": "wait_pending", "hedger": view.hedger, "tx": self.pending.tx_hash})
            elif block < self._quiet_until_block:
                self.log(
                    {"event": "cooling_down", "hedger": view.hedger, "until_block": self._quiet_until_block}
                )
            else:
                result.sent = self._send(view.hedger, ctx, view=view)
        if (
            result.sent is None
            and self.pending is None
            and self.config.duties
            and not self.dry_run
            and block >= self._quiet_until_block
            and (self.config.max_gas_price is None or ctx["basefee"] <= self.config.max_gas_price)
        ):
            result.sent = self._send_duty(ctx)
        self.last_block = block
        return result

    # ------------------------------------------------------------------ duties besides rebalancing

    def due_duties(self, block: int | str = "latest") -> list[dict[str, Any]]:
        """The settlements and request fulfilments due now, for every hedger's vault (read only)."""
        from deltavault import requests

        work: list[dict[str, Any]] = []
        for hedger in self.hedgers:
            state = self._duties_of(hedger)
            now = int(self.web3.eth.get_block(block)["timestamp"])
            head = int(self.web3.eth.block_number) if block == "latest" else int(block)
            state.scan(head)
            price_feed = _Calls(state.price_feed(), block)
            vol_feed = state.vol_feed()
            for s in requests.due_settlements(_Calls(state.vault, block), price_feed, now):
                work.append({"duty": "settle", "to": state.vault.address, "args": [s.series_id, s.round_id],
                             "contract": state.vault, "series": s.series_id})  # fmt: skip
            due = requests.due_requests(_Calls(state.queue, block), state.controllers, now, price_feed,
                                        None if vol_feed is None else _Calls(vol_feed, block))  # fmt: skip
            for r in due:
                name = "fulfilDeposit" if r.is_deposit else "fulfilRedeem"
                work.append({"duty": name, "to": state.queue.address, "contract": state.queue,
                             "args": [r.controller, r.price_round, r.vol_round], "controller": r.controller})  # fmt: skip
        return work

    def _duties_of(self, hedger: str) -> _DutyState:
        if hedger not in self._duty_state:
            self._duty_state[hedger] = _DutyState(self.web3, hedger)
        return self._duty_state[hedger]

    def _send_duty(self, ctx: dict[str, int]) -> str | None:
        try:
            work = self.due_duties(ctx["block"])
        except Exception as err:
            if is_transient(err):
                raise
            self.log({"event": "duties_unreadable", "error": explain(err)})
            return None
        if not work:
            return None
        first = work[0]
        data = first["contract"].encode_abi(first["duty"], args=first["args"])
        data = bytes.fromhex(data[2:] if data.startswith("0x") else data)
        self.log({"event": "duty_due", "duty": first["duty"], "to": first["to"],
                  "args": [str(a) for a in first["args"]], "pending_duties": len(work)})  # fmt: skip
        return self._send(first["to"], ctx, data=data, duty=first["duty"])

    def _log_status(self, result: TickResult, view: HedgerView) -> None:
        self._log_blocked(result, view)
        if not (self.config.log_every_block or (view.decision and view.decision.act)):
            return
        s = view.status
        record = {
            "event": "status",
            "block": result.block,
            "hedger": view.hedger,
            "due": s.due if s else None,
            "rule": s.rule.name.lower() if s else None,
            "delta": s.delta if s else None,
            "band": s.band if s else None,
            "trade": s.trade if s else None,
            "gas_price": result.gas_price,
            "bounty": view.expected_bounty,
            "gas_cost": view.gas_cost,
            "act": view.decision.act if view.decision else False,
            "reason": view.decision.reason if view.decision else None,
        }
        if view.short is not None:
            record["blocked"] = view.blocked.name.lower()
            record["collateral_in"] = s.collateral_in if s else None
            record["short"] = view.short.as_log(view.quote_decimals)
        self.log(record)

    def _log_blocked(self, result: TickResult, view: HedgerView) -> None:
        """One `short_blocked` line when the short leg becomes blocked (no liquidity, venue oracle down, venue
        paused, cap reached, health unfixable) and one `short_unblocked` when it clears: logged on the change,
        whatever `log_every_block` says, never repeated every block and never a transaction."""
        if view.status is None:
            return
        before = self._blocked.get(view.hedger, Blocked.NONE)
        now = view.blocked
        if now == before:
            return
        self._blocked[view.hedger] = now
        record: dict[str, Any] = {"block": result.block, "hedger": view.hedger}
        if now == Blocked.NONE:
            self.log({"event": "short_unblocked", **record, "was": before.name.lower()})
            return
        self.log({"event": "short_blocked", **record, "blocked": now.name.lower(),
                  "rule": view.status.rule.name.lower(), "due": view.status.due,
                  "message": BLOCKED_MESSAGES[now],
                  "short": view.short.as_log(view.quote_decimals) if view.short else None})  # fmt: skip

    # ------------------------------------------------------------------ sending

    def _priority_fee(self) -> int:
        """The priority fee a transaction sent now would pay: the configured one, else the node's suggestion
        (read once per block)."""
        if self.config.priority_fee is not None:
            return self.config.priority_fee
        block = self.last_block_seen
        if self._suggested_priority is None or self._suggested_priority[0] != block:
            self._suggested_priority = (block, int(self.web3.eth.max_priority_fee))
        return self._suggested_priority[1]

    def _send(
        self,
        hedger: str,
        ctx: dict[str, int],
        *,
        replace: PendingTx | None = None,
        view: HedgerView | None = None,
        data: bytes | None = None,
        duty: str | None = None,
    ) -> str | None:
        eth = self.web3.eth
        if replace is not None:
            data, duty = replace.data, replace.duty
        data = REBALANCE_SELECTOR if data is None else data
        call = {"from": self.sender, "to": hedger, "data": "0x" + data.hex()}
        try:
            estimate = eth.estimate_gas(call)
        except Exception as err:
            if is_transient(err):
                raise
            # The node's simulation reverted: do not spend gas on it.
            data = error_data(err)
            self.log({"event": "simulation_reverted", "hedger": hedger, "error": explain(err),
                      "revert_data": "0x" + data.hex() if data else None})  # fmt: skip
            self._quiet_until_block = ctx["block"] + self.config.failure_cooldown_blocks
            return None
        gas_limit = estimate * (BPS + self.config.gas_margin_bps) // BPS
        priority = self._priority_fee() if replace is None else self.config.priority_fee
        if priority is None:
            priority = int(eth.max_priority_fee)
        if replace is None and self.config.require_profit and view is not None and duty is None:
            # The simulation measured the gas: price the bounty the hedger would pay for it (its measured
            # section is the transaction less the intrinsic gas) against what the transaction would pay
            # (base fee plus priority fee), both capped as the contract and the ceiling cap them.
            paid_price = ctx["basefee"] + priority
            if self.config.max_gas_price is not None:
                paid_price = min(paid_price, self.config.max_gas_price)
            gas, multiplier, cap = self._bounty_params[hedger]
            bounty = expected_bounty(gas=max(estimate - TX_INTRINSIC_GAS, 0), basefee=ctx["basefee"],
                                     spot=view.spot, quote_decimals=view.quote_decimals,
                                     multiplier_bps=multiplier, cap=cap, tx_gas_price=paid_price)  # fmt: skip
            cost = gas_cost_in_quote(gas=estimate, gas_price=paid_price, spot=view.spot,
                                     quote_decimals=view.quote_decimals)  # fmt: skip
            if bounty - cost < self.config.min_profit:
                self.log({"event": "unprofitable_after_simulation", "hedger": hedger, "gas": estimate,
                          "bounty": bounty, "gas_cost": cost, "gas_price": paid_price})  # fmt: skip
                return None
        max_fee = 2 * ctx["basefee"] + priority
        if replace is not None:
            bump = BPS + self.config.fee_bump_bps
            priority = max(priority, -(-replace.priority_fee * bump // BPS))
            max_fee = max(max_fee, -(-replace.max_fee * bump // BPS))
        if self.config.max_gas_price is not None:
            max_fee = min(max_fee, self.config.max_gas_price)
            priority = min(priority, max_fee)
        if max_fee < ctx["basefee"] + (0 if replace is None else 1):
            self.log({"event": "fee_cap_below_basefee", "hedger": hedger, "max_fee": max_fee})
            return None
        nonce = replace.nonce if replace is not None else eth.get_transaction_count(self.sender, "pending")
        tx = {
            "chainId": self.chain_id,
            "nonce": nonce,
            "to": hedger,
            "data": data,
            "value": 0,
            "gas": gas_limit,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": priority,
            "type": 2,
        }
        raw, tx_hash = self.sign(tx)
        # Recorded before the broadcast: if the connection drops now, the next tick finds out what happened.
        self.pending = PendingTx(
            hedger, tx_hash, nonce, ctx["block"], max_fee, priority, gas_limit, data=data, duty=duty
        )
        self.sent.append(tx_hash)
        event = "tx_replacing" if replace is not None else "tx_sending"
        self.log({"event": event, "hedger": hedger, "tx": tx_hash, "nonce": nonce, "block": ctx["block"],
                  "gas_limit": gas_limit, "max_fee": max_fee, "priority_fee": priority})  # fmt: skip
        try:
            node_hash = "0x" + bytes(eth.send_raw_transaction(raw)).hex()
        except Exception as err:
            if is_transient(err):
                raise
            text = explain(err)
            if "already known" in text.lower():
                return tx_hash
            # Rejected by the node (nonce too low, underpriced, ...): resolve against the chain next block.
            self.log({"event": "tx_rejected", "hedger": hedger, "tx": tx_hash, "error": text})
            self._quiet_until_block = ctx["block"] + self.config.failure_cooldown_blocks
            return None
        if node_hash != tx_hash:
            self.log({"event": "tx_hash_mismatch", "computed": tx_hash, "node": node_hash})
            self.pending.tx_hash = self.sent[-1] = tx_hash = node_hash
        self.log({"event": "tx_sent", "hedger": hedger, "tx": tx_hash, "nonce": nonce})
        return tx_hash

    def _resolve_pending(self, block: int) -> None:
        """Find out what became of the transaction in flight: landed, failed, replaced, dropped or stuck."""
        from web3.exceptions import TransactionNotFound

        p = self.pending
        assert p is not None
        eth = self.web3.eth
        try:
            receipt = eth.get_transaction_receipt(p.tx_hash)
        except TransactionNotFound:
            receipt = None
        if receipt is not None:
            self.pending = None
            if receipt["status"] == 1:
                self._record_landed(p, receipt)
            else:
                try:
                    why = replay_receipt(self.web3, receipt)
                except Exception as err:
                    if is_transient(err):
                        raise
                    why = None
                self.log({"event": "tx_failed", "hedger": p.hedger, "tx": p.tx_hash,
                          "block": receipt["blockNumber"], "gas_used": receipt["gasUsed"],
                          "error": why.message if why else "reverted without data (out of gas?)"})  # fmt: skip
                self._quiet_until_block = block + self.config.failure_cooldown_blocks
            return
        mined_nonce = eth.get_transaction_count(self.sender, "latest")
        if mined_nonce > p.nonce:
            # Our nonce is used but our receipt is not there. Nodes may index the receipt a moment after the
            # nonce moves (anvil's automine, load-balanced RPCs): decide "replaced" only a block or 2 s later.
            if p.nonce_used_seen is None:
                p.nonce_used_seen = (block, time.monotonic())
                return
            seen_block, seen_at = p.nonce_used_seen
            if block == seen_block and time.monotonic() - seen_at < 2.0:
                return
            # Another transaction with our nonce was mined (e.g. sped up or cancelled from a wallet).
            self.pending = None
            self.log({"event": "tx_replaced", "hedger": p.hedger, "tx": p.tx_hash, "nonce": p.nonce})
            return
        try:
            known = eth.get_transaction(p.tx_hash)
        except TransactionNotFound:
            known = None
        if known is None:
            # The node does not have it (restarted without its mempool, or evicted). Nothing with this nonce was
            # mined, so the next send reuses the nonce after re-reading the status: at most one can land.
            self.pending = None
            self.log({"event": "tx_dropped", "hedger": p.hedger, "tx": p.tx_hash, "nonce": p.nonce})
            return
        if block - p.sent_block >= self.config.stuck_blocks:
            ctx, views = self.read(block)
            if p.duty is not None:
                self._send(p.hedger, ctx, replace=p)
                return
            view = next((v for v in views if v.hedger == p.hedger), None)
            if view is None or not view.ok or not view.status.due:
                return  # keep waiting: a replacement would revert anyway
            self._send(p.hedger, ctx, replace=p)

    def _record_landed(self, p: PendingTx, receipt: Any) -> None:
        if p.duty is not None:
            done = {"duty": p.duty, "to": p.hedger, "tx": p.tx_hash, "block": int(receipt["blockNumber"]),
                    "gas_used": int(receipt["gasUsed"])}  # fmt: skip
            self.duties_done.append(done)
            self.log({"event": "duty_landed", **done})
            return
        landed = Rebalance(
            hedger=p.hedger,
            tx_hash=p.tx_hash,
            block=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
            effective_gas_price=int(receipt.get("effectiveGasPrice", 0)),
            rule=Rule.NONE,
            delta_before=0,
            delta_after=0,
            bounty=0,
        )
        from eth_abi import decode

        for entry in receipt["logs"]:
            topics = entry["topics"]
            if topics and bytes(topics[0]) == REBALANCED_TOPIC and entry["address"] == p.hedger:
                rule, before, after, _in, _out, _price, bounty = decode(
                    ["uint8", "int256", "int256", "uint256", "uint256", "uint256", "uint256"],
                    bytes(entry["data"]),
                )
                landed.rule, landed.delta_before, landed.delta_after, landed.bounty = (
                    Rule(rule),
                    before,
                    after,
                    bounty,
                )
            elif topics and bytes(topics[0]) == COLLATERAL_POSTED_TOPIC and entry["address"] == p.hedger:
                assets, ltv_before, bounty = decode(["uint256"] * 3, bytes(entry["data"]))
                landed.rule, landed.collateral_posted, landed.ltv_before, landed.bounty = (
                    Rule.HEALTH,
                    assets,
                    ltv_before,
                    bounty,
                )
        self.rebalances.append(landed)
        record = asdict(landed)
        record["rule"] = landed.rule.name.lower()
        self.log({"event": "tx_landed", **record})

    # ------------------------------------------------------------------ the loop

    def wait_pending(self, timeout: float, stop: threading.Event | None = None) -> None:
        """Poll until the transaction in flight is resolved (or `timeout` seconds pass)."""
        deadline = time.monotonic() + timeout
        while self.pending is not None and time.monotonic() < deadline:
            if stop is not None and stop.is_set():
                return
            self._resolve_pending(int(self.web3.eth.block_number))
            if self.pending is not None:
                time.sleep(min(self.config.poll_interval, 0.25))

    def run(self, *, once: bool = False, stop: threading.Event | None = None) -> None:
        """Tick on every new block until `stop` is set (or once). Connection errors back off exponentially;
        nothing is sent until a fresh read succeeds after the node comes back."""
        stop = stop or threading.Event()
        backoff = self.config.backoff_initial
        self.log({"event": "keeper_started", "sender": self.sender, "hedgers": self.hedgers, "once": once,
                  "max_gas_price": self.config.max_gas_price})  # fmt: skip
        while not stop.is_set():
            try:
                if self._down:
                    _ = self.web3.eth.block_number  # probe
                    self._down = False
                    backoff = self.config.backoff_initial
                    self.log({"event": "rpc_reconnected", "pending": self.pending and self.pending.tx_hash})
                self.tick()
                if once:
                    if self.pending is not None:
                        self.wait_pending(self.config.receipt_timeout, stop)
                    break
            except Exception as err:
                if not is_transient(err):
                    raise
                if not self._down:
                    self._down = True
                    self.log({"event": "rpc_down", "error": f"{type(err).__name__}: {_error_text(err)}"})
                self.log({"event": "rpc_retry", "in_seconds": backoff})
                stop.wait(backoff)
                backoff = min(backoff * 2, self.config.backoff_max)
                continue
            stop.wait(self.config.poll_interval)
        self.log({"event": "keeper_stopped", "pending": self.pending and self.pending.tx_hash,
                  "rebalances": len(self.rebalances)})  # fmt: skip


# ---------------------------------------------------------------------------------------------------------
# Ape glue
# ---------------------------------------------------------------------------------------------------------


class _Calls:
    """Ape-style calls over a web3 contract at one block: `c.name(*args)` returns the output, a named tuple for
    several outputs or a struct (so `deltavault.requests` reads web3 and Ape contracts alike)."""

    def __init__(self, contract: Any, block: int | str = "latest"):
        self._contract, self._block = contract, block
        self.address = contract.address

    def __getattr__(self, name: str) -> Callable[..., Any]:
        from collections import namedtuple

        function = getattr(self._contract.functions, name)
        [entry] = [e for e in self._contract.abi if e.get("type") == "function" and e.get("name") == name]
        outputs = entry["outputs"]

        def named(items: list[dict], value: Sequence[Any]) -> Any:
            fields_ = [item["name"] or f"v{i}" for i, item in enumerate(items)]
            return namedtuple(name, fields_)(*value)

        def call(*args: Any) -> Any:
            value = function(*args).call(block_identifier=self._block)
            if len(outputs) == 1:
                if outputs[0]["type"] == "tuple":
                    return named(outputs[0]["components"], value)
                return value
            return named(outputs, value)

        return call


class _DutyState:
    """What the keeper knows of one hedger's vault for its duties: the contracts, and the controllers of every
    request made on the vault's queue (scanned from `DepositRequest` / `RedeemRequest` logs as blocks pass)."""

    def __init__(self, web3: Any, hedger: str):
        from deltavault import abi

        self.web3 = web3
        hedger_contract = web3.eth.contract(address=hedger, abi=abi.load("DeltaHedger"))
        vault = to_checksum_address(hedger_contract.functions.vault().call())
        self.vault = web3.eth.contract(address=vault, abi=abi.load("DeltaVault"))
        queue = to_checksum_address(self.vault.functions.requestQueue().call())
        self.queue = web3.eth.contract(address=queue, abi=abi.load("RequestQueue"))
        self._feed_abi = abi.load("AggregatorV3Interface")
        self.controllers: set[tuple[str, bool]] = set()
        self.scanned_to = -1

    def price_feed(self) -> Any:
        config = self.vault.functions.oracleConfig().call()
        return self.web3.eth.contract(address=to_checksum_address(config[0]), abi=self._feed_abi)

    def vol_feed(self) -> Any:
        address = to_checksum_address(self.vault.functions.oracleConfig().call()[2])
        if int(address, 16) == 0:
            return None  # the vault's volatility is set by its manager
        return self.web3.eth.contract(address=address, abi=self._feed_abi)

    def scan(self, head: int) -> None:
        if head <= self.scanned_to:
            return
        start = self.scanned_to + 1
        for event, is_deposit in (
            (self.queue.events.DepositRequest, True),
            (self.queue.events.RedeemRequest, False),
        ):
            for log in event.get_logs(from_block=start, to_block=head):
                self.controllers.add((to_checksum_address(log["args"]["controller"]), is_deposit))
        self.scanned_to = head


def lens_abi() -> list[dict]:
    """The VaultLens ABI shipped with the package (`deltavault/abi/VaultLens.json`)."""
    from deltavault import abi

    return abi.load("VaultLens")


def dry_tick(web3: Any, deployments: Sequence[dict[str, Any]], config: KeeperConfig) -> TickResult:
    """The keeper's read and decisions for `deployments` now, without signing or sending anything (the
    `keeper status` command); `status-reverted` views carry the decoded revert."""
    keeper = Keeper(
        web3=web3,
        lens=deployments[0]["lens"],
        lens_abi=lens_abi(),
        hedgers=[d["hedger"] for d in deployments],
        sender="0x" + "00" * 20,
        sign=_no_signer,
        chain_id=int(deployments[0]["chainId"]),
        config=config,
        log=lambda record: None,
    )
    keeper.dry_run = True
    result = keeper.tick()
    assert result is not None
    return result


def _no_signer(tx: dict[str, Any]) -> tuple[bytes, str]:
    raise RuntimeError("a dry run does not sign")


def ape_signer(account: Any) -> Signer:
    """Sign a web3-style transaction dict with an Ape account; returns (raw bytes, 0x hash)."""
    from ape import networks

    def sign(tx: dict[str, Any]) -> tuple[bytes, str]:
        txn = networks.ethereum.create_transaction(
            chain_id=tx["chainId"],
            nonce=tx["nonce"],
            receiver=tx["to"],
            data=tx["data"],
            value=tx.get("value", 0),
            gas_limit=tx["gas"],
            max_fee=tx["maxFeePerGas"],
            max_priority_fee=tx["maxPriorityFeePerGas"],
            type=2,
            sender=account.address,
        )
        signed = account.sign_transaction(txn)
        if signed is None:
            raise RuntimeError(f"account {account.address} refused to sign")
        raw = signed.serialize_transaction()
        return raw, "0x" + keccak(raw).hex()  # the hash of a typed transaction is keccak of its envelope

    return sign


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGINT/SIGTERM set `stop`: the loop finishes its current step, logs and returns."""

    def handler(signum, _frame):
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def _error_text(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    return text if len(text) < 300 else text[:300] + "..."
