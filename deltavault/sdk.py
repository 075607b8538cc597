"""Domain objects over a deployed DeltaVault: `Vault` and `Hedger`, bound from the ABIs shipped in the package.

    from ape import networks
    from deltavault import Vault

    with networks.parse_network_choice("ethereum:sepolia:https://rpc.example"):
        vault = Vault.at("0x...")
        print(vault.status().nav, [s.strike for s in vault.all_series()])
        print(vault.quote_buy(2, Decimal("2.5")).premium)

Reads return frozen dataclasses in human units (`Decimal` tokens, prices and greeks; `datetime` times, UTC).
Transactions take human amounts and an Ape account (`sender=`), check nothing themselves (the CLI does the
checks a user needs before signing) and raise `deltavault.errors.ContractError` with the decoded revert.
Every contract is bound by address with a packaged ABI (`deltavault/abi/`), so nothing here needs the compiled
repository: `pip install` the package and connect Ape to a network.

Adding an entry point (e.g. the request queue's `requestDeposit`) is one method: convert the human amount with
the token (`self.quote.units(amount)`) and call `self._transact("requestDeposit", units, receiver, sender=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from deltavault import abi as packaged
from deltavault.errors import ContractError, DecodedError, decode, explain, revert_data
from deltavault.policy import HedgePolicy, OracleConfig, Rule, VaultPolicy

WAD = 10**18
WAD_D = Decimal(WAD)
ERC4626_REDEEM = "redeem(uint256,address,address)"
OPTION_REDEEM = "redeemOption(uint256,uint256,address)"
MAX_SERIES_SCAN = 10_000


class DeploymentError(Exception):
    """The address holds no contract (or not the expected one) on the connected chain."""


# ---------------------------------------------------------------------------------------------------------
# Typed results
# ---------------------------------------------------------------------------------------------------------


def _time(ts: int) -> datetime:
    return datetime.fromtimestamp(int(ts), UTC)


def _wad(x: int) -> Decimal:
    return Decimal(int(x)) / WAD_D


@dataclass(frozen=True)
class Token:
    """An ERC-20 bound with `IERC20Metadata`; `units()` / `human()` convert amounts."""

    address: str
    symbol: str
    decimals: int

    def units(self, amount: Decimal | int | str) -> int:
        """Human amount -> integer units; refuses nan, infinities and more decimals than the token has."""
        value = Decimal(str(amount))
        if not value.is_finite():
            raise ValueError(f"{amount!r} is not a finite amount of {self.symbol}")
        units = value.scaleb(self.decimals)
        if units != units.to_integral_value():
            raise ValueError(f"{amount} {self.symbol} has more than {self.decimals} decimals")
        return int(units)

    def human(self, units: int) -> Decimal:
        return Decimal(int(units)).scaleb(-self.decimals)


@dataclass(frozen=True)
class Series:
    """One option series. Strike and cap in quote per base; options counted on one whole base token."""

    id: int
    is_call: bool
    strike: Decimal
    cap: Decimal  # calls: payoff cap (the call spread K / K + cap); puts: 0
    expiry: datetime
    outstanding: Decimal  # options written and not redeemed
    settled: bool
    payoff_per_option: Decimal  # quote per option once settled

    @property
    def kind(self) -> str:
        return "call" if self.is_call else "put"

    def state(self, now: datetime) -> str:
        """`live`, `expired` (awaiting settlement) or `settled`."""
        return "settled" if self.settled else ("expired" if self.expiry <= now else "live")


@dataclass(frozen=True)
class Quote:
    """The premium of a trade of `options` options of a series, in the quote token, at the current state."""

    series_id: int
    options: Decimal
    premium: Decimal
    side: str  # "buy" or "sell"

    @property
    def per_option(self) -> Decimal:
        return self.premium / self.options if self.options else Decimal(0)


VENUE_STATUS = ("active", "no-liquidity", "oracle-unavailable", "paused")  # IBorrowVenue.Status


@dataclass(frozen=True)
class ShortPosition:
    """The hedge's holdings with a borrow venue: base held and owed (base), collateral (quote), the position's
    loan-to-value and health factor (fractions) and the base price at which it can be liquidated (quote);
    the venue's address and status (`VENUE_STATUS`) and its liquidation loan-to-value (fraction)."""

    base_held: Decimal
    base_owed: Decimal
    collateral: Decimal
    ltv: Decimal
    health_factor: Decimal | None  # None without debt
    liquidation_price: Decimal | None  # None without debt
    venue: str = ""
    venue_status: str = "active"
    liquidation_ltv: Decimal = Decimal(0)

    @property
    def healthy(self) -> bool:
        """The position cannot be liquidated at the current price (no debt, or a health factor above 1)."""
        return self.health_factor is None or self.health_factor > 1


@dataclass(frozen=True)
class ShortLimits:
    """The hedger's short policy (`IDeltaHedger.ShortPolicy`) in human units: loan-to-values as fractions,
    the cap on base owed in base tokens (0: the short leg is off)."""

    target_ltv: Decimal
    max_ltv: Decimal
    max_base_owed: Decimal

    @property
    def enabled(self) -> bool:
        return self.max_base_owed > 0


@dataclass(frozen=True)
class Greeks:
    """Portfolio greeks: delta in base, gamma in base per quote, vega in quote per unit of volatility."""

    delta: Decimal
    gamma: Decimal
    vega: Decimal


@dataclass(frozen=True)
class Position:
    """What `owner` holds: quote tokens, vault shares (and their redeemable value now), options per series."""

    owner: str
    quote_balance: Decimal
    shares: Decimal
    share_value: (
        Decimal | None
    )  # quote received for all shares now (previewRedeem); None when the oracle fails
    max_withdraw: Decimal | None  # None when the oracle fails
    options: dict[int, Decimal]


@dataclass(frozen=True)
class HedgeStatus:
    """`IDeltaHedger.Status` in base units: is a rebalance due, which rule, delta, target, band, the trade."""

    due: bool
    rule: Rule
    delta: Decimal
    target: Decimal
    band: Decimal
    trade: Decimal
    next_allowed: datetime


@dataclass(frozen=True)
class VaultStatus:
    """One snapshot of a vault. Oracle-dependent fields are None when the read reverts; `errors` says why."""

    address: str
    block: int
    time: datetime
    paused: bool
    quote_symbol: str
    nav: Decimal | None
    total_shares: Decimal
    free_assets: Decimal
    reserved_assets: Decimal
    spot: Decimal | None
    implied_vol: Decimal | None
    greeks: Greeks | None
    hedge: HedgeStatus | None
    live_series: tuple[int, ...]
    errors: dict[str, str]
    short: ShortPosition | None = None  # None without a borrow venue


# ---------------------------------------------------------------------------------------------------------
# Binding
# ---------------------------------------------------------------------------------------------------------


def _bind(name: str, address: str) -> Any:
    """An Ape contract instance at `address` with the packaged ABI `name` (no compiled project needed)."""
    from ape import Contract, chain
    from eth_utils import is_address, to_checksum_address

    if not is_address(address):
        raise DeploymentError(f"{address!r} is not an address ({name})")
    address = to_checksum_address(address)
    if not chain.provider.get_code(address):
        raise DeploymentError(f"no contract at {address} on the connected chain {chain.chain_id} ({name})")
    return Contract(address, abi=packaged.load(name))


def _struct(value: Any) -> dict[str, Any]:
    if hasattr(value, "items"):
        return dict(value.items())
    return dict(value.__dict__)


def _snake(name: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _typed(cls: type, struct: Any) -> Any:
    """A policy struct as its dataclass (`VaultPolicy`, `HedgePolicy`, `OracleConfig`); a dict when the deployed
    contract's struct has other fields than the package knows."""
    values = {_snake(k): v for k, v in _struct(struct).items()}
    names = {f.name for f in fields(cls)}
    if set(values) != names:
        return values
    return cls(**{k: (str(v) if isinstance(v, str) else v) for k, v in values.items()})


class _Bound:
    """Shared by `Vault` and `Hedger`: the contract, and transactions that raise `ContractError`."""

    contract: Any

    @property
    def address(self) -> str:
        return self.contract.address

    quote_decimals: int | None = None

    def _call(self, fn: Any, *args: Any, what: str) -> Any:
        """A view call made with a raw `eth_call` (Ape decodes no custom error of a call, and prints a trace);
        a revert raises `ContractError` with the decoded reason, a result is decoded by Ape as usual."""
        from ape import chain
        from ape.contracts.base import ContractCall
        from hexbytes import HexBytes

        (abi,) = [a for a in fn.abis if len(a.inputs) == len(args)][:1]
        data = "0x" + bytes(fn.encode_input(*args)).hex()
        try:
            raw = chain.provider.web3.eth.call({"to": self.address, "data": data})
        except Exception as err:
            decoded = decode(revert_data(err), quote_decimals=self.quote_decimals)
            if decoded is None:
                raise
            raise ContractError(decoded, what) from None
        return ContractCall(abi, self.address)._decode_returndata(HexBytes(raw))

    def _transact(self, method: str | Any, *args: Any, sender: Any, **tx: Any) -> Any:
        """Send `method(*args)` from `sender` (an Ape account); a revert (in the estimate or the receipt)
        raises `ContractError` with the decoded reason."""
        from ape.exceptions import ContractLogicError

        fn = getattr(self.contract, method) if isinstance(method, str) else method
        name = method if isinstance(method, str) else getattr(fn, "abis", [None])[0].name
        try:
            return fn(*args, sender=sender, **tx)
        except ContractLogicError as err:
            decoded = decode(revert_data(err), quote_decimals=self.quote_decimals)
            raise ContractError(decoded or DecodedError("unknown", {}, explain(err)), name) from None

    def _overload(self, signature: str) -> Any:
        from deltavault.contracts import method

        return method(self.contract, signature)


class Hedger(_Bound):
    """A DeltaHedger: rebalance status, policy, realized volatility; `rebalance()`."""

    def __init__(self, contract: Any):
        self.contract = contract

    @classmethod
    def at(cls, address: str) -> Hedger:
        return cls(_bind("DeltaHedger", address))

    @cached_property
    def vault_address(self) -> str:
        return self.contract.vault()

    def status(self) -> HedgeStatus:
        s = self._call(self.contract.rebalanceStatus, what="rebalanceStatus")
        return HedgeStatus(
            bool(s.due), Rule(int(s.rule)), _wad(s.delta), _wad(s.target), _wad(s.band), _wad(s.trade),
            _time(s.nextAllowed),
        )  # fmt: skip

    def policy(self) -> HedgePolicy | dict[str, Any]:
        return _typed(HedgePolicy, self.contract.policy())

    def realized_vol(self) -> Decimal:
        return _wad(self.contract.realizedVol())

    def rebalance(self, *, sender: Any, **tx: Any) -> Any:
        return self._transact("rebalance", sender=sender, **tx)

    def set_policy(self, policy: HedgePolicy, *, sender: Any, **tx: Any) -> Any:
        """`setPolicy` (the vault's owner only; the contract checks every bound)."""
        return self._transact("setPolicy", policy.as_tuple(), sender=sender, **tx)

    def short_limits(self) -> ShortLimits:
        """The short leg's policy (`shortPolicy()`) in human units."""
        p = self.contract.shortPolicy()
        return ShortLimits(_wad(p.targetLtv), _wad(p.maxLtv), _wad(p.maxBaseOwed))

    def short_position(self) -> ShortPosition | None:
        """The short position of the vault this hedger serves (None without a borrow venue)."""
        return Vault.at(self.vault_address).short_position()


class Vault(_Bound):
    """A DeltaVault: series, quotes, positions, payouts, settlement, status and policy in human units, and the
    user's transactions (deposit, withdraw, buy, sell, settle, redeem)."""

    def __init__(self, contract: Any):
        self.contract = contract

    @classmethod
    def at(cls, address: str) -> Vault:
        """Bind the vault at `address` on the connected network (raises `DeploymentError` without code)."""
        vault = cls(_bind("DeltaVault", address))
        _ = vault.quote
        return vault

    # ------------------------------------------------------------------ bound contracts

    @cached_property
    def quote(self) -> Token:
        token = self._token(self.contract.asset())
        self.quote_decimals = token.decimals  # quote amounts in decoded errors are shown in tokens
        return token

    @cached_property
    def base(self) -> Token:
        return self._token(self.contract.baseAsset())

    @cached_property
    def quote_contract(self) -> Any:
        return _bind("IERC20Metadata", self.quote.address)

    @cached_property
    def option_token(self) -> Any:
        return _bind("OptionToken", self.contract.optionToken())

    @cached_property
    def price_feed(self) -> Any:
        return _bind("AggregatorV3Interface", self.oracle_config().price_feed)

    @cached_property
    def share_decimals(self) -> int:
        return int(self.contract.decimals())

    def hedger(self) -> Hedger:
        return Hedger.at(self.contract.hedger())

    @staticmethod
    def _token(address: str) -> Token:
        erc20 = _bind("IERC20Metadata", address)
        return Token(erc20.address, erc20.symbol(), int(erc20.decimals()))

    def _now(self) -> datetime:
        from ape import chain

        return _time(chain.blocks.head.timestamp)

    # ------------------------------------------------------------------ reads

    def series(self, series_id: int) -> Series:
        """A listed series (raises `ContractError` with `SeriesNotListed`, or ValueError, when it is not)."""
        if series_id < 1:
            raise ValueError(f"series ids start at 1, not {series_id}")
        s = self._call(self.contract.series, series_id, what=f"series({series_id})")
        if int(s.expiry) == 0:
            raise ValueError(f"series {series_id} is not listed")
        return Series(
            id=series_id, is_call=bool(s.isCall), strike=_wad(s.strike), cap=_wad(s.cap), expiry=_time(s.expiry),
            outstanding=_wad(s.outstanding), settled=bool(s.settled),
            payoff_per_option=_wad(s.payoffPerOption),
        )  # fmt: skip

    def all_series(self) -> list[Series]:
        """Every series ever listed, in id order (ids start at 1 and increase by one)."""
        out = []
        for sid in range(1, MAX_SERIES_SCAN):
            try:
                out.append(self.series(sid))
            except (ValueError, ContractError):
                break
        return out

    def live_series(self) -> tuple[int, ...]:
        return tuple(int(x) for x in self.contract.liveSeries())

    def quote_buy(self, series_id: int, options: Decimal | str | int) -> Quote:
        """The premium to buy `options` options now (before the buyer's slippage bound)."""
        amount = _options_units(options)
        premium = self._call(self.contract.quoteBuy, series_id, amount, what="quoteBuy")
        return Quote(series_id, _wad(amount), self.quote.human(premium), "buy")

    def quote_sell(self, series_id: int, options: Decimal | str | int) -> Quote:
        amount = _options_units(options)
        premium = self._call(self.contract.quoteSell, series_id, amount, what="quoteSell")
        return Quote(series_id, _wad(amount), self.quote.human(premium), "sell")

    def payout(self, series_id: int, options: Decimal | str | int) -> Decimal:
        """Quote paid for redeeming `options` settled options of the series (0 before settlement)."""
        s = self.contract.series(series_id)
        units = _options_units(options) * int(s.payoffPerOption) // WAD // 10 ** (18 - self.quote.decimals)
        return self.quote.human(units)

    def position(self, owner: Any, series_ids: tuple[int, ...] | None = None) -> Position:
        owner = getattr(owner, "address", owner)
        shares = int(self.contract.balanceOf(owner))

        def oracle_read(fn, *args):  # None while the oracle is stale or the sequencer is down
            try:
                return self.quote.human(self._call(fn, *args, what=fn.abis[0].name))
            except ContractError:
                return None

        value = oracle_read(self.contract.previewRedeem, shares) if shares else Decimal(0)
        ids = series_ids if series_ids is not None else tuple(s.id for s in self.all_series())
        options = {sid: _wad(self.option_token.balanceOf(owner, sid)) for sid in ids}
        return Position(
            owner=owner,
            quote_balance=self.quote.human(self.quote_contract.balanceOf(owner)),
            shares=Decimal(shares).scaleb(-self.share_decimals),
            share_value=value,
            max_withdraw=oracle_read(self.contract.maxWithdraw, owner),
            options={k: v for k, v in options.items() if v},
        )

    def policy(self) -> VaultPolicy | dict[str, Any]:
        return _typed(VaultPolicy, self.contract.policy())

    def oracle_config(self) -> OracleConfig:
        c = _struct(self.contract.oracleConfig())
        return OracleConfig(*(str(v) if not isinstance(v, int) else int(v) for v in c.values()))

    def settlement_round(self, series_id: int) -> int:
        """The first price-feed round updated at or after the series' expiry (the round `settle` needs)."""
        expiry = int(self.series(series_id).expiry.timestamp())
        feed = self.price_feed
        latest = feed.latestRoundData()
        if int(latest.updatedAt) < expiry:
            raise ValueError(
                f"the price feed has no round at or after expiry ({_time(expiry):%Y-%m-%d %H:%M UTC}); "
                f"its latest is {_time(latest.updatedAt):%Y-%m-%d %H:%M UTC}"
            )
        round_id = int(latest.roundId)
        while True:
            try:
                previous = feed.getRoundData(round_id - 1)
            except Exception:  # no earlier round (or another phase)
                return round_id
            if int(previous.updatedAt) < expiry:
                return round_id
            round_id -= 1

    def status(self) -> VaultStatus:
        """A snapshot; reads that depend on the oracle are None when they revert (stale feed, sequencer down),
        with the decoded reason in `errors`."""
        from ape import chain

        errors: dict[str, str] = {}
        q = self.quote

        def safe(key: str, fn, convert):
            try:
                return convert(self._call(fn, what=key))
            except ContractError as err:
                errors[key] = err.decoded.message
                return None

        head = chain.blocks.head
        greeks = safe("greeks", self.contract.portfolioGreeks,
                      lambda g: Greeks(_wad(g[0]), _wad(g[1]), _wad(g[2])))  # fmt: skip
        try:
            hedge = self.hedger().status()
        except ContractError as err:
            errors["hedge"] = err.decoded.message
            hedge = None
        short = safe("short", self.contract.hedgeState, self._short_position)
        return VaultStatus(
            address=self.address,
            block=int(head.number),
            time=_time(head.timestamp),
            paused=bool(self.contract.paused()),
            quote_symbol=q.symbol,
            nav=safe("nav", self.contract.totalAssets, q.human),
            total_shares=Decimal(int(self.contract.totalSupply())).scaleb(-self.share_decimals),
            free_assets=q.human(self.contract.freeAssets()),
            reserved_assets=q.human(self.contract.reservedAssets()),
            spot=safe("spot", self.contract.spotPrice, _wad),
            implied_vol=safe("implied_vol", self.contract.impliedVol, _wad),
            greeks=greeks,
            hedge=hedge,
            live_series=self.live_series(),
            errors=errors,
            short=short,
        )

    def short_position(self) -> ShortPosition | None:
        """The hedge's short position in human units (None without a borrow venue); raises `ContractError`
        when the vault cannot price it (stale oracle)."""
        return self._short_position(self._call(self.contract.hedgeState, what="hedgeState"))

    def _short_position(self, h: Any) -> ShortPosition | None:
        address = self.contract.borrowVenue()
        if int(address, 16) == 0:
            return None
        venue = _bind("MorphoBlueVenue", address)
        status = int(venue.status())
        try:
            ltv, health_factor, liquidation_price = venue.health()
        except Exception:  # the venue's oracle reverts: no health to report, the holdings still stand
            ltv, health_factor, liquidation_price = 0, 0, 0
        no_debt = int(h.baseOwed) == 0
        return ShortPosition(
            base_held=_wad(h.baseHeld),
            base_owed=_wad(h.baseOwed),
            collateral=self.quote.human(h.collateral),
            ltv=_wad(ltv),
            health_factor=None if no_debt or not health_factor else _wad(health_factor),
            liquidation_price=None if no_debt or not liquidation_price else _wad(liquidation_price),
            venue=venue.address,
            venue_status=VENUE_STATUS[status] if status < len(VENUE_STATUS) else str(status),
            liquidation_ltv=_wad(venue.lltv()),
        )

    def preview_buy(self, series_id: int, options: Decimal | str | int, max_premium: Decimal, *, sender: Any,
                    receiver: Any = None) -> int:  # fmt: skip
        """Simulate `buyOption` from `sender` without sending it (an `eth_call` on the latest block) and return
        the premium in quote units; a revert (e.g. `HedgeCapacityExceeded`) raises `ContractError`. When
        `sender` has not approved the premium yet, the call runs with the allowance overridden (OpenZeppelin's
        ERC-20 layout, checked by reading the allowance back); a token of another layout gets the allowance
        revert, as the transaction itself would before its approval."""
        from ape import chain
        from eth_abi import decode as abi_decode

        fn = self.contract.buyOption
        sender_address = getattr(sender, "address", sender)
        receiver_address = getattr(receiver, "address", receiver) or sender_address
        args = (series_id, _options_units(options), self.quote.units(max_premium), receiver_address)
        tx = {"from": sender_address, "to": self.address, "data": "0x" + bytes(fn.encode_input(*args)).hex()}
        web3 = chain.provider.web3
        override = self._allowance_override(sender_address)
        try:
            raw = web3.eth.call(tx, "latest", override) if override else web3.eth.call(tx)
        except Exception as err:
            decoded = decode(revert_data(err), quote_decimals=self.quote_decimals)
            if decoded is None:
                raise
            raise ContractError(decoded, "buyOption") from None
        return int(abi_decode(["uint256"], bytes(raw))[0])

    def _allowance_override(self, owner: str) -> dict | None:
        """A state override giving the vault an unlimited allowance of `owner`'s quote, or None when it is not
        needed or the token does not keep allowances where OpenZeppelin's ERC-20 does (slot 1)."""
        from ape import chain
        from eth_abi import encode
        from eth_utils import keccak

        token = self.quote_contract
        if int(token.allowance(owner, self.address)) >= 2**255:
            return None
        inner = keccak(encode(["address", "uint256"], [owner, 1]))
        slot = "0x" + keccak(encode(["address"], [self.address]) + inner).hex()
        override = {token.address: {"stateDiff": {slot: "0x" + "ff" * 32}}}
        data = "0x" + bytes(token.allowance.encode_input(owner, self.address)).hex()
        try:
            raw = chain.provider.web3.eth.call({"to": token.address, "data": data}, "latest", override)
        except Exception:  # a node without state overrides
            return None
        return override if int.from_bytes(bytes(raw)[-32:], "big") == 2**256 - 1 else None

    # ------------------------------------------------------------------ transactions (human amounts)

    def approve(self, amount: Decimal, *, sender: Any, **tx: Any) -> Any:
        """Approve the vault for `amount` quote tokens."""
        try:
            return self.quote_contract.approve(self.address, self.quote.units(amount), sender=sender, **tx)
        except Exception as err:
            decoded = decode(revert_data(err))
            if decoded is None:
                raise
            raise ContractError(decoded, "approve") from None

    def deposit(self, amount: Decimal, *, sender: Any, receiver: Any = None, **tx: Any) -> Any:
        return self._transact("deposit", self.quote.units(amount), receiver or sender, sender=sender, **tx)

    def withdraw(self, amount: Decimal, *, sender: Any, receiver: Any = None, **tx: Any) -> Any:
        return self._transact(
            "withdraw", self.quote.units(amount), receiver or sender, sender, sender=sender, **tx
        )

    def redeem_shares(self, shares: Decimal | int, *, sender: Any, receiver: Any = None, **tx: Any) -> Any:
        """ERC-4626 `redeem`; `shares` in whole shares (Decimal) or share units (int)."""
        units = shares if isinstance(shares, int) else int(Decimal(str(shares)).scaleb(self.share_decimals))
        fn = self._overload(ERC4626_REDEEM)
        return self._transact(fn, units, receiver or sender, sender, sender=sender, **tx)

    def buy(self, series_id: int, options: Decimal, max_premium: Decimal, *, sender: Any, receiver: Any = None,
            **tx: Any) -> Any:  # fmt: skip
        return self._transact("buyOption", series_id, _options_units(options), self.quote.units(max_premium),
                              receiver or sender, sender=sender, **tx)  # fmt: skip

    def sell(self, series_id: int, options: Decimal, min_premium: Decimal, *, sender: Any, receiver: Any = None,
             **tx: Any) -> Any:  # fmt: skip
        return self._transact("sellOption", series_id, _options_units(options), self.quote.units(min_premium),
                              receiver or sender, sender=sender, **tx)  # fmt: skip

    def settle(self, series_id: int, round_id: int | None = None, *, sender: Any, **tx: Any) -> Any:
        round_id = round_id or self.settlement_round(series_id)
        return self._transact("settle", series_id, round_id, sender=sender, **tx)

    def redeem_options(self, series_id: int, options: Decimal, *, sender: Any, receiver: Any = None,
                       **tx: Any) -> Any:  # fmt: skip
        fn = self._overload(OPTION_REDEEM)
        return self._transact(fn, series_id, _options_units(options), receiver or sender, sender=sender, **tx)

    # ------------------------------------------------------------------ requests (the asynchronous way in and out)

    @property
    def request_queue(self) -> Any:
        """The vault's `RequestQueue` (ERC-7540-style deposit and redeem requests)."""
        return _bind("RequestQueue", self.contract.requestQueue())

    def pending_requests(self, controller: Any) -> list[PendingRequest]:
        """`controller`'s pending deposit and redeem requests, with their due times."""
        queue = self.request_queue
        out = []
        for is_deposit in (True, False):
            r = queue.depositRequest(controller) if is_deposit else queue.redeemRequest(controller)
            if r.amount == 0:
                continue
            amount = (
                self.quote.human(r.amount) if is_deposit else Decimal(r.amount).scaleb(-self.share_decimals)
            )
            out.append(PendingRequest("deposit" if is_deposit else "redeem", amount,
                                      _time(r.requestedAt), _time(queue.dueAt(controller, is_deposit))))  # fmt: skip
        return out

    def request_deposit(self, amount: Decimal, *, sender: Any, controller: Any = None, **tx: Any) -> Any:
        """Moves `amount` quote tokens into the request queue; the shares come at the request's due round."""
        return self._transact(self.request_queue.requestDeposit, self.quote.units(amount), controller or sender,
                              sender, sender=sender, **tx)  # fmt: skip

    def request_redeem(self, shares: Decimal | int, *, sender: Any, controller: Any = None, **tx: Any) -> Any:
        """Moves shares (whole shares as Decimal, or share units as int) into the request queue."""
        units = shares if isinstance(shares, int) else int(Decimal(str(shares)).scaleb(self.share_decimals))
        return self._transact(self.request_queue.requestRedeem, units, controller or sender, sender,
                              sender=sender, **tx)  # fmt: skip

    def fulfil(self, controller: Any, is_deposit: bool, *, sender: Any, **tx: Any) -> Any:
        """Fulfils `controller`'s due request with the rounds the queue verifies (anyone may)."""
        from deltavault import requests

        queue = self.request_queue
        config = self.contract.oracleConfig()
        vol_feed = None if int(config.volFeed, 16) == 0 else _bind("AggregatorV3Interface", config.volFeed)
        address = getattr(controller, "address", controller)
        due = requests.due_requests(queue, {(address, is_deposit)}, self._now_ts(), self.price_feed, vol_feed)
        if not due:
            when = queue.dueAt(address, is_deposit)
            raise ContractError(
                DecodedError("RequestNotDue", {"dueAt": when},
                             f"no due {'deposit' if is_deposit else 'redeem'} request of {address} with its "
                             f"price round yet (due at {_time(when) if when else 'never: none pending'})"),
                "fulfil",
            )  # fmt: skip
        d = due[0]
        fn = queue.fulfilDeposit if is_deposit else queue.fulfilRedeem
        return self._transact(fn, d.controller, d.price_round, d.vol_round, sender=sender, **tx)

    def _now_ts(self) -> int:
        from ape import chain

        return chain.blocks.head.timestamp


@dataclass(frozen=True)
class PendingRequest:
    kind: str  # "deposit" or "redeem"
    amount: Decimal  # quote tokens (deposit) or shares (redeem)
    requested_at: datetime
    due_at: datetime


def _options_units(options: Decimal | str | int) -> int:
    """Options (on one whole base token each, human) -> WAD units."""
    value = Decimal(str(options))
    if not value.is_finite() or value < 0:
        raise ValueError(f"{options!r} is not a number of options")
    units = value.scaleb(18)
    if units != units.to_integral_value():
        raise ValueError(f"{options} options has more than 18 decimals")
    return int(units)


__all__ = [
    "DeploymentError",
    "Greeks",
    "HedgeStatus",
    "Hedger",
    "Position",
    "Quote",
    "Series",
    "Token",
    "Vault",
    "VaultStatus",
]
