"""Defaults and helpers for DeltaVault tests."""

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from deltavault.policy import OracleConfig, VaultPolicy
from tests.utils.constants import (  # noqa: F401 (the vault tests import them from here)
    DAY,
    HOUR,
    MAX_UINT,
    STRIKE_UNIT,
    WAD,
    YEAR,
    ZERO_ADDRESS,
)


def default_policy(**overrides) -> tuple:
    """`IDeltaVault.Policy` as a tuple: `deltavault.policy.VaultPolicy`'s defaults, with overrides named as in
    Solidity (e.g. `entryFeeBps=5`)."""
    snake = {re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower(): value for key, value in overrides.items()}
    return replace(VaultPolicy(), **snake).as_tuple()


def oracle_config(feed, max_age=HOUR, vol_feed=ZERO_ADDRESS, vol_max_age=0, sequencer=ZERO_ADDRESS, grace=0):
    """`IDeltaVault.OracleConfig` as a tuple (`deltavault.policy.OracleConfig`)."""
    address = getattr(feed, "address", feed)
    return OracleConfig(address, max_age, vol_feed, vol_max_age, sequencer, grace).as_tuple()


@dataclass
class VaultEnv:
    vault: Any
    quote: Any
    base: Any
    feed: Any
    option_token: Any

    @property
    def q(self) -> int:
        """One whole quote token in its units."""
        return 10 ** self.quote.decimals()

    @property
    def b(self) -> int:
        """One whole base token in its units."""
        return 10 ** self.base.decimals()

    def fund(self, account, quote_amount: int) -> None:
        """Mints `quote_amount` (quote units) to `account` and approves the vault."""
        self.quote.mint(account, quote_amount, sender=account)
        self.quote.approve(self.vault, 2**256 - 1, sender=account)

    def deposit(self, account, quote_amount: int):
        self.fund(account, quote_amount)
        return self.vault.deposit(quote_amount, account, sender=account)

    def set_price(self, price, owner) -> None:
        decimals = self.feed.decimals()
        self.feed.pushAnswer(int(price * 10**decimals), sender=owner)


# ---------------------------------------------------------------- added by the vault test suite

ERC4626_REDEEM_SIG = "redeem(uint256,address,address)"
OPTION_REDEEM_SIG = "redeem(uint256,uint256,address)"


def erc4626_redeem(vault):
    """The ERC-4626 `redeem(shares, receiver, owner)` handler (Ape picks the wrong overload by itself)."""
    from deltavault.contracts import method

    return method(vault, ERC4626_REDEEM_SIG)


def option_redeem(vault):
    """The option `redeem(seriesId, amount, receiver)` handler."""
    from deltavault.contracts import method

    return method(vault, OPTION_REDEEM_SIG)


def to_strike(price) -> int:
    """A price in human quote per base as a listable strike or cap: WAD, a whole multiple of STRIKE_UNIT."""
    return round(Decimal(str(price)) * WAD / STRIKE_UNIT) * STRIKE_UNIT


def list_series(env, manager, strike, cap=0, expiry=None, is_call=True, days=30):
    """Lists a series (strike and cap in human quote per base) expiring `days` from now; returns its id."""
    from ape import chain

    expiry = expiry or chain.pending_timestamp + int(days * DAY)
    env.vault.listSeries(to_strike(strike), to_strike(cap), expiry, is_call, sender=manager)
    return env.vault.seriesCount()


def same_time():
    """Makes the next transaction run at the latest block's timestamp, so that a view called now (a quote)
    sees the same time to expiry as the transaction."""
    from ape import chain

    chain.pending_timestamp = chain.blocks.head.timestamp


def buy(env, account, series_id, amount, receiver=None):
    """Funds `account` and buys `amount` (WAD) options at the quoted premium; returns the premium paid."""
    env.fund(account, env.vault.quoteBuy(series_id, amount) * 2 + env.q)
    same_time()
    premium = env.vault.quoteBuy(series_id, amount)
    tx = env.vault.buyOption(series_id, amount, premium, receiver or account, sender=account)
    return tx.return_value


def _selector(error) -> bytes:
    from eth_utils import keccak

    return keccak(text=error.abi.selector)[:4]


def _decode_error(error, data: bytes) -> dict:
    """The inputs of `error` in the revert `data`, through the package's decoder (`deltavault.errors`); errors
    of test-only contracts, which the package does not ship, are decoded with their own ABI."""
    from ape import networks

    from deltavault.errors import decode

    decoded = decode(data)
    if decoded is not None and decoded.name != "unknown":
        assert decoded.name == error.abi.name, f"expected {error.abi.name} but: {decoded.message}"
        return dict(decoded.args)
    assert data[:4] == _selector(error), f"expected {error.abi.name} but reverted with 0x{data[:4].hex()}"
    return dict(networks.ethereum.decode_calldata(error.abi, data[4:]))


def _assert_inputs(error, actual: dict, expected: dict) -> None:
    for key, value in expected.items():
        assert key in actual, f"{error.abi.name} has no input {key}"
        assert actual[key] == value, f"{error.abi.name}.{key}: expected {value}, got {actual[key]}"


class reverts:
    """Strict `ape.reverts(error, **inputs)`: asserts the custom error's name and every given input.

    Ape does not decode custom errors raised by `eth_call`s (views) and `ape.reverts` then passes on any
    revert; here such a revert must at least carry the expected selector, and asserting its inputs requires
    `call_reverts`."""

    def __init__(self, error, **inputs):
        import ape

        self.error, self.inputs = error, inputs
        self._inner = ape.reverts()

    def __enter__(self):
        self.info = self._inner.__enter__()
        return self.info

    def __exit__(self, exc_type, exc, tb):
        from ape.exceptions import CustomError

        handled = self._inner.__exit__(exc_type, exc, tb)
        value = self.info.value
        name = self.error.abi.name
        if isinstance(value, CustomError):
            assert type(value).__name__ == name, f"expected {name} but reverted with {type(value).__name__}"
            _assert_inputs(self.error, dict(value.inputs), self.inputs)
        else:
            message = str(getattr(value, "revert_message", "") or value)
            if message.startswith("0x"):  # raw revert data (e.g. a reverted deployment)
                from hexbytes import HexBytes

                _assert_inputs(self.error, _decode_error(self.error, HexBytes(message)), self.inputs)
                return handled
            from deltavault.errors import explain

            assert f"custom error 0x{_selector(self.error).hex()}" in message, (
                f"expected {name}: {explain(value)}"
            )
            assert not self.inputs, "use call_reverts to assert the inputs of a reverted view"
        return handled


def call_reverts(error, handler, *args, _from=None, **inputs):
    """Asserts that the call `handler(*args)` (a view, or a transaction simulated from `_from`) reverts with
    `error` carrying `inputs` (raw eth_call: fast even when the error comes from a nested contract)."""
    from ape import chain
    from hexbytes import HexBytes
    from web3.exceptions import ContractCustomError

    data = handler.encode_input(*args)
    try:
        call = {"to": handler.contract.address, "data": HexBytes(data).to_0x_hex()}
        if _from is not None:
            call["from"] = getattr(_from, "address", _from)
        chain.provider.web3.eth.call(call)
    except ContractCustomError as err:
        raw = err.data if isinstance(err.data, str) else err.args[-1]
        actual = _decode_error(error, HexBytes(raw))
        _assert_inputs(error, actual, inputs)
        return actual
    raise AssertionError(f"{handler} did not revert")


def deploy_reverts(error, container, *args, _from, **inputs):
    """Asserts that deploying `container(*args)` from `_from` reverts with `error` carrying `inputs`, through a
    raw `eth_call` of the creation code (Ape's deployment path cannot decode every reverted creation)."""
    from ape import chain
    from hexbytes import HexBytes
    from web3.exceptions import ContractCustomError

    data = container.constructor.serialize_transaction(*args).data
    try:
        call = {"from": getattr(_from, "address", _from), "data": HexBytes(data).to_0x_hex()}
        chain.provider.web3.eth.call(call)
    except ContractCustomError as err:
        raw = err.data if isinstance(err.data, str) else err.args[-1]
        actual = _decode_error(error, HexBytes(raw))
        _assert_inputs(error, actual, inputs)
        return actual
    raise AssertionError(f"deploying {container.contract_type.name} did not revert")


def series_greeks(strike, cap, is_call, spot, vol, tau):
    """mpmath reference of one long option of a series (SeriesLib): (value, delta, gamma, vega) in natural
    units, with the intrinsic fallback outside strike/spot in [0.01, 100] and at expiry."""
    from tests.utils import black_scholes as bs

    def leg(k, call):
        if tau != 0 and k * 100 >= spot and k <= spot * 100:
            g = bs.greeks(spot, k, tau, vol, 0, call)
            return g.price, g.delta, g.gamma, g.vega
        s, kk = bs.mpf(spot) / WAD, bs.mpf(k) / WAD
        if call:
            return (s - kk, 1, 0, 0) if spot > k else (0, 0, 0, 0)
        return (kk - s, -1, 0, 0) if k > spot else (0, 0, 0, 0)

    a = leg(strike, is_call)
    if not is_call:
        return a
    b = leg(strike + cap, True)
    value = min(max(a[0] - b[0], 0), bs.mpf(cap) / WAD)
    return (value, a[1] - b[1], a[2] - b[2], a[3] - b[3])
